/**
 * Migration 005: the tamper-evident audit log (RFC 6962 tree, C2SP checkpoints and tiles).
 *
 * - `log_state`: one row (id 1) holding the log's size. Every append updates it first, which takes
 *   the row lock on PostgreSQL and the write lock on SQLite: appends are serialised and indices
 *   are dense and unique on both.
 * - `log_entries`: the leaves. `leaf` is the 32-byte commitment SHA-256(salt || canonical event).
 * - `log_hashes`: every complete subtree hash (Merkle level, index), written with the append that
 *   completes it, so tiles and proofs read O(log n) rows, never the whole log.
 * - `log_events`: the opened events (salt and canonical JSON): access-controlled, never served
 *   under /log/.
 * - `log_checkpoints`: every checkpoint made (size, root, signed note text).
 */
import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { Dialect } from '../schema.ts';
import { binaryType } from './types.ts';

export function auditLog(dialect: Dialect): Migration {
  const binary = binaryType(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('log_state')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into log_state (id, size) values (1, 0)`.execute(db);
      await db.schema
        .createTable('log_entries')
        .addColumn('idx', 'bigint', (c) => c.primaryKey())
        .addColumn('leaf', binary, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('log_hashes')
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('idx', 'bigint', (c) => c.notNull())
        .addColumn('hash', binary, (c) => c.notNull())
        .addPrimaryKeyConstraint('log_hashes_pk', ['level', 'idx'])
        .execute();
      await db.schema
        .createTable('log_events')
        .addColumn('idx', 'bigint', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull().unique())
        .addColumn('salt', binary, (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('log_checkpoints')
        .addColumn('size', 'bigint', (c) => c.primaryKey())
        .addColumn('root', binary, (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
