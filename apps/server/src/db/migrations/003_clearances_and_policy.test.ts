import { DEFAULT_LABEL_POLICY } from '@valise/protocol';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadPerson } from '../../identity/people.ts';
import { DIALECTS, openTestDatabase } from '../../testing/databases.ts';
import type { DB } from '../schema.ts';
import { MIGRATED_GRANT_TTL_MS } from './003_clearances_and_policy.ts';
import { migrateTo, migrateToLatest } from './index.ts';

/** People as migrations 001 and 002 left them. */
type PeopleAt002 = DB['people'] & { clearance: string; compartments: string };

describe.each(DIALECTS)('migration 003 (clearances and policy) on %s', (dialect) => {
  it('carries every clearance over as a grant by the server, recorded in the history, and drops the old columns', async () => {
    const tdb = await openTestDatabase(dialect, { migrate: false });
    try {
      const raw = tdb.db as unknown as Kysely<unknown>;
      await migrateTo(raw, dialect, '002_key_package_expiry');
      const old = raw as unknown as Kysely<Omit<DB, 'people'> & { people: PeopleAt002 }>;
      await old.insertInto('units').values({ handle: 'hq@x.example', name: 'HQ', kind: 'headquarters', created_at: 1 }).execute();
      await old
        .insertInto('people')
        .values([
          {
            handle: 'ann@x.example',
            name: 'Ann',
            unit_handle: 'hq@x.example',
            roles: '["user"]',
            clearance: 'SECRET',
            compartments: '["NUCLEAR","CRYPTO"]',
            nationality: 'FRD',
            created_at: 1,
          },
          {
            handle: 'ben@x.example',
            name: 'Ben',
            unit_handle: 'hq@x.example',
            roles: '["user"]',
            clearance: 'RESTRICTED',
            compartments: '[]',
            nationality: 'SYL',
            created_at: 1,
          },
        ])
        .execute();

      const before = Date.now();
      expect(await migrateToLatest(raw, dialect)).toContain('003_clearances_and_policy');
      const grants = await tdb.db.selectFrom('clearance_grants').selectAll().orderBy('person_handle').execute();
      expect(grants.map((g) => [g.person_handle, g.level, JSON.parse(g.compartments), g.nationality, g.granted_by, g.revoked_at])).toEqual([
        ['ann@x.example', 'SECRET', ['CRYPTO', 'NUCLEAR'], 'FRD', null, null],
        ['ben@x.example', 'RESTRICTED', [], 'SYL', null, null],
      ]);
      for (const g of grants) expect(g.expires_at).toBeGreaterThanOrEqual(before + MIGRATED_GRANT_TTL_MS);
      const history = await tdb.db.selectFrom('clearance_history').selectAll().orderBy('person_handle').execute();
      expect(history.map((h) => [h.person_handle, h.action, h.grant_id])).toEqual(grants.map((g) => [g.person_handle, 'granted', g.id]));

      const ann = await loadPerson(tdb.db, DEFAULT_LABEL_POLICY, new Date(), 'ann@x.example');
      expect(ann?.person).toEqual({
        handle: 'ann@x.example',
        name: 'Ann',
        unit: 'hq@x.example',
        roles: ['user'],
        clearance: 'SECRET',
        compartments: ['CRYPTO', 'NUCLEAR'],
        nationality: 'FRD',
      });
      const columns = Object.keys((await tdb.db.selectFrom('people').selectAll().executeTakeFirstOrThrow()) as object).sort();
      expect(columns).toEqual(['created_at', 'handle', 'name', 'nationality', 'roles', 'unit_handle']);
      // After the carried-over grant expires, the baseline.
      const later = await loadPerson(tdb.db, DEFAULT_LABEL_POLICY, new Date(Date.now() + MIGRATED_GRANT_TTL_MS + 60_000), 'ann@x.example');
      expect(later?.person).toMatchObject({ clearance: 'UNCLASSIFIED', compartments: [], nationality: 'FRD' });
    } finally {
      await tdb.close();
    }
  });
});
