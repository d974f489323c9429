/**
 * The witness service over HTTP (c2sp.org/tlog-witness add-checkpoint): every status code the
 * spec assigns, cosignatures that verify under the witness's vkeys with the clock's timestamp,
 * signatures from unknown keys ignored, durable state across restarts, and no rollback when
 * submissions race.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cosignatureTimestamp,
  ed25519NoteSigner,
  encodeAddCheckpointRequest,
  formatSignatureLine,
  noteVerifierFromKey,
  parseCosignatureResponse,
  parseSignedNote,
  utf8,
} from '@valise/protocol';
import { nodeCryptoProvider } from '@valise/protocol/crypto-node';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWitnessApp } from './app.ts';
import { addWitnessLog, initWitnessFolder, loadWitnessIdentity, lockWitnessFolder, reloadingWitnessConfig } from './files.ts';
import type { WitnessKeys } from './service.ts';
import { fileWitnessStore, memoryWitnessStore, type WitnessStore } from './store.ts';
import { createTestLog, type TestLog } from './test-log.ts';

const crypto = nodeCryptoProvider;
const NOW = 1_760_000_000;
const KEYS: WitnessKeys = { ed25519Seed: new Uint8Array(32).fill(9), mlDsa44Seed: new Uint8Array(32).fill(10) };

let log: TestLog;
let app: FastifyInstance;
let vkeys: readonly string[];
let dir: string;

async function startWitness(store: WitnessStore): Promise<void> {
  const made = await createWitnessApp({
    name: 'witness.example/w1',
    signingKeys: KEYS,
    logs: [{ origin: log.origin, vkeys: log.vkeys }],
    store,
    crypto,
    clock: () => NOW,
  });
  app = made.app;
  vkeys = made.witness.vkeys;
}

function submit(body: string) {
  return app.inject({ method: 'POST', url: '/add-checkpoint', payload: body, headers: { 'content-type': 'text/plain' } });
}

async function add(oldSize: number, size: number, note?: string, proof?: Uint8Array[]) {
  return submit(encodeAddCheckpointRequest(oldSize, proof ?? log.proof(oldSize, size), note ?? (await log.checkpoint(size))));
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'valise-witness-'));
  log = await createTestLog(crypto);
  log.append(20);
  await startWitness(fileWitnessStore(dir));
});

afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('add-checkpoint', () => {
  it('200: cosigns with ML-DSA-44 and Ed25519 cosignatures stamped with the clock, then follows the log forward', async () => {
    const first = await add(0, 5);
    expect(first.statusCode).toBe(200);
    const sigs = parseCosignatureResponse(first.body);
    expect(sigs).toHaveLength(2);
    const note = await log.checkpoint(5);
    const text = utf8(parseSignedNote(note).text);
    for (const [i, vkey] of vkeys.entries()) {
      const v = noteVerifierFromKey(crypto, vkey);
      expect(sigs[i]).toMatchObject({ name: 'witness.example/w1', keyId: v.keyId });
      expect(await v.verify(text, sigs[i]!.signature)).toBe(true);
      expect(cosignatureTimestamp(sigs[i]!)).toBe(NOW);
    }
    // The response appended to the checkpoint is a valid signed note.
    expect(parseSignedNote(note + first.body).signatures).toHaveLength(4);
    expect((await add(5, 12)).statusCode).toBe(200);
    expect((await add(12, 12)).statusCode).toBe(200); // the same checkpoint again
    expect((await add(12, 20)).statusCode).toBe(200);
  });

  it('200: ignores signatures from unknown keys', async () => {
    const stranger = await ed25519NoteSigner(crypto, 'stranger.example/k', new Uint8Array(32).fill(77));
    const note = await log.checkpoint(5, undefined, [...log.signers, stranger]);
    expect((await add(0, 5, note)).statusCode).toBe(200);
  });

  it('404: unknown origin', async () => {
    const other = await createTestLog(crypto, 'other.example/valise-log', 3);
    other.append(2);
    const r = await submit(encodeAddCheckpointRequest(0, [], await other.checkpoint()));
    expect(r.statusCode).toBe(404);
  });

  it('403: no signature from a trusted key, or a trusted key whose signature fails', async () => {
    const forger = await createTestLog(crypto, log.origin, 5); // same origin, other keys
    forger.append(5);
    expect((await submit(encodeAddCheckpointRequest(0, [], await forger.checkpoint()))).statusCode).toBe(403);
    const good = await log.checkpoint(5);
    const parsed = parseSignedNote(good);
    const broken = parsed.signatures[0]!.signature.slice();
    broken[0]! ^= 1;
    const bad = `${parsed.text}\n${formatSignatureLine({ ...parsed.signatures[0]!, signature: broken })}${formatSignatureLine(parsed.signatures[1]!)}`;
    expect((await add(0, 5, bad)).statusCode).toBe(403);
  });

  it('400: malformed bodies and an old size above the checkpoint size', async () => {
    for (const body of ['', 'hello', 'old 01\n\n', `old 0\n${await log.checkpoint(5)}`]) expect((await submit(body)).statusCode).toBe(400);
    const r = await submit(encodeAddCheckpointRequest(6, [], await log.checkpoint(5)));
    expect(r.statusCode).toBe(400);
  });

  it('409: old size other than the latest cosigned, with the size as text/x.tlog.size', async () => {
    const r = await add(3, 5);
    expect(r.statusCode).toBe(409);
    expect(r.headers['content-type']).toBe('text/x.tlog.size');
    expect(r.body).toBe('0\n');
    expect((await add(0, 8)).statusCode).toBe(200);
    const again = await add(0, 10);
    expect(again.statusCode).toBe(409);
    expect(again.body).toBe('8\n');
  });

  it('422: non-empty size-0 root, proof with old size 0, bad proof, same size with another root', async () => {
    expect((await add(0, 0, await log.checkpoint(0, new Uint8Array(32).fill(1)))).statusCode).toBe(422);
    expect((await add(0, 0)).statusCode).toBe(200); // the empty tree itself is fine
    expect((await add(0, 5, undefined, log.proof(2, 5))).statusCode).toBe(422);
    expect((await add(0, 5)).statusCode).toBe(200);
    const proof = log.proof(5, 9);
    proof[0] = new Uint8Array(32);
    expect((await add(5, 9, undefined, proof)).statusCode).toBe(422);
    // A fork: a different tree of size 9 cannot be proven consistent with the real size 5.
    expect((await add(5, 9, await log.checkpoint(9, new Uint8Array(32).fill(2)))).statusCode).toBe(422);
    expect((await add(5, 5, await log.checkpoint(5, new Uint8Array(32).fill(3)))).statusCode).toBe(422);
    // None of the refusals moved the record.
    expect((await add(5, 9)).statusCode).toBe(200);
  });

  it('keeps its record across a restart (file store) and reloads witness.json', async () => {
    expect((await add(0, 7)).statusCode).toBe(200);
    await app.close();
    await startWitness(fileWitnessStore(dir));
    const r = await add(0, 9);
    expect([r.statusCode, r.body]).toEqual([409, '7\n']);
  });
});

describe('concurrent submissions', () => {
  it('two racing submissions from the same old size: one is cosigned, the other gets 409, never a rollback', async () => {
    await app.close();
    // A slow store widens the window between the check and the write.
    const inner = memoryWitnessStore();
    const sizes: number[] = [];
    await startWitness({
      get: inner.get,
      put: async (origin, state) => {
        await new Promise((r) => setTimeout(r, 30));
        sizes.push(state.size);
        await inner.put(origin, state);
      },
    });
    for (let round = 0; round < 5; round++) {
      const base = (await inner.get(log.origin))?.size ?? 0;
      const [a, b] = await Promise.all([add(base, base + 3), add(base, base + 1)]);
      expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
      const winner = a.statusCode === 200 ? base + 3 : base + 1;
      expect((await inner.get(log.origin))?.size).toBe(winner);
    }
    // Every write moved forward.
    expect(sizes).toEqual([...sizes].sort((x, y) => x - y));
  });
});

describe('witness folder', () => {
  it('init, add-log and a running witness that picks up a new log without a restart', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'valise-witness-folder-'));
    try {
      initWitnessFolder(folder, 'w.example/w', crypto.randomBytes);
      expect(() => initWitnessFolder(folder, 'w.example/w', crypto.randomBytes)).toThrow(/already holds a witness/);
      const identity = loadWitnessIdentity(folder);
      const logs = reloadingWitnessConfig(folder, () => undefined);
      expect(logs()).toEqual([]);
      const added = addWitnessLog(folder, log.vkeys);
      expect(added.origin).toBe(log.origin);
      expect(logs().map((l) => l.origin)).toEqual([log.origin]);
      expect(identity.name).toBe('w.example/w');
      expect(() => addWitnessLog(folder, ['not-a-key'])).toThrow(/not a verifier key/);
      // One witness process per folder: a live holder refuses a second, a stale lock is replaced.
      writeFileSync(join(folder, 'witness.lock'), `${process.ppid}\n`);
      expect(() => lockWitnessFolder(folder)).toThrow(/already runs/);
      writeFileSync(join(folder, 'witness.lock'), '4194000\n');
      const unlock = lockWitnessFolder(folder);
      expect(readFileSync(join(folder, 'witness.lock'), 'utf8')).toBe(`${process.pid}\n`);
      unlock();
      expect(existsSync(join(folder, 'witness.lock'))).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
