/**
 * Tamper tests against the real SQLite and PostgreSQL stores: ~300 real events appended through
 * recordSecurityEvent and a signed checkpoint, then one row changed, deleted, reordered or
 * inserted; `verifyStore` must fail and name the table and index. Each case on a fresh database.
 */
import { noteVerifierFromKey } from '@valise/protocol';
import { describe, expect, it } from 'vitest';
import type { Db } from '../db/schema.ts';
import { recordSecurityEvent } from '../policy/security-events.ts';
import { DIALECTS, openTestDatabase } from '../testing/databases.ts';
import { crypto } from '../testing/world.ts';
import { generateLogKeys } from './keys.ts';
import { AuditLog } from './service.ts';
import { type StoreTable, verifyStore } from './verify-full.ts';

const EVENTS = 300;
const VICTIM = 137;

async function filledLog(db: Db) {
  const ctx = { clock: () => new Date(), crypto };
  // Concurrent callers: the appender commits them in batches (group commit).
  await Promise.all(
    Array.from({ length: EVENTS }, (_, n) =>
      recordSecurityEvent(db, ctx, {
        type: 'export',
        actor: { person: `p${n}@x`, device: null },
        target: `conversation:${n}`,
        code: null,
        details: { n },
      }),
    ),
  );
  const log = await AuditLog.create({
    db,
    crypto,
    clock: () => new Date(),
    domain: 'mfa.testland.example',
    keys: generateLogKeys((n) => new Uint8Array(globalThis.crypto.getRandomValues(new Uint8Array(n)))),
  });
  await log.checkpoint();
  return [noteVerifierFromKey(crypto, log.vkey), noteVerifierFromKey(crypto, log.vkeyMlDsa)];
}

const eventAt = async (db: Db, idx: number) => db.selectFrom('log_events').selectAll().where('idx', '=', idx).executeTakeFirstOrThrow();

const CASES: { name: string; table: StoreTable; index: number; tamper: (db: Db) => Promise<unknown> }[] = [
  {
    name: "change an event's JSON",
    table: 'security_events',
    index: VICTIM,
    tamper: async (db) =>
      db
        .updateTable('security_events')
        .set({ details: '{"n":-1}' })
        .where('id', '=', (await eventAt(db, VICTIM)).event_id)
        .execute(),
  },
  {
    name: 'change a salt',
    table: 'log_entries',
    index: VICTIM,
    tamper: (db) =>
      db
        .updateTable('log_events')
        .set({ salt: new Uint8Array(32) })
        .where('idx', '=', VICTIM)
        .execute(),
  },
  {
    name: 'change a leaf',
    table: 'log_entries',
    index: VICTIM,
    tamper: (db) =>
      db
        .updateTable('log_entries')
        .set({ leaf: new Uint8Array(32) })
        .where('idx', '=', VICTIM)
        .execute(),
  },
  {
    name: 'delete an event row',
    table: 'log_events',
    index: VICTIM,
    tamper: (db) => db.deleteFrom('log_events').where('idx', '=', VICTIM).execute(),
  },
  {
    name: 'delete a leaf row',
    table: 'log_entries',
    index: VICTIM,
    tamper: (db) => db.deleteFrom('log_entries').where('idx', '=', VICTIM).execute(),
  },
  {
    name: "swap two events' indices",
    table: 'log_entries',
    index: VICTIM,
    tamper: async (db) => {
      await db.updateTable('log_events').set({ idx: -1 }).where('idx', '=', VICTIM).execute();
      await db
        .updateTable('log_events')
        .set({ idx: VICTIM })
        .where('idx', '=', VICTIM + 1)
        .execute();
      await db
        .updateTable('log_events')
        .set({ idx: VICTIM + 1 })
        .where('idx', '=', -1)
        .execute();
    },
  },
  {
    name: 'insert an extra event row',
    table: 'log_events',
    index: EVENTS,
    tamper: (db) =>
      db
        .insertInto('log_events')
        .values({ idx: EVENTS, event_id: 'forged', salt: new Uint8Array(32), event: '{}' })
        .execute(),
  },
  {
    name: 'insert an extra leaf',
    table: 'log_entries',
    index: EVENTS,
    tamper: (db) =>
      db
        .insertInto('log_entries')
        .values({ idx: EVENTS, leaf: new Uint8Array(32), created_at: 0 })
        .execute(),
  },
  {
    name: 'change a stored subtree hash',
    table: 'log_hashes',
    index: 4,
    tamper: (db) =>
      db
        .updateTable('log_hashes')
        .set({ hash: new Uint8Array(32) })
        .where('level', '=', 3)
        .where('idx', '=', 4)
        .execute(),
  },
  {
    name: 'change log_state.size',
    table: 'log_state',
    index: 0,
    tamper: (db) =>
      db
        .updateTable('log_state')
        .set({ size: EVENTS - 1 })
        .execute(),
  },
  {
    name: 'change the checkpoint root',
    table: 'log_checkpoints',
    index: EVENTS,
    tamper: (db) =>
      db
        .updateTable('log_checkpoints')
        .set({ root: new Uint8Array(32) })
        .execute(),
  },
];

describe.each(DIALECTS)('store tamper checks on %s', (dialect) => {
  it('an untouched store verifies', async () => {
    const tdb = await openTestDatabase(dialect);
    try {
      const verifiers = await filledLog(tdb.db);
      const report = await verifyStore(tdb.db, { verifiers });
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({ ok: true, entries: EVENTS });
    } finally {
      await tdb.close();
    }
  });

  it.each(CASES)('$name: fails and names $table at $index', async ({ table, index, tamper }) => {
    const tdb = await openTestDatabase(dialect);
    try {
      const verifiers = await filledLog(tdb.db);
      await tamper(tdb.db);
      const report = await verifyStore(tdb.db, { verifiers });
      expect(report.ok).toBe(false);
      expect(report.problems[0], JSON.stringify(report.problems)).toMatchObject({ table, index });
      expect(report.problems[0]?.message).toBeTruthy();
    } finally {
      await tdb.close();
    }
  });
});
