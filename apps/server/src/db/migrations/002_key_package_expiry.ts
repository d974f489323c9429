/**
 * Migration 002: key packages carry their own expiry (key_packages.not_after, ms), so claims skip
 * expired ones and a device's count, which tells it when to upload more, leaves them out.
 *
 * Rows stored before the server checked uploads are backfilled from their own lifetime. Those
 * that do not parse, or that name another device, person or suite than the row they sit in, are
 * deleted: no client could have used them (see messaging/key-package-check.ts).
 */
import { inspectKeyPackage } from '@valise/protocol';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

interface BackfillDb {
  key_packages: { id: string; device_id: string; suite: number; key_package: Uint8Array; not_after: number };
  devices: { id: string; person_handle: string };
}

const PAGE = 200;

function notAfterOf(row: { device_id: string; person_handle: string; suite: number; key_package: Uint8Array }): number | undefined {
  try {
    const info = inspectKeyPackage(new Uint8Array(row.key_package));
    if (info.deviceId !== row.device_id || info.person !== row.person_handle || info.suite !== row.suite) return undefined;
    return Math.min(info.notAfter * 1000, Number.MAX_SAFE_INTEGER);
  } catch {
    return undefined;
  }
}

export function keyPackageExpiry(): Migration {
  return {
    async up(untyped: Kysely<unknown>) {
      // 0 = expired: a row the backfill misses can never be handed out.
      await untyped.schema
        .alterTable('key_packages')
        .addColumn('not_after', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      const db = untyped as Kysely<BackfillDb>;
      let after = '';
      for (;;) {
        const rows = await db
          .selectFrom('key_packages')
          .innerJoin('devices', 'devices.id', 'key_packages.device_id')
          .select(['key_packages.id', 'key_packages.device_id', 'key_packages.suite', 'key_packages.key_package', 'devices.person_handle'])
          .where('key_packages.id', '>', after)
          .orderBy('key_packages.id')
          .limit(PAGE)
          .execute();
        for (const row of rows) {
          const notAfter = notAfterOf(row);
          if (notAfter === undefined) await db.deleteFrom('key_packages').where('id', '=', row.id).execute();
          else await db.updateTable('key_packages').set({ not_after: notAfter }).where('id', '=', row.id).execute();
        }
        if (rows.length < PAGE) break;
        after = rows.at(-1)?.id ?? after;
      }
    },
  };
}
