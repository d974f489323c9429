/**
 * The audit log end to end over HTTP (Fastify inject, SQLite and PostgreSQL): dense appends that
 * survive a reopen, checkpoints that open under /log/vkey (Ed25519 and the ML-DSA-44
 * cosignature), tiles that recompute the checkpoint's root, inclusion and consistency proofs, and
 * commitments that match the events table.
 */
import {
  auditTiles,
  entriesPath,
  fromStdBase64,
  hashReaderFromLeafHashes,
  leafHash,
  noteVerifierFromKey,
  openCheckpoint,
  rootFromLeafHashes,
  rootFromReader,
  tilePath,
  verifyConsistency,
  verifyInclusion,
} from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { bytesOf } from '../db/transactions.ts';
import { recordSecurityEvent } from '../policy/security-events.ts';
import { DIALECTS } from '../testing/databases.ts';
import { call, createTestServer, type TestServer } from '../testing/http.ts';
import { crypto } from '../testing/world.ts';
import { canonicalJson, eventCommitment } from './canonical.ts';
import { appendEntries, storedHashReader } from './store.ts';
import { verifyStore } from './verify-full.ts';

describe('canonical JSON', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null, 'é'], c: 'x' } })).toBe('{"a":{"c":"x","d":[true,null,"é"]},"b":1}');
  });
});

describe.each(DIALECTS)('audit log on %s', (dialect) => {
  let server: TestServer;
  const db = () => server.world.tdb.db;
  const get = (url: string) => call(server.app, 'GET', url);
  const record = (n: number) =>
    recordSecurityEvent(db(), server.world.ctx, {
      type: 'export',
      actor: { person: `p${n}@x`, device: null },
      target: `conversation:${n}`,
      code: null,
      details: { n, nested: { z: 1, a: [n] } },
    });
  const verifiers = async () => {
    const vkeys = (await get('/log/vkey')).body.trim().split('\n');
    expect(vkeys).toHaveLength(2);
    return vkeys.map((k) => noteVerifierFromKey(crypto, k));
  };
  const checkpointNow = async () => {
    await server.app.auditLog.checkpoint();
    const res = await get('/log/checkpoint');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    return res.body;
  };
  const fetchTile = async (level: number, index: number, width: number) => {
    const res = await get(`/log/${tilePath(level, index, width)}`);
    expect(res.statusCode, `${level}/${index}/${width}`).toBe(200);
    return new Uint8Array(res.rawPayload);
  };

  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(async () => server?.close());

  it('appends densely, checkpoints open under /log/vkey, tiles and proofs verify', async () => {
    const base = Number((await db().selectFrom('log_state').select('size').executeTakeFirstOrThrow()).size);
    for (let i = 0; i < 300; i++) await record(i);
    const idx = (await db().selectFrom('log_entries').select('idx').orderBy('idx').execute()).map((r) => Number(r.idx));
    expect(idx).toEqual(Array.from({ length: base + 300 }, (_, i) => i));

    const vs = await verifiers();
    const first = await openCheckpoint(await checkpointNow(), vs);
    expect(first.checkpoint.origin).toBe('mfa.testland.example/valise-log');
    expect(first.checkpoint.size).toBe(base + 300);
    expect(first.note.verified).toHaveLength(2);
    await auditTiles(first.checkpoint.size, first.checkpoint.rootHash, fetchTile);

    // Entry bundles carry the commitments; full tiles are cacheable, partial ones are not.
    const full = await get(`/log/${tilePath(0, 0)}`);
    expect(full.headers['content-type']).toBe('application/octet-stream');
    expect(full.headers['cache-control']).toContain('immutable');
    const partialWidth = first.checkpoint.size % 256;
    const partial = await get(`/log/${entriesPath(1, partialWidth)}`);
    expect(partial.statusCode).toBe(200);
    expect(partial.headers['cache-control']).toBe('no-store');
    expect((await get(`/log/${tilePath(0, 1)}`)).statusCode).toBe(404);
    expect((await get(`/log/${tilePath(0, 1, partialWidth + 1)}`)).statusCode).toBe(404);
    expect((await get('/log/tile/0/1.p/0')).statusCode).toBe(404);

    for (let i = 0; i < 50; i++) await record(1000 + i);
    const second = await openCheckpoint(await checkpointNow(), vs);
    expect(second.checkpoint.size).toBe(first.checkpoint.size + 50);
    await auditTiles(second.checkpoint.size, second.checkpoint.rootHash, fetchTile);

    const leaves = (await db().selectFrom('log_entries').select('leaf').orderBy('idx').execute()).map((r) => bytesOf(r.leaf));
    for (let k = 0; k < 20; k++) {
      const index = Math.floor(Math.random() * second.checkpoint.size);
      const res = await get(`/log/proof/inclusion?index=${index}&size=${second.checkpoint.size}`);
      expect(res.statusCode).toBe(200);
      const proof = (res.json() as { hashes: string[] }).hashes.map((h) => fromStdBase64(h, 'X'));
      expect(verifyInclusion(leafHash(leaves[index] as Uint8Array), index, second.checkpoint.size, proof, second.checkpoint.rootHash)).toBe(
        true,
      );
    }
    const cons = await get(`/log/proof/consistency?from=${first.checkpoint.size}&to=${second.checkpoint.size}`);
    expect(cons.statusCode).toBe(200);
    const cproof = (cons.json() as { hashes: string[] }).hashes.map((h) => fromStdBase64(h, 'X'));
    expect(
      verifyConsistency(first.checkpoint.size, second.checkpoint.size, cproof, first.checkpoint.rootHash, second.checkpoint.rootHash),
    ).toBe(true);
    expect((await get(`/log/proof/inclusion?index=0&size=${second.checkpoint.size + 1}`)).statusCode).toBe(404);
    expect((await get('/log/proof/inclusion?index=x&size=1')).statusCode).toBe(400);
  });

  it('concurrent appends stay dense, and a rolled-back event leaves no entry', async () => {
    const size = async () => Number((await db().selectFrom('log_state').select('size').executeTakeFirstOrThrow()).size);
    const before = await size();
    await Promise.all(Array.from({ length: 25 }, (_, i) => record(5000 + i)));
    await expect(
      db()
        .transaction()
        .execute(async (tx) => {
          await recordSecurityEvent(tx, server.world.ctx, {
            type: 'export',
            actor: { person: null, device: null },
            target: null,
            code: null,
            details: {},
          });
          throw new Error('roll back');
        }),
    ).rejects.toThrow('roll back');
    await record(6000);
    expect(await size()).toBe(before + 26);
    const idx = (await db().selectFrom('log_entries').select('idx').orderBy('idx').execute()).map((r) => Number(r.idx));
    expect(idx).toEqual(Array.from({ length: before + 26 }, (_, i) => i));
    const hashes = Number(
      (
        await db()
          .selectFrom('log_hashes')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('level', '=', 0)
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(hashes).toBe(before + 26);
  });

  it('each leaf is SHA-256(salt || canonical event) of the events table, and tampering is located', async () => {
    const rows = await db().selectFrom('log_events').innerJoin('log_entries', 'log_entries.idx', 'log_events.idx').selectAll().execute();
    const events = await db().selectFrom('security_events').selectAll().execute();
    for (const r of rows.slice(0, 50)) {
      const ev = events.find((e) => e.id === r.event_id);
      expect(ev).toBeDefined();
      if (!ev) continue;
      const canonical = canonicalJson({
        id: ev.id,
        at: new Date(ev.at).toISOString(),
        type: ev.type,
        actor: { person: ev.actor_person, device: ev.actor_device },
        target: ev.target,
        code: ev.code,
        details: JSON.parse(ev.details),
      });
      expect(canonical).toBe(r.event);
      expect(Buffer.from(eventCommitment(bytesOf(r.salt), canonical))).toEqual(Buffer.from(r.leaf));
    }
    expect((await verifyStore(db())).ok).toBe(true);
    // Change one event's details: the check names its index.
    const victim = rows[7];
    if (!victim) throw new Error('no rows');
    const original = events.find((e) => e.id === victim.event_id);
    if (!original) throw new Error('no event');
    await db().updateTable('security_events').set({ details: '{"n":-1}' }).where('id', '=', victim.event_id).execute();
    expect((await verifyStore(db())).problems[0]?.index).toBe(Number(victim.idx));
    await db().updateTable('security_events').set({ details: original.details }).where('id', '=', victim.event_id).execute();
    // Change one leaf: the same.
    const other = rows[11];
    if (!other) throw new Error('no rows');
    await db()
      .updateTable('log_entries')
      .set({ leaf: new Uint8Array(32) })
      .where('idx', '=', other.idx)
      .execute();
    expect((await verifyStore(db())).problems[0]?.index).toBe(Number(other.idx));
    await db().updateTable('log_entries').set({ leaf: other.leaf }).where('idx', '=', other.idx).execute();
    expect((await verifyStore(db())).ok).toBe(true);
  });
});

describe('audit log durability', () => {
  it('appended entries survive closing and reopening the SQLite file', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'valise-log-'));
    try {
      const file = join(dir, 'valise.db');
      let opened = await openDatabase({ kind: 'sqlite', file });
      const ctx = { clock: () => new Date(), crypto };
      for (let i = 0; i < 5; i++) {
        await recordSecurityEvent(opened.db, ctx, {
          type: 'export',
          actor: { person: null, device: null },
          target: null,
          code: null,
          details: { i },
        });
      }
      await opened.close();
      opened = await openDatabase({ kind: 'sqlite', file });
      await recordSecurityEvent(opened.db, ctx, {
        type: 'export',
        actor: { person: null, device: null },
        target: null,
        code: null,
        details: { i: 5 },
      });
      const idx = (await opened.db.selectFrom('log_entries').select('idx').orderBy('idx').execute()).map((r) => Number(r.idx));
      expect(idx).toEqual([0, 1, 2, 3, 4, 5]);
      expect((await verifyStore(opened.db)).ok).toBe(true);
      await opened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('group commit', () => {
  it('commits concurrent writes together, and one failing write fails alone', async () => {
    const { inBatchedTransaction } = await import('./appender.ts');
    const { openTestDatabase } = await import('../testing/databases.ts');
    const tdb = await openTestDatabase('sqlite');
    try {
      const ctx = { clock: () => new Date(), crypto };
      const ok = (i: number) =>
        recordSecurityEvent(tdb.db, ctx, {
          type: 'export',
          actor: { person: null, device: null },
          target: null,
          code: null,
          details: { i },
        });
      const bad = inBatchedTransaction(tdb.db, async (tx) => {
        await tx.insertInto('log_state').values({ id: 1, size: 0 }).execute(); // duplicate key
      });
      const results = await Promise.allSettled([ok(0), ok(1), bad, ok(2), ok(3)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      const idx = (await tdb.db.selectFrom('log_entries').select('idx').orderBy('idx').execute()).map((r) => Number(r.idx));
      expect(idx).toEqual([0, 1, 2, 3]);
      expect((await verifyStore(tdb.db)).ok).toBe(true);
    } finally {
      await tdb.close();
    }
  });
});

describe.each(DIALECTS)('batched appends on %s', (dialect) => {
  let server: TestServer;
  const db = () => server.world.tdb.db;
  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(async () => {
    await server.close();
  });

  it('batches of any size (crossing tile and subtree boundaries) give the same tree as one leaf at a time', async () => {
    const start = Number((await db().selectFrom('log_state').select('size').executeTakeFirstOrThrow()).size);
    const leafOf = (n: number) => new Uint8Array(32).fill(n % 251);
    let n = 0;
    for (const batch of [1, 3, 7, 256, 1, 100, 2, 129]) {
      const entries = Array.from({ length: batch }, () => {
        n += 1;
        return { leaf: leafOf(n), event: { id: `batch-${dialect}-${n}`, salt: new Uint8Array(32), canonical: '{}' } };
      });
      await db()
        .transaction()
        .execute((tx) => appendEntries(tx, entries, 0));
    }
    const size = start + n;
    const leaves = (await db().selectFrom('log_entries').select(['idx', 'leaf']).orderBy('idx').execute()).map((r) => bytesOf(r.leaf));
    expect(leaves).toHaveLength(size);
    const expected = rootFromLeafHashes(leaves.map(leafHash));
    expect(Buffer.from(await rootFromReader(storedHashReader(db()), size))).toEqual(Buffer.from(expected));
    // Every stored complete subtree hash is the one recomputed from the leaves.
    const reader = hashReaderFromLeafHashes(leaves.map(leafHash));
    for (const r of await db().selectFrom('log_hashes').select(['level', 'idx', 'hash']).execute()) {
      expect(Buffer.from(bytesOf(r.hash))).toEqual(Buffer.from(await reader.hashAt(Number(r.level), Number(r.idx))));
    }
  });
});
