/**
 * Test databases: a fresh SQLite file in a temp folder, or a freshly created PostgreSQL schema
 * (dropped afterwards), so store and service tests run the same code on both. PostgreSQL is at
 * VALISE_TEST_DATABASE_URL, by default the local trust-auth server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../db/database.ts';
import type { Db, Dialect } from '../db/schema.ts';

export const TEST_POSTGRES_URL = process.env.VALISE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  dialect: Dialect;
  db: Db;
  close(): Promise<void>;
}

/** A fresh test database, migrated to the latest schema unless `migrate` is false. */
export async function openTestDatabase(dialect: Dialect, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'valise-test-'));
    const opened = await openDatabase({ kind: 'sqlite', file: join(dir, 'valise.db') }, options);
    return {
      dialect,
      db: opened.db,
      close: async () => {
        await opened.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `valise_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(`CREATE SCHEMA ${schema}`);
  const drop = () => adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  let opened: Awaited<ReturnType<typeof openDatabase>>;
  try {
    opened = await openDatabase({ kind: 'postgres', url: TEST_POSTGRES_URL, schema, maxConnections: 5 }, options);
  } catch (err) {
    await drop();
    throw err;
  }
  return {
    dialect,
    db: opened.db,
    close: async () => {
      await opened.close();
      await drop();
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * Row counts of every table but security_events: tests assert that a refused request changed
 * nothing (and, separately, that its refusal was recorded as a security event).
 */
export async function countRows(db: Db): Promise<Record<string, number>> {
  const tables = [
    'organisation',
    'units',
    'people',
    'devices',
    'enrolment_codes',
    'auth_challenges',
    'sessions',
    'key_packages',
    'conversations',
    'conversation_members',
    'ratchet_trees',
    'payloads',
    'queue',
    'blobs',
    'clearance_grants',
    'clearance_history',
    'label_approvals',
    'pending_removals',
    'pouches',
    'pouch_receipts',
  ] as const;
  const out: Record<string, number> = {};
  for (const table of tables) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}
