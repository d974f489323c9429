/**
 * Migration 003: clearances as recorded grants, two-person label approvals, security events.
 *
 * A person's clearance used to be three columns of `people`; it is now the latest unrevoked,
 * unexpired row of `clearance_grants` (see identity/clearance.ts), each with its grantor, reason
 * and expiry, and every grant and revocation is appended to `clearance_history`. Grants are
 * never deleted. The clearance each person held before is carried over as a grant by the server
 * itself (granted_by null), valid for a year from the migration, and `people.clearance` and
 * `people.compartments` are dropped so nothing can read a stale copy. `people.nationality` stays:
 * it is the nationality of the baseline clearance.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { newUlid } from '../../ids.ts';

/** Clearances carried over by this migration stay valid this long; security officers then renew them. */
export const MIGRATED_GRANT_TTL_MS = 365 * 24 * 3600 * 1000;

interface BackfillDb {
  people: { handle: string; clearance: string; compartments: string; nationality: string };
  clearance_grants: {
    id: string;
    person_handle: string;
    level: string;
    compartments: string;
    nationality: string;
    may_export: number;
    granted_by: string | null;
    reason: string;
    granted_at: number;
    expires_at: number;
    revoked_at: number | null;
    revoked_by: string | null;
    revoke_reason: string | null;
  };
  clearance_history: {
    id: string;
    grant_id: string;
    person_handle: string;
    action: string;
    actor: string | null;
    reason: string;
    at: number;
    details: string;
  };
}

const MIGRATION_REASON = 'clearance held before grants were recorded (migration 003)';

export function clearancesAndPolicy(): Migration {
  return {
    async up(untyped: Kysely<unknown>) {
      await untyped.schema
        .createTable('clearance_grants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('person_handle', 'text', (c) => c.notNull().references('people.handle'))
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('compartments', 'text', (c) => c.notNull())
        .addColumn('nationality', 'text', (c) => c.notNull())
        .addColumn('may_export', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('granted_by', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('granted_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('revoked_by', 'text')
        .addColumn('revoke_reason', 'text')
        .execute();
      await untyped.schema.createIndex('clearance_grants_person').on('clearance_grants').columns(['person_handle', 'granted_at']).execute();

      await untyped.schema
        .createTable('clearance_history')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('grant_id', 'text', (c) => c.notNull().references('clearance_grants.id'))
        .addColumn('person_handle', 'text', (c) => c.notNull().references('people.handle'))
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
      await untyped.schema.createIndex('clearance_history_person').on('clearance_history').columns(['person_handle', 'id']).execute();

      await untyped.schema
        .createTable('label_approvals')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id'))
        .addColumn('from_label', 'text', (c) => c.notNull())
        .addColumn('to_label', 'text', (c) => c.notNull())
        .addColumn('justification', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_by_device', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'bigint')
        .execute();
      await untyped.schema.createIndex('label_approvals_status').on('label_approvals').columns(['status', 'id']).execute();

      await untyped.schema
        .createTable('security_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('actor_person', 'text')
        .addColumn('actor_device', 'text')
        .addColumn('target', 'text')
        .addColumn('code', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
      await untyped.schema.createIndex('security_events_type').on('security_events').columns(['type', 'id']).execute();

      const db = untyped as Kysely<BackfillDb>;
      const now = new Date();
      const people = await db
        .selectFrom('people')
        .select(['handle', 'clearance', 'compartments', 'nationality'])
        .orderBy('handle')
        .execute();
      for (const p of people) {
        const grantId = newUlid(now, randomBytes);
        const compartments = JSON.stringify([...new Set(JSON.parse(p.compartments) as string[])].sort());
        const expiresAt = now.getTime() + MIGRATED_GRANT_TTL_MS;
        await db
          .insertInto('clearance_grants')
          .values({
            id: grantId,
            person_handle: p.handle,
            level: p.clearance,
            compartments,
            nationality: p.nationality,
            may_export: 0,
            granted_by: null,
            reason: MIGRATION_REASON,
            granted_at: now.getTime(),
            expires_at: expiresAt,
            revoked_at: null,
            revoked_by: null,
            revoke_reason: null,
          })
          .execute();
        await db
          .insertInto('clearance_history')
          .values({
            id: newUlid(now, randomBytes),
            grant_id: grantId,
            person_handle: p.handle,
            action: 'granted',
            actor: null,
            reason: MIGRATION_REASON,
            at: now.getTime(),
            details: JSON.stringify({
              level: p.clearance,
              compartments: JSON.parse(compartments),
              nationality: p.nationality,
              expiresAt,
              mayExport: false,
            }),
          })
          .execute();
      }
      await untyped.schema.alterTable('people').dropColumn('clearance').execute();
      await untyped.schema.alterTable('people').dropColumn('compartments').execute();
    },
  };
}
