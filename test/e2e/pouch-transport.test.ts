/**
 * The diplomatic pouch through the server, end to end with the real `valise` command against the
 * real server code (in-process, on a clock the test moves, SQLite in a temp folder, loopback
 * HTTP): alice seals a pouch to the Sylvania embassy and sends it — the upload is interrupted
 * through the SDK and the CLI continues it; grace, a courier, takes it with a signed receipt; bob
 * receives it (resuming a partial download), signs for it, opens it with the whole chain of
 * custody verified; sender and consignee track its hops; the hand-overs are in the audit log; and
 * a pouch nobody takes in time is reported missing to the security officers of both units.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_LABEL_POLICY, hasCode } from '@valise/protocol';
import { nodeCryptoProvider } from '@valise/protocol/crypto-node';
import { openProfile, pouchUploadSource } from '@valise/sdk/node';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer } from '../../apps/server/src/app.ts';
import { type OpenDatabase, openDatabase } from '../../apps/server/src/db/database.ts';
import { DEMO_ORGANISATION, type DemoPerson, seedDemo } from '../../apps/server/src/demo/seed.ts';
import { insertOrganisation } from '../../apps/server/src/identity/store.ts';
import { listSecurityEvents } from '../../apps/server/src/policy/security-events.ts';
import { type CliResult, errorCode } from '../helpers/cli.ts';
import { cliBin } from '../helpers/server.ts';

const exec = promisify(execFile);
const HOUR = 3_600_000;
const PASSPHRASE = 'correct horse battery staple';
const handle = (local: string) => `${local}@${DEMO_ORGANISATION.domain}`;
const EMBASSY = handle('embassy-sylvania');

/** The server's clock: real time plus what the test adds. */
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);

let work: string;
let home: string;
let data: OpenDatabase;
let app: FastifyInstance;
let url: string;
let people: DemoPerson[];
const deviceOf: Record<string, string> = {};
const big = randomBytes(3 * 1024 * 1024 + 4321);

async function valise(args: string[], options: { expectFailure?: boolean } = {}): Promise<CliResult> {
  try {
    const r = await exec(process.execPath, [cliBin, ...args], {
      env: { ...process.env, VALISE_HOME: home, VALISE_PASSPHRASE: PASSPHRASE },
      timeout: 120_000,
    });
    if (options.expectFailure) throw new Error(`expected valise ${args.join(' ')} to fail, got: ${r.stdout}`);
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    if (!options.expectFailure) throw new Error(`valise ${args.join(' ')} failed (${e.code}): ${e.stderr}`);
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}
const json = async (args: string[]) => JSON.parse((await valise([...args, '--json'])).stdout);
const as = (who: string, ...args: string[]) => json(['--profile', who, 'pouch', ...args]);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'valise-pouch-transport-'));
  home = join(work, 'home');
  data = await openDatabase({ kind: 'sqlite', file: join(work, 'valise.db') });
  await insertOrganisation(data.db, DEMO_ORGANISATION, clock());
  app = await buildServer({
    db: data.db,
    dialect: data.dialect,
    clock,
    crypto: nodeCryptoProvider,
    logger: pino({ level: 'silent' }),
    organisation: DEMO_ORGANISATION,
    labelPolicy: DEFAULT_LABEL_POLICY,
    pouchDir: join(work, 'pouches'),
  });
  people = await seedDemo(app.services);
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  for (const local of ['alice', 'grace', 'bob', 'heidi', 'frank']) {
    const person = people.find((p) => p.handle === handle(local));
    if (!person) throw new Error(`no demo person ${local}`);
    deviceOf[local] = (await json(['--profile', local, 'login', '--server', url, '--code', person.code])).deviceId;
  }
  await writeFile(join(work, 'annex.bin'), big);
}, 180_000);

afterAll(async () => {
  await app?.close();
  await data?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

let pouchId: string;
const sealed = () => join(work, 'dispatch.pouch');

it('sends a pouch: an interrupted upload resumes where the server is', async () => {
  const seal = await as('alice', 'seal', join(work, 'annex.bin'), '--to', EMBASSY, '--label', 'SECRET', '-o', sealed());
  pouchId = seal.pouchId;

  // Part of the upload through the SDK with alice's profile, cut off after the first chunk.
  const alice = await openProfile({ home, name: 'alice', passphrase: async () => PASSPHRASE });
  const source = await pouchUploadSource(sealed());
  const stop = new AbortController();
  try {
    await expect(
      alice.pouch.transport.send(source, {
        chunkBytes: 1024 * 1024,
        signal: stop.signal,
        onProgress: (p) => {
          if (p.bytes > 0) stop.abort();
        },
      }),
    ).rejects.toSatisfy((e: unknown) => hasCode(e, 'CANCELLED'));
    const partial = await alice.pouch.transport.status(pouchId);
    expect(partial.status).toBe('uploading');
    expect(partial.received).toBe(1024 * 1024);
  } finally {
    await source.close();
    alice.close();
  }

  const sent = await as('alice', 'send', sealed(), '--expected-hours', '48');
  expect(sent).toMatchObject({
    resumedAt: 1024 * 1024,
    pouch: { id: pouchId, status: 'available', consigneeUnit: EMBASSY, holder: handle('alice') },
  });
  // Sending again is harmless: the server has it all.
  expect((await as('alice', 'send', sealed())).uploaded).toBe(0);
  expect((await as('bob', 'inbox')).pouches.map((p: { id: string }) => p.id)).toContain(pouchId);
}, 180_000);

it('a courier takes the pouch with a signed receipt; the consignee receives, signs for it and opens it with the chain verified', async () => {
  // Grace carries a copy of the file; she verifies it and signs for it.
  const carried = join(work, 'carried.pouch');
  await copyFile(sealed(), carried);
  const wrong = await valise(
    ['--profile', 'grace', 'pouch', 'handover', carried, '--place', 'Freedonia City', '--from', handle('bob'), '--json'],
    {
      expectFailure: true,
    },
  );
  expect(errorCode(wrong)).toBe('POUCH_HANDOVER_FROM_MISMATCH');
  const taken = await as('grace', 'handover', carried, '--place', 'Freedonia City airport', '--from', handle('alice'));
  expect(taken).toMatchObject({ sequence: 1, place: 'Freedonia City airport', reported: { pouch: { holder: handle('grace'), hops: 1 } } });

  // Bob had started a download before: it resumes from the partial file.
  const received = join(work, 'bob.pouch');
  await writeFile(`${received}.partial`, (await readFile(sealed())).subarray(0, 100_000));
  const got = await as('bob', 'receive', pouchId, '-o', received);
  expect(got).toMatchObject({ resumedAt: 100_000, verification: { receipts: 1, senderChecked: true } });
  expect(got.verification.custody.map((h: { taker: { handle: string } }) => h.taker.handle)).toEqual([handle('grace')]);

  // Not signed for yet: the chain ends with the courier, not at the embassy.
  const early = await valise(['--profile', 'bob', 'pouch', 'open', received, '-o', join(work, 'early'), '--json'], { expectFailure: true });
  expect(errorCode(early)).toBe('POUCH_CHAIN_INCOMPLETE');

  const signed = await as('bob', 'handover', received, '--place', 'Embassy of Freedonia, Sylvania', '--from', handle('grace'));
  expect(signed).toMatchObject({ sequence: 2, reported: { pouch: { status: 'received', holder: handle('bob'), expectedBy: null } } });

  const out = join(work, 'opened');
  const opened = await as('bob', 'open', received, '-o', out);
  expect(
    opened.custody.map((h: { sequence: number; taker: { handle: string }; place: string }) => [h.sequence, h.taker.handle, h.place]),
  ).toEqual([
    [1, handle('grace'), 'Freedonia City airport'],
    [2, handle('bob'), 'Embassy of Freedonia, Sylvania'],
  ]);
  expect(Buffer.compare(await readFile(join(out, 'annex.bin')), big)).toBe(0);
}, 180_000);

it('tracks the hops for sender and consignee, and the hand-overs are in the audit log', async () => {
  for (const who of ['alice', 'bob']) {
    const t = await as(who, 'track', pouchId);
    expect(t).toMatchObject({ missing: false, pouch: { status: 'received', holder: handle('bob'), hops: 2 } });
    expect(t.hops.map((h: { taker: { handle: string } }) => h.taker.handle)).toEqual([handle('grace'), handle('bob')]);
  }
  const human = (await valise(['--profile', 'alice', 'pouch', 'track', pouchId])).stdout;
  expect(human).toContain('took it from');
  expect(human).toContain('Freedonia City airport');

  const events = (await listSecurityEvents(data.db, { type: 'custody-handover' })).events.filter((e) => e.target === `pouch:${pouchId}`);
  expect(events.map((e) => [e.details.sequence, e.details.taker, e.details.place])).toEqual([
    [1, handle('grace'), 'Freedonia City airport'],
    [2, handle('bob'), 'Embassy of Freedonia, Sylvania'],
  ]);
}, 120_000);

it('reports a pouch nobody takes in time as missing to the security officers of both units', async () => {
  const late = join(work, 'late.pouch');
  await writeFile(join(work, 'note.txt'), 'for the ambassador');
  const seal = await as('alice', 'seal', join(work, 'note.txt'), '--to', EMBASSY, '--label', 'SECRET', '-o', late);
  await as('alice', 'send', late, '--expected-hours', '1');
  offsetMs += 2 * HOUR;
  expect(await app.services.custody.sweepMissing()).toEqual([seal.pouchId]);
  expect(await app.services.custody.sweepMissing()).toEqual([]);

  for (const officer of ['heidi', 'frank']) {
    const missing = await as(officer, 'inbox', '--missing');
    expect(missing.pouches.map((p: { id: string }) => p.id)).toEqual([seal.pouchId]);
  }
  const alerts = (await listSecurityEvents(data.db, { type: 'alert' })).events.filter((e) => e.target === `pouch:${seal.pouchId}`);
  expect(alerts).toHaveLength(1);
  expect(alerts[0]?.details).toMatchObject({
    senderUnit: handle('hq'),
    consigneeUnit: EMBASSY,
    officers: [handle('frank'), handle('heidi')],
  });
  expect((await as('alice', 'track', seal.pouchId)).missing).toBe(true);
}, 120_000);
