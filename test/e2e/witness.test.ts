/**
 * A C2SP tlog witness (c2sp.org/tlog-witness) in front of the real server: `valise witness
 * init/start/add-log` through the CLI, the demo server started with `--witness URL=VKEY`, events
 * logged, the served checkpoint cosigned by the witness, `valise audit verify --witness ...
 * --min-witnesses K` passing at 1 and failing at 2, and the witness process refusing a rolled-back
 * (409) and a forked (422) checkpoint over HTTP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ed25519NoteSigner,
  encodeAddCheckpointRequest,
  mlDsa44CosignatureSigner,
  parseCheckpoint,
  parseSignedNote,
  signCheckpoint,
} from '@valise/protocol';
import type { ValiseClient } from '@valise/sdk';
import { nodeCryptoProvider } from '@valise/sdk/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliRunner, errorCode } from '../helpers/cli.ts';
import { enrolClient } from '../helpers/clients.ts';
import { cliBin, type RunningServer, startDemoServer, waitFor } from '../helpers/server.ts';

const WITNESS_NAME = 'witness.test/w1';

let valise: Awaited<ReturnType<typeof cliRunner>>;
let witnessDir: string;
let witness: ChildProcess | undefined;
let witnessUrl: string;
let witnessVkeys: string[];
let server: RunningServer | undefined;
let member: ValiseClient | undefined;

async function causeDenials(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await expect(member!.approvals()).rejects.toThrow();
}

/** The served checkpoint once it is above `size` and carries the witness's cosignature. */
async function witnessedCheckpointAbove(size: number): Promise<{ note: string; size: number }> {
  return waitFor(`a witnessed checkpoint above ${size}`, async () => {
    const note = await (await fetch(`${server!.url}/log/checkpoint`)).text();
    const parsed = parseSignedNote(note);
    const s = parseCheckpoint(parsed.text).size;
    return s > size && parsed.signatures.some((sig) => sig.name === WITNESS_NAME) ? { note, size: s } : undefined;
  });
}

function addCheckpoint(body: string): Promise<Response> {
  return fetch(`${witnessUrl}/add-checkpoint`, { method: 'POST', body });
}

beforeAll(async () => {
  valise = await cliRunner();
  witnessDir = await mkdtemp(join(tmpdir(), 'valise-witness-e2e-'));
  const init = JSON.parse((await valise(['--json', 'witness', 'init', '--data', witnessDir, '--name', WITNESS_NAME])).stdout);
  witnessVkeys = init.vkeys;
  expect(witnessVkeys).toHaveLength(2);

  let output = '';
  witness = spawn(process.execPath, [cliBin, '--json', 'witness', 'start', '--data', witnessDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  witness.stdout?.on('data', (d) => (output += d));
  witness.stderr?.on('data', (d) => (output += d));
  const started = await waitFor('the witness to print its URL', async () => {
    const line = output.split('\n').find((l) => l.startsWith('{'));
    return line ? (JSON.parse(line) as { url: string; vkeys: string[] }) : undefined;
  });
  witnessUrl = started.url;
  expect(started.vkeys).toEqual(witnessVkeys);
  expect(witnessUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

  server = await startDemoServer({ extraArgs: ['--witness', `${witnessUrl}=${witnessVkeys[0]}`] });
  // The witness pins the log's keys as served (GET /log/vkey); the running witness picks them up.
  const logVkeys = (await (await fetch(`${server.url}/log/vkey`)).text()).trim().split('\n');
  await valise(['witness', 'add-log', '--data', witnessDir, '--vkey', ...logVkeys]);

  const person = server.people.find((p) => !p.roles.includes('security-officer') && !p.roles.includes('admin'))!;
  member = await enrolClient(server.url, person.code, 'witnessed-laptop');
}, 120_000);

afterAll(async () => {
  member?.close();
  await server?.stop();
  if (witness && witness.exitCode === null) {
    const exited = new Promise((r) => witness!.once('exit', r));
    witness.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (witness.exitCode === null) witness.kill('SIGKILL');
  }
});

it('the log gets its checkpoints cosigned; auditors can require the witness; the witness refuses rollback and fork', async () => {
  await causeDenials(3);
  const first = await witnessedCheckpointAbove(0);
  await causeDenials(5);
  const second = await witnessedCheckpointAbove(first.size);

  // Auditors: one trusted witness required passes; two fail with a stable code.
  const ok = JSON.parse(
    (await valise(['--json', 'audit', 'verify', '--server', server!.url, '--witness', witnessVkeys[0]!, '--min-witnesses', '1'])).stdout,
  );
  expect(ok).toMatchObject({ verified: true, size: second.size });
  const both = await valise([
    '--json',
    'audit',
    'verify',
    '--server',
    server!.url,
    '--witness',
    witnessVkeys[0]!,
    '--witness',
    witnessVkeys[1]!,
  ]);
  expect(JSON.parse(both.stdout)).toMatchObject({ verified: true });
  const two = await valise(['--json', 'audit', 'verify', '--server', server!.url, '--witness', witnessVkeys[0]!, '--min-witnesses', '2'], {
    expectFailure: true,
  });
  expect(errorCode(two)).toBe('AUDIT_WITNESSES_INSUFFICIENT');

  // Rollback: the older, genuinely signed checkpoint is refused with the witness's size.
  // (the note carries the witness's own cosignature: from its view an unknown key, ignored)
  const rollback = await addCheckpoint(encodeAddCheckpointRequest(first.size, [], first.note));
  expect(rollback.status).toBe(409);
  expect(rollback.headers.get('content-type')).toBe('text/x.tlog.size');
  expect(await rollback.text()).toBe(`${second.size}\n`);

  // Fork: a checkpoint signed with the log's own keys but another root, at the witnessed size.
  const keys = JSON.parse(await readFile(join(server!.dataDir, 'log-keys.json'), 'utf8')) as { ed25519: string; mlDsa44: string };
  const origin = parseCheckpoint(parseSignedNote(second.note).text).origin;
  const signers = [
    await ed25519NoteSigner(nodeCryptoProvider, origin, new Uint8Array(Buffer.from(keys.ed25519, 'base64'))),
    await mlDsa44CosignatureSigner(nodeCryptoProvider, origin, new Uint8Array(Buffer.from(keys.mlDsa44, 'base64')), () => 0),
  ];
  const forked = await signCheckpoint({ origin, size: second.size, rootHash: new Uint8Array(32).fill(7), extensions: [] }, signers);
  const fork = await addCheckpoint(encodeAddCheckpointRequest(second.size, [], forked));
  expect(fork.status).toBe(422);
  // A fork at a larger size cannot come with a proof that verifies.
  const larger = await signCheckpoint({ origin, size: second.size + 10, rootHash: new Uint8Array(32).fill(8), extensions: [] }, signers);
  expect((await addCheckpoint(encodeAddCheckpointRequest(second.size, [new Uint8Array(32)], larger))).status).toBe(422);
  // The witness still stands where it was: the log's next real checkpoint is cosigned.
  await causeDenials(2);
  await witnessedCheckpointAbove(second.size);

  // SIGTERM through the CLI stops the witness cleanly and releases its folder.
  const exited = new Promise<number | null>((r) => witness!.once('exit', (code) => r(code)));
  witness!.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(existsSync(join(witnessDir, 'witness.lock'))).toBe(false);
}, 180_000);
