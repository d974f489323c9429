import { fromBase64Url, generateHybridKeyPair, inspectKeyPackage, MLS_SUITES, utf8 } from '@valise/protocol';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../testing/databases.ts';
import { keyPackagesOf } from '../../testing/key-packages.ts';
import { crypto, ManualClock, type TestDevice } from '../../testing/world.ts';
import type { DB } from '../schema.ts';
import { migrateTo, migrateToLatest } from './index.ts';

type Row = Omit<DB['key_packages'], 'not_after'>;
/** People as migration 001 made them (003 moved clearances into grants). */
type PeopleAt001 = DB['people'] & { clearance: string; compartments: string };

describe.each(DIALECTS)('migration 002 (key package expiry) on %s', (dialect) => {
  it('backfills expiry from each stored package and deletes the ones no client could use', async () => {
    const tdb = await openTestDatabase(dialect, { migrate: false });
    try {
      const raw = tdb.db as unknown as Kysely<unknown>;
      expect(await migrateTo(raw, dialect, '001_initial')).toEqual(['001_initial']);
      const db = raw as unknown as Kysely<Omit<DB, 'key_packages' | 'people'> & { key_packages: Row; people: PeopleAt001 }>;
      const world = { clock: new ManualClock() };
      const t = world.clock.now().getTime();
      await db.insertInto('units').values({ handle: 'hq@x.example', name: 'HQ', kind: 'headquarters', created_at: t }).execute();
      const devices: TestDevice[] = [];
      for (const [i, local] of ['ann', 'ben'].entries()) {
        const person = `${local}@x.example`;
        await db
          .insertInto('people')
          .values({
            handle: person,
            name: local,
            unit_handle: 'hq@x.example',
            roles: '["user"]',
            clearance: 'SECRET',
            compartments: '[]',
            nationality: 'TST',
            created_at: t,
          })
          .execute();
        const keys = await generateHybridKeyPair(crypto);
        const deviceId = `01ARZ3NDEKTSV4RRFFQ69G5FA${i}`;
        await db
          .insertInto('devices')
          .values({
            id: deviceId,
            person_handle: person,
            name: 'laptop',
            identity_key: keys.publicKey,
            identity_key_hash: await crypto.sha256(keys.publicKey),
            enrolled_at: t,
            revoked_at: null,
            queue_seq: 0,
          })
          .execute();
        devices.push({ deviceId, person, keys });
      }
      const [ann, ben] = devices as [TestDevice, TestDevice];
      const [good] = await keyPackagesOf(world, ann);
      const [bens] = await keyPackagesOf(world, ben);
      const [pq] = await keyPackagesOf(world, ann, 1, { suite: MLS_SUITES.postQuantum });
      const rows: [string, string, number, Uint8Array][] = [
        ['01', ann.deviceId, MLS_SUITES.classic, fromBase64Url(good!)],
        ['02', ann.deviceId, MLS_SUITES.classic, utf8('junk from before the server checked')],
        ['03', ann.deviceId, MLS_SUITES.classic, fromBase64Url(bens!)], // filed under the wrong device
        ['04', ann.deviceId, MLS_SUITES.classic, fromBase64Url(pq!)], // filed under the wrong suite
        ['05', ben.deviceId, MLS_SUITES.classic, fromBase64Url(bens!)],
      ];
      await db
        .insertInto('key_packages')
        .values(rows.map(([id, device_id, suite, key_package]) => ({ id, device_id, suite, key_package, created_at: t })))
        .execute();

      expect(await migrateToLatest(raw, dialect)).toContain('002_key_package_expiry');
      const after = await tdb.db.selectFrom('key_packages').select(['id', 'not_after']).orderBy('id').execute();
      expect(after).toEqual([
        { id: '01', not_after: inspectKeyPackage(fromBase64Url(good!)).notAfter * 1000 },
        { id: '05', not_after: inspectKeyPackage(fromBase64Url(bens!)).notAfter * 1000 },
      ]);
    } finally {
      await tdb.close();
    }
  });
});
