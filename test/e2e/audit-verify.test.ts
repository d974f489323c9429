/**
 * `valise audit verify` against the real server, as an outside auditor: refused requests put
 * security events in the log; the CLI recomputes the tree from the public tiles, remembers the
 * checkpoint and the keys, and refuses a forked history or a changed key.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { ValiseClient } from '@valise/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliRunner, errorCode } from '../helpers/cli.ts';
import { enrolClient } from '../helpers/clients.ts';
import { type RunningServer, startDemoServer, waitFor } from '../helpers/server.ts';

let server: RunningServer;
let member: ValiseClient;
let stateFile: string;
let valise: Awaited<ReturnType<typeof cliRunner>>;

async function checkpointSize(): Promise<number> {
  const res = await fetch(`${server.url}/log/checkpoint`);
  if (!res.ok) return 0;
  return Number((await res.text()).split('\n')[1]);
}

/** A refused request (a member who is no security officer lists approvals) records an event. */
async function causeDenials(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await expect(member.approvals()).rejects.toThrow();
}

async function waitForCheckpointAbove(size: number): Promise<number> {
  return waitFor(`a checkpoint above ${size}`, async () => {
    const s = await checkpointSize();
    return s > size ? s : undefined;
  });
}

beforeAll(async () => {
  server = await startDemoServer();
  const person = server.people.find((p) => !p.roles.includes('security-officer') && !p.roles.includes('admin'))!;
  member = await enrolClient(server.url, person.code, 'auditee-laptop');
  valise = await cliRunner();
}, 120_000);

afterAll(async () => {
  member?.close();
  await server?.stop();
});

it('verifies the log from its tiles, then refuses a fork and a changed key', async () => {
  await causeDenials(3);
  const first = await waitForCheckpointAbove(0);

  const r1 = await valise(['audit', 'verify', '--server', server.url, '--json']);
  const v1 = JSON.parse(r1.stdout);
  expect(v1).toMatchObject({ verified: true, consistentWithPrevious: null, keysPinnedNow: true });
  expect(v1.size).toBeGreaterThanOrEqual(first);
  expect(v1.origin).toMatch(/\/valise-log$/);
  stateFile = v1.stateFile;

  await causeDenials(300); // past one full tile of 256 entries
  await waitForCheckpointAbove(v1.size + 299);
  const v2 = JSON.parse((await valise(['audit', 'verify', '--server', server.url, '--json'])).stdout);
  expect(v2).toMatchObject({ verified: true, consistentWithPrevious: true, keysPinnedNow: false });
  expect(v2.size).toBeGreaterThan(v1.size);
  expect(v2.tilesChecked).toBeGreaterThan(1);

  // A remembered root the server never signed: the new checkpoint cannot extend it.
  const saved = JSON.parse(await readFile(stateFile, 'utf8'));
  const forged = { ...saved, last: { ...saved.last, root: Buffer.alloc(32, 7).toString('base64') } };
  await writeFile(stateFile, JSON.stringify(forged));
  expect(errorCode(await valise(['audit', 'verify', '--server', server.url, '--json'], { expectFailure: true }))).toBe('AUDIT_FORK');

  // A remembered checkpoint larger than the log: rollback.
  await writeFile(stateFile, JSON.stringify({ ...saved, last: { ...saved.last, size: saved.last.size + 1_000_000 } }));
  expect(errorCode(await valise(['audit', 'verify', '--server', server.url, '--json'], { expectFailure: true }))).toBe('AUDIT_ROLLBACK');

  // A different pinned key: the server's key is not the one trusted.
  const otherKey = saved.keys.vkey.replace(/^[^+]+/, 'other.example/valise-log');
  await writeFile(stateFile, JSON.stringify({ ...saved, keys: { ...saved.keys, vkey: otherKey } }));
  expect(errorCode(await valise(['audit', 'verify', '--server', server.url, '--json'], { expectFailure: true }))).toBe('AUDIT_KEY_CHANGED');

  // The true state verifies again.
  await writeFile(stateFile, JSON.stringify(saved));
  const v3 = JSON.parse((await valise(['audit', 'verify', '--server', server.url, '--json'])).stdout);
  expect(v3).toMatchObject({ verified: true, consistentWithPrevious: true });
}, 180_000);
