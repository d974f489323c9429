/** Storage of MLS key packages: opaque bytes per device and cipher suite, each handed out once. */
import type { Db, Dialect } from '../db/schema.ts';
import { bytesOf, chunks } from '../db/transactions.ts';

export async function insertKeyPackages(
  db: Db,
  rows: { id: string; deviceId: string; suite: number; keyPackage: Uint8Array }[],
  now: Date,
): Promise<void> {
  for (const part of chunks(rows, 100)) {
    await db
      .insertInto('key_packages')
      .values(part.map((r) => ({ id: r.id, device_id: r.deviceId, suite: r.suite, key_package: r.keyPackage, created_at: now.getTime() })))
      .execute();
  }
}

export async function countKeyPackages(db: Db, deviceId: string, suite: number): Promise<number> {
  const row = await db
    .selectFrom('key_packages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('device_id', '=', deviceId)
    .where('suite', '=', suite)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Remove and return the oldest key package of a device for a suite, in one statement. On
 * PostgreSQL, SKIP LOCKED lets two concurrent claims take two different packages instead of one
 * of them waiting for (and then missing) the same row.
 */
export async function takeKeyPackage(db: Db, dialect: Dialect, deviceId: string, suite: number): Promise<Uint8Array | undefined> {
  const row = await db
    .deleteFrom('key_packages')
    .where('id', '=', (eb) => {
      let q = eb
        .selectFrom('key_packages')
        .select('id')
        .where('device_id', '=', deviceId)
        .where('suite', '=', suite)
        .orderBy('id')
        .limit(1);
      if (dialect === 'postgres') q = q.forUpdate().skipLocked();
      return q;
    })
    .returning('key_package')
    .executeTakeFirst();
  return row ? bytesOf(row.key_package) : undefined;
}

export async function deleteKeyPackagesOf(db: Db, deviceId: string): Promise<void> {
  await db.deleteFrom('key_packages').where('device_id', '=', deviceId).execute();
}
