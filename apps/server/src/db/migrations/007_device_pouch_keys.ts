/**
 * Migration 007: each device's X-Wing pouch public key (docs/pouch-format.md) and the device's
 * hybrid signature over it (context "pouch-key"), both sent at enrolment. Null for devices
 * enrolled before pouches: they cannot receive one until they enrol again.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { Dialect } from '../schema.ts';
import { binaryType } from './types.ts';

export function devicePouchKeys(dialect: Dialect): Migration {
  const binary = binaryType(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('devices').addColumn('pouch_key', binary).execute();
      await db.schema.alterTable('devices').addColumn('pouch_key_signature', binary).execute();
    },
  };
}
