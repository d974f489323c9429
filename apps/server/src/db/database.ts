/**
 * Opens the server's database: SQLite (better-sqlite3) in the data folder by default, PostgreSQL
 * (a pg Pool) when a postgres:// URL is configured. Both run the same Kysely queries and the
 * same migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations/index.ts';
import type { DB, Db, Dialect } from './schema.ts';

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  | {
      kind: 'postgres';
      url: string;
      /** Tables live in this schema (tests isolate each run in a fresh one). */
      schema?: string;
      maxConnections?: number;
    };

export interface OpenDatabase {
  db: Db;
  dialect: Dialect;
  close(): Promise<void>;
}

const PG_INT8_OID = 20;

/** Open (and, unless told otherwise, migrate) the database described by `config`. */
export async function openDatabase(config: DatabaseConfig, options: { migrate?: boolean } = {}): Promise<OpenDatabase> {
  const opened = config.kind === 'sqlite' ? openSqlite(config.file) : openPostgres(config);
  try {
    if (options.migrate !== false) await migrateToLatest(opened.db as Kysely<unknown>, opened.dialect);
  } catch (err) {
    await opened.close();
    throw err;
  }
  return opened;
}

function openSqlite(file: string): OpenDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL for concurrent readers; synchronous=FULL because an acknowledged message must survive a
  // power cut; foreign keys are off by default in SQLite.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

function openPostgres(config: Extract<DatabaseConfig, { kind: 'postgres' }>): OpenDatabase {
  if (config.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(config.schema)) {
    throw new Error('invalid PostgreSQL schema name');
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.maxConnections ?? 10,
    ...(config.schema ? { options: `-c search_path=${config.schema}` } : {}),
    // bigint columns (times in ms, sequence numbers) stay far below 2^53: read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === PG_INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/** A database URL from the command line or VALISE_DATABASE_URL, or the embedded SQLite file. */
export function databaseConfigFor(dataDir: string, url: string | undefined): DatabaseConfig {
  if (url && /^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  if (url) throw new Error('--database must be a postgres:// URL (without it, SQLite in the data folder is used)');
  return { kind: 'sqlite', file: `${dataDir}/valise.db` };
}
