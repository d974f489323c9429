/**
 * The numbered migrations, listed statically (no directory scanning, so they work from any
 * working directory and bundle cleanly). Names sort in the order they must run.
 */
import { type Kysely, sql } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import type { Dialect } from '../schema.ts';
import { initialSchema } from './001_initial.ts';

export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '001_initial': initialSchema(dialect),
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

/**
 * Bring the database to the latest schema; throws the first migration error. On PostgreSQL the
 * migration tables are pinned to the current schema: Kysely otherwise looks for them in every
 * schema and mistakes another schema's for ours.
 */
export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<string[]> {
  let migrationTableSchema: string | undefined;
  if (dialect === 'postgres') {
    const row = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    migrationTableSchema = row.rows[0]?.schema;
  }
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(migrationsFor(dialect)),
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${String(error)}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
