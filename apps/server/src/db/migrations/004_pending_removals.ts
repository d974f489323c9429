/**
 * Migration 004: pending removals, and the expiry sweep's mark on clearance grants.
 *
 * `pending_removals` lists the devices that must be cut off from a conversation (their person may
 * no longer read it, or the device was revoked) until a member commits their removal; while a
 * conversation has one, the server accepts no message into it. `clearance_grants.expiry_swept_at`
 * records that the sweep has handled a grant's expiry, so each expiry is handled once. Grants that
 * expired before this migration are left unmarked: the first sweep cuts their people off too.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export function pendingRemovals(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('pending_removals')
        .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id'))
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('person_handle', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('pending_removals_pk', ['conversation_id', 'device_id'])
        .execute();
      await db.schema.alterTable('clearance_grants').addColumn('expiry_swept_at', 'bigint').execute();
      // The sweep looks for expired grants it has not handled yet.
      await db.schema.createIndex('clearance_grants_unswept').on('clearance_grants').columns(['expiry_swept_at', 'expires_at']).execute();
    },
  };
}
