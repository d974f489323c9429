/**
 * Storage of clearance grants and their history. Nothing here is ever deleted: a revocation marks
 * the grant, a change is a newer grant, and every one of them is appended to clearance_history.
 */
import type { Selectable } from 'kysely';
import type { ClearanceGrantsTable, ClearanceHistoryTable, Db } from '../db/schema.ts';
import { chunks } from '../db/transactions.ts';

export type ClearanceGrantRow = Selectable<ClearanceGrantsTable>;
export type ClearanceHistoryRow = Selectable<ClearanceHistoryTable>;

export async function insertGrant(db: Db, row: ClearanceGrantRow): Promise<void> {
  await db.insertInto('clearance_grants').values(row).execute();
}

export async function getGrant(db: Db, id: string): Promise<ClearanceGrantRow | undefined> {
  return db.selectFrom('clearance_grants').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Mark a grant revoked; false when it already was (the first revocation stands). */
export async function markGrantRevoked(db: Db, id: string, by: string | null, reason: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('clearance_grants')
    .set({ revoked_at: now.getTime(), revoked_by: by, revoke_reason: reason })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * The live grant of each person (unrevoked, expiring after `now`, the latest granted): all people
 * when `handles` is undefined. People without one are absent from the map.
 */
export async function liveGrants(db: Db, handles: readonly string[] | undefined, now: Date): Promise<Map<string, ClearanceGrantRow>> {
  const out = new Map<string, ClearanceGrantRow>();
  const take = (rows: ClearanceGrantRow[]) => {
    // Newest first: the first row seen for a person is theirs.
    for (const r of rows) if (!out.has(r.person_handle)) out.set(r.person_handle, r);
  };
  const base = () =>
    db
      .selectFrom('clearance_grants')
      .selectAll()
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now.getTime())
      .orderBy('granted_at', 'desc')
      .orderBy('id', 'desc');
  if (handles === undefined) take(await base().execute());
  else for (const part of chunks([...new Set(handles)])) take(await base().where('person_handle', 'in', part).execute());
  return out;
}

/** Up to `limit` grants that have expired by `now` and whose expiry the sweep has not handled yet. */
export async function unsweptExpiredGrants(db: Db, now: Date, limit: number): Promise<{ id: string; person_handle: string }[]> {
  return db
    .selectFrom('clearance_grants')
    .select(['id', 'person_handle'])
    .where('expiry_swept_at', 'is', null)
    .where('expires_at', '<=', now.getTime())
    .orderBy('expires_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Record that the sweep has handled these grants' expiry. */
export async function markGrantsSwept(db: Db, ids: readonly string[], now: Date): Promise<void> {
  for (const part of chunks(ids)) {
    await db
      .updateTable('clearance_grants')
      .set({ expiry_swept_at: now.getTime() })
      .where('id', 'in', part)
      .where('expiry_swept_at', 'is', null)
      .execute();
  }
}

/** Every grant of a person, oldest first. */
export async function grantsOf(db: Db, person: string): Promise<ClearanceGrantRow[]> {
  return db.selectFrom('clearance_grants').selectAll().where('person_handle', '=', person).orderBy('granted_at').orderBy('id').execute();
}

export async function insertHistory(db: Db, row: ClearanceHistoryRow): Promise<void> {
  await db.insertInto('clearance_history').values(row).execute();
}

/** Every grant and revocation of a person's clearances, in order. */
export async function historyOf(db: Db, person: string): Promise<ClearanceHistoryRow[]> {
  return db.selectFrom('clearance_history').selectAll().where('person_handle', '=', person).orderBy('id').execute();
}
