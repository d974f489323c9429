/**
 * Migration 001: organisation, identity (units, people, devices, credentials) and the MLS
 * delivery service (key packages, conversations, payloads stored once, per-device queues, blobs).
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { Dialect } from '../schema.ts';
import { binaryType } from './types.ts';

export function initialSchema(dialect: Dialect): Migration {
  const binary = binaryType(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('organisation')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('units')
        .addColumn('handle', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('people')
        .addColumn('handle', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('unit_handle', 'text', (c) => c.notNull().references('units.handle'))
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('clearance', 'text', (c) => c.notNull())
        .addColumn('compartments', 'text', (c) => c.notNull())
        .addColumn('nationality', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('people_unit').on('people').column('unit_handle').execute();

      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('person_handle', 'text', (c) => c.notNull().references('people.handle'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('identity_key', binary, (c) => c.notNull())
        .addColumn('identity_key_hash', binary, (c) => c.notNull().unique())
        .addColumn('enrolled_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('queue_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('devices_person').on('devices').column('person_handle').execute();

      await db.schema
        .createTable('enrolment_codes')
        .addColumn('code_hash', binary, (c) => c.primaryKey())
        .addColumn('person_handle', 'text', (c) => c.notNull().references('people.handle'))
        .addColumn('issued_by', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('device_id', 'text', (c) => c.references('devices.id'))
        .execute();
      await db.schema.createIndex('enrolment_codes_person').on('enrolment_codes').column('person_handle').execute();

      await db.schema
        .createTable('auth_challenges')
        .addColumn('challenge_hash', binary, (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('auth_challenges_expiry').on('auth_challenges').column('expires_at').execute();

      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', binary, (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_device').on('sessions').column('device_id').execute();

      await db.schema
        .createTable('key_packages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('suite', 'integer', (c) => c.notNull())
        .addColumn('key_package', binary, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('key_packages_device_suite').on('key_packages').columns(['device_id', 'suite', 'id']).execute();

      await db.schema
        .createTable('conversations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('suite', 'integer', (c) => c.notNull())
        .addColumn('epoch', 'bigint', (c) => c.notNull())
        .addColumn('created_by_person', 'text', (c) => c.notNull().references('people.handle'))
        .addColumn('created_by_device', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('conversation_members')
        .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('person_handle', 'text', (c) => c.notNull().references('people.handle'))
        .addColumn('joined_epoch', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('conversation_members_pk', ['conversation_id', 'device_id'])
        .execute();
      await db.schema.createIndex('conversation_members_device').on('conversation_members').column('device_id').execute();

      // The latest tree, plus older ones while a welcome into their epoch is still queued.
      await db.schema
        .createTable('ratchet_trees')
        .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
        .addColumn('epoch', 'bigint', (c) => c.notNull())
        .addColumn('tree', binary, (c) => c.notNull())
        .addPrimaryKeyConstraint('ratchet_trees_pk', ['conversation_id', 'epoch'])
        .execute();

      await db.schema
        .createTable('payloads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('epoch', 'bigint', (c) => c.notNull())
        .addColumn('sender_device_id', 'text', (c) => c.notNull())
        .addColumn('sender_person', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('precedence', 'text')
        .addColumn('data', binary, (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('queue')
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('payload_id', 'text', (c) => c.notNull().references('payloads.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('queue_pk', ['device_id', 'seq'])
        .execute();
      await db.schema.createIndex('queue_payload').on('queue').column('payload_id').execute();

      await db.schema
        .createTable('blobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
        .addColumn('uploader_device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('data', binary, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('blobs_conversation').on('blobs').column('conversation_id').execute();
    },
  };
}
