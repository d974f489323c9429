/**
 * The numbered migrations, listed statically (no directory scanning, so they work from any
 * working directory and bundle cleanly). Names sort in the order they must run.
 */
import { type Kysely, sql } from 'kysely';
import { type Migration, type MigrationProvider, type MigrationResultSet, Migrator } from 'kysely/migration';
import type { Dialect } from '../schema.ts';
import { initialSchema } from './001_initial.ts';
import { keyPackageExpiry } from './002_key_package_expiry.ts';
import { clearancesAndPolicy } from './003_clearances_and_policy.ts';
import { pendingRemovals } from './004_pending_removals.ts';
import { auditLog } from './005_audit_log.ts';
import { witnessCosignatures } from './006_witness_cosignatures.ts';
import { devicePouchKeys } from './007_device_pouch_keys.ts';
import { pouches } from './008_pouches.ts';

export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '001_initial': initialSchema(dialect),
    '002_key_package_expiry': keyPackageExpiry(),
    '003_clearances_and_policy': clearancesAndPolicy(),
    '004_pending_removals': pendingRemovals(),
    '005_audit_log': auditLog(dialect),
    '006_witness_cosignatures': witnessCosignatures(),
    '007_device_pouch_keys': devicePouchKeys(dialect),
    '008_pouches': pouches(dialect),
  };
}

class StaticMigrationProvider implements MigrationProvider {
  readonly #migrations: Record<string, Migration>;
  constructor(migrations: Record<string, Migration>) {
    this.#migrations = migrations;
  }
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.#migrations;
  }
}

async function migratorFor(db: Kysely<unknown>, dialect: Dialect): Promise<Migrator> {
  let migrationTableSchema: string | undefined;
  if (dialect === 'postgres') {
    const row = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    migrationTableSchema = row.rows[0]?.schema;
  }
  return new Migrator({
    db,
    provider: new StaticMigrationProvider(migrationsFor(dialect)),
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
}

function applied({ error, results }: MigrationResultSet): string[] {
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${String(error)}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Bring the database to the latest schema; throws the first migration error. On PostgreSQL the
 * migration tables are pinned to the current schema: Kysely otherwise looks for them in every
 * schema and mistakes another schema's for ours.
 */
export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<string[]> {
  return applied(await (await migratorFor(db, dialect)).migrateToLatest());
}

/** Bring the database to the schema of one migration (tests of a later migration start there). */
export async function migrateTo(db: Kysely<unknown>, dialect: Dialect, name: string): Promise<string[]> {
  return applied(await (await migratorFor(db, dialect)).migrateTo(name));
}
