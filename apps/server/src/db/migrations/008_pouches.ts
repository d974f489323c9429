/**
 * Migration 008: diplomatic pouches in transit (apps/server/src/pouch). `pouches` holds one row per
 * announced pouch — its visible marks, the upload's progress, the verified pouch digest, the
 * current holder and the next hop's deadline; the bytes themselves are a file under the server's
 * pouch directory, never in the database (pouches can be gigabytes). `pouch_receipts` holds the
 * custody receipts as the takers signed them, in chain order.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { Dialect } from '../schema.ts';
import { binaryType } from './types.ts';

export function pouches(dialect: Dialect): Migration {
  const binary = binaryType(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('pouches')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('seal_number', 'text', (c) => c.notNull())
        .addColumn('sender_person', 'text', (c) => c.notNull())
        .addColumn('sender_unit', 'text', (c) => c.notNull())
        .addColumn('sender_device', 'text', (c) => c.notNull())
        .addColumn('sender_key', binary, (c) => c.notNull())
        .addColumn('consignee_unit', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('privacy_mark', 'text')
        .addColumn('item_count', 'integer', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('header_length', 'integer', (c) => c.notNull())
        .addColumn('header_digest', binary, (c) => c.notNull())
        .addColumn('received', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('rejection', 'text')
        .addColumn('pouch_digest', binary)
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('available_at', 'bigint')
        .addColumn('hop_window_ms', 'bigint', (c) => c.notNull())
        .addColumn('expected_by', 'bigint')
        .addColumn('missing_at', 'bigint')
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('hops', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('pouches_consignee').on('pouches').columns(['consignee_unit', 'status']).execute();
      await db.schema.createIndex('pouches_sender').on('pouches').column('sender_person').execute();
      await db.schema.createIndex('pouches_due').on('pouches').columns(['missing_at', 'expected_by']).execute();
      await db.schema
        .createTable('pouch_receipts')
        .addColumn('pouch', 'text', (c) => c.notNull().references('pouches.id').onDelete('cascade'))
        .addColumn('sequence', 'integer', (c) => c.notNull())
        .addColumn('receipt', binary, (c) => c.notNull())
        .addColumn('receipt_digest', binary, (c) => c.notNull())
        .addColumn('taker_handle', 'text', (c) => c.notNull())
        .addColumn('taker_device', 'text', (c) => c.notNull())
        .addColumn('place', 'text', (c) => c.notNull())
        .addColumn('from_name', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('recorded_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('pouch_receipts_pk', ['pouch', 'sequence'])
        .execute();
    },
  };
}
