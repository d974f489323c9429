/**
 * Storage of MLS key packages per device and cipher suite, each handed out once. The server
 * checked each one on upload (key-package-check.ts) and keeps its expiry beside the bytes.
 * `expiredBy` (ms) is the instant at or before which a package no longer counts: expired ones
 * are neither counted nor handed out.
 */
import type { Db, Dialect } from '../db/schema.ts';
import { bytesOf, chunks } from '../db/transactions.ts';

export async function insertKeyPackages(
  db: Db,
  rows: { id: string; deviceId: string; suite: number; keyPackage: Uint8Array; notAfter: number }[],
  now: Date,
): Promise<void> {
  for (const part of chunks(rows, 100)) {
    await db
      .insertInto('key_packages')
      .values(
        part.map((r) => ({
          id: r.id,
          device_id: r.deviceId,
          suite: r.suite,
          key_package: r.keyPackage,
          created_at: now.getTime(),
          not_after: r.notAfter,
        })),
      )
      .execute();
  }
}

/** How many unexpired key packages a device holds for a suite. */
export async function countKeyPackages(db: Db, deviceId: string, suite: number, expiredBy: number): Promise<number> {
  const row = await db
    .selectFrom('key_packages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('device_id', '=', deviceId)
    .where('suite', '=', suite)
    .where('not_after', '>', expiredBy)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Delete a device's expired key packages (every suite). */
export async function deleteExpiredKeyPackagesOf(db: Db, deviceId: string, expiredBy: number): Promise<void> {
  await db.deleteFrom('key_packages').where('device_id', '=', deviceId).where('not_after', '<=', expiredBy).execute();
}

/**
 * Remove and return the oldest unexpired key package of a device for a suite. Each step is one
 * statement; on PostgreSQL, SKIP LOCKED lets two concurrent claims take two different packages
 * instead of one of them waiting for (and then missing) the same row. Expired packages met on the
 * way (the oldest, as a rule) are deleted and skipped: a claimer never gets one ts-mls would refuse.
 * The loop is bounded by the per-device limit on stored packages.
 */
export async function takeKeyPackage(
  db: Db,
  dialect: Dialect,
  deviceId: string,
  suite: number,
  expiredBy: number,
): Promise<Uint8Array | undefined> {
  for (;;) {
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
      .returning(['key_package', 'not_after'])
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.not_after > expiredBy) return bytesOf(row.key_package);
  }
}

export async function deleteKeyPackagesOf(db: Db, deviceId: string): Promise<void> {
  await db.deleteFrom('key_packages').where('device_id', '=', deviceId).execute();
}
