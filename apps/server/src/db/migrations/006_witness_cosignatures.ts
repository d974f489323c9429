/**
 * Migration 006: cosignatures of the audit log's checkpoints collected from witnesses
 * (c2sp.org/tlog-witness). One row per (witness URL, tree size, witness key): the verified note
 * signature line, appended to the checkpoint served at GET /log/checkpoint. The largest size per
 * witness is the old size of the next submission.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export function witnessCosignatures(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('log_witness_cosignatures')
        .addColumn('witness', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('key_name', 'text', (c) => c.notNull())
        .addColumn('key_id', 'bigint', (c) => c.notNull())
        .addColumn('line', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('log_witness_cosignatures_pk', ['witness', 'size', 'key_name', 'key_id'])
        .execute();
      await db.schema.createIndex('log_witness_cosignatures_size').on('log_witness_cosignatures').column('size').execute();
    },
  };
}
