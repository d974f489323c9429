/**
 * The log asking witnesses (c2sp.org/tlog-witness, client side) on SQLite and PostgreSQL: the
 * served checkpoint carries the witness's verified cosignature, later checkpoints go with a
 * consistency proof, a 409 is followed by one retry from the witness's size, unknown witness keys
 * are ignored, and a witness that is down never blocks appends or checkpoints.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeVerifierKey, NOTE_SIGNATURE_TYPE, noteVerifierFromKey, openNote, parseCheckpoint, parseSignedNote } from '@valise/protocol';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../app.ts';
import { recordSecurityEvent } from '../policy/security-events.ts';
import { DIALECTS } from '../testing/databases.ts';
import type { TestServer } from '../testing/http.ts';
import { call } from '../testing/http.ts';
import { createWorld, crypto, ORG } from '../testing/world.ts';
import { createWitnessApp } from '../witness/app.ts';
import { fileWitnessStore } from '../witness/store.ts';
import { generateLogKeys } from './keys.ts';
import { logOrigin } from './service.ts';
import { loadWitnessEndpoints, WitnessConfigError } from './witness-config.ts';
import { WitnessSubmitter } from './witness-submitter.ts';

const W1 = 'http://w1.invalid';
const W2 = 'http://w2.invalid';

describe.each(DIALECTS)('witness submissions on %s', (dialect) => {
  let server: TestServer;
  let witnessApp: FastifyInstance;
  let witnessVkeys: readonly string[];
  let dir: string;
  const warnings: string[] = [];
  const requests: string[] = [];

  // W1 is the in-process witness; W2 is down.
  const witnessFetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    if (url.origin === W2) throw new TypeError('fetch failed: connection refused');
    requests.push(String(init?.body).split('\n')[0]!);
    const r = await witnessApp.inject({
      method: 'POST',
      url: url.pathname,
      payload: String(init?.body),
      headers: { 'content-type': 'text/plain' },
    });
    return new Response(r.body, { status: r.statusCode, headers: { 'content-type': String(r.headers['content-type']) } });
  };
  const record = (n: number) =>
    recordSecurityEvent(server.world.tdb.db, server.world.ctx, {
      type: 'export',
      actor: { person: `p${n}@x`, device: null },
      target: `conversation:${n}`,
      code: null,
      details: { n },
    });
  const served = async () => (await call(server.app, 'GET', '/log/checkpoint')).body;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'valise-witness-sub-'));
    // The witness pins the log's keys, so the log's keys are made first and given to the server.
    const logKeys = generateLogKeys(crypto.randomBytes);
    const origin = logOrigin(ORG.domain);
    const logVkeys = [
      encodeVerifierKey(origin, NOTE_SIGNATURE_TYPE.ed25519, (await crypto.ed25519.generateKeyPair(logKeys.ed25519Seed)).publicKey),
      encodeVerifierKey(
        origin,
        NOTE_SIGNATURE_TYPE.mlDsa44Cosignature,
        (await crypto.mlDsa44.generateKeyPair(logKeys.mlDsa44Seed)).publicKey,
      ),
    ];
    const made = await createWitnessApp({
      name: 'witness.test/w1',
      signingKeys: { ed25519Seed: new Uint8Array(32).fill(4), mlDsa44Seed: new Uint8Array(32).fill(5) },
      logs: [{ origin, vkeys: logVkeys }],
      store: fileWitnessStore(dir),
      crypto,
      clock: () => 1_760_000_000,
    });
    witnessApp = made.app;
    witnessVkeys = made.witness.vkeys;
    const world = await createWorld(dialect);
    const app = await buildServer({
      db: world.tdb.db,
      dialect,
      clock: world.clock.now,
      crypto,
      logger: pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) }),
      organisation: world.ctx.organisation,
      labelPolicy: world.ctx.labelPolicy,
      bus: world.bus,
      logKeys,
      // Only W1's ML-DSA-44 key is trusted: its Ed25519 cosignature must be ignored.
      witnesses: [
        { url: W1, vkeys: [witnessVkeys[0]!] },
        { url: W2, vkeys: [witnessVkeys[0]!] },
      ],
      witnessFetch,
    });
    server = {
      world,
      app,
      close: async () => {
        await app.close();
        await world.close();
      },
    };
  });

  afterAll(async () => {
    await server?.close();
    await witnessApp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the checkpoint with the witness cosignature and follows the log forward', async () => {
    for (let i = 0; i < 5; i++) await record(i);
    await server.app.auditLog.checkpoint();
    await server.app.witnessSubmitter.cosignLatest();
    const note = await served();
    const signatures = parseSignedNote(note).signatures;
    expect(signatures.map((s) => s.name)).toEqual([
      'mfa.testland.example/valise-log',
      'mfa.testland.example/valise-log',
      'witness.test/w1',
    ]);
    const opened = await openNote(note, [noteVerifierFromKey(crypto, witnessVkeys[0]!)]);
    expect(opened.verified).toHaveLength(1);
    expect(parseCheckpoint(opened.text).size).toBe(5);
    expect(requests).toEqual(['old 0']);

    for (let i = 5; i < 12; i++) await record(i);
    await server.app.auditLog.checkpoint();
    await server.app.witnessSubmitter.cosignLatest();
    expect(parseCheckpoint(parseSignedNote(await served()).text).size).toBe(12);
    expect(parseSignedNote(await served()).signatures.at(-1)!.name).toBe('witness.test/w1');
    expect(requests).toEqual(['old 0', 'old 5']);
    // A newer checkpoint not yet through its witness round is not served: the cosigned one is.
    await record(12);
    await server.app.auditLog.checkpoint();
    expect(parseCheckpoint(parseSignedNote(await served()).text).size).toBe(12);
    await server.app.witnessSubmitter.cosignLatest();
    expect(parseCheckpoint(parseSignedNote(await served()).text).size).toBe(13);
    expect(requests).toEqual(['old 0', 'old 5', 'old 12']);
    // Nothing new: no request.
    await server.app.witnessSubmitter.cosignLatest();
    expect(requests).toHaveLength(3);
    // W2 being down was logged, and blocked nothing.
    expect(warnings.some((w) => w.includes('w2.invalid'))).toBe(true);
  });

  it('on 409 retries once from the size the witness returns', async () => {
    for (let i = 13; i < 20; i++) await record(i);
    await server.app.auditLog.checkpoint();
    // A submitter that lost its memory (old size 0) against a witness at 13.
    const fresh = new WitnessSubmitter({
      db: server.world.tdb.db,
      log: server.app.auditLog,
      crypto,
      clock: () => new Date(),
      witnesses: [{ url: W1, vkeys: witnessVkeys }],
      logger: { info: () => undefined, warn: (o: unknown) => warnings.push(JSON.stringify(o)), error: () => undefined } as never,
      fetch: witnessFetch,
    });
    await server.app.witnessSubmitter.close();
    requests.length = 0;
    await server.world.tdb.db.deleteFrom('log_witness_cosignatures').execute();
    await fresh.cosignLatest();
    expect(requests).toEqual(['old 0', 'old 13']);
    // Both witness keys are trusted by this submitter: both cosignatures are kept.
    const lines = (await fresh.cosignatureLines(20)).trim().split('\n');
    expect(lines.filter((l) => l.startsWith('— witness.test/w1 '))).toHaveLength(2);
  });
});

describe('witness configuration', () => {
  it('reads witnesses.json and --witness flags, merged by URL, and refuses non-cosignature keys', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'valise-witness-cfg-'));
    try {
      const made = await createWitnessApp({
        name: 'w.test/w',
        signingKeys: { ed25519Seed: new Uint8Array(32).fill(1), mlDsa44Seed: new Uint8Array(32).fill(2) },
        logs: [],
        store: fileWitnessStore(folder),
        crypto,
        clock: () => 1,
      });
      const [ml, ed] = made.witness.vkeys as [string, string];
      await made.app.close();
      writeFileSync(join(folder, 'witnesses.json'), JSON.stringify([{ url: 'http://127.0.0.1:9/', vkey: ml }]));
      expect(loadWitnessEndpoints(folder, [`http://127.0.0.1:9=${ed}`])).toEqual([{ url: 'http://127.0.0.1:9', vkeys: [ml, ed] }]);
      expect(() => loadWitnessEndpoints(folder, ['http://x.example'])).toThrow(WitnessConfigError);
      expect(() => loadWitnessEndpoints(folder, ['ftp://x.example=k'])).toThrow(WitnessConfigError);
      const logVkey = 'log.example/l+00000000+AQ==';
      expect(() => loadWitnessEndpoints(folder, [`http://x.example=${logVkey}`])).toThrow(WitnessConfigError);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
