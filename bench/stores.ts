/**
 * Fresh, migrated audit-log stores for the benchmarks: SQLite (WAL, synchronous=FULL) in a
 * temporary folder, or a fresh schema on the local PostgreSQL, each with its cleanup.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../apps/server/src/db/database.ts';
import type { Db } from '../apps/server/src/db/schema.ts';

export type BenchStore = 'sqlite' | 'postgres';

async function admin(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export async function freshStore(store: BenchStore, postgresUrl: string): Promise<{ db: Db; close: () => Promise<void> }> {
  if (store === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'valise-bench-'));
    const opened = await openDatabase({ kind: 'sqlite', file: join(dir, 'valise.db') });
    return {
      db: opened.db,
      close: async () => {
        await opened.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `valise_bench_${Date.now().toString(36)}`;
  await admin(postgresUrl, `CREATE SCHEMA ${schema}`);
  const opened = await openDatabase({ kind: 'postgres', url: postgresUrl, schema, maxConnections: 5 });
  return {
    db: opened.db,
    close: async () => {
      await opened.close();
      await admin(postgresUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}
