/**
 * Storage of pending removals: devices that must be cut off from a conversation's MLS group. A row
 * lives from the moment the server learns the device may no longer read the conversation until a
 * member's commit removes the device. Only rows whose device is still a member count: a row left
 * behind by a removal that raced with it (a revocation while a commit was removing the same device)
 * blocks nothing.
 */
import type { Selectable } from 'kysely';
import type { Db, PendingRemovalsTable } from '../db/schema.ts';
import { chunks } from '../db/transactions.ts';

export type PendingRemovalRow = Selectable<PendingRemovalsTable>;

/** Why a device must be cut off. */
export type RemovalReason = 'clearance-expired' | 'clearance-revoked' | 'clearance-changed' | 'device-revoked';

/** File pending removals; rows already pending are left as they are. Returns the rows that are new. */
export async function insertPendingRemovals(db: Db, rows: readonly PendingRemovalRow[]): Promise<PendingRemovalRow[]> {
  const inserted: PendingRemovalRow[] = [];
  for (const part of chunks(rows, 200)) {
    const got = await db
      .insertInto('pending_removals')
      .values(part)
      .onConflict((oc) => oc.columns(['conversation_id', 'device_id']).doNothing())
      .returning('device_id')
      .execute();
    const fresh = new Set(got.map((r) => r.device_id));
    inserted.push(...part.filter((r) => fresh.has(r.device_id)));
  }
  return inserted;
}

/** The devices of a conversation that are pending removal and still members, in id order. */
export async function pendingRemovalsOf(db: Db, conversationId: string): Promise<PendingRemovalRow[]> {
  return db
    .selectFrom('pending_removals')
    .innerJoin('conversation_members', (join) =>
      join
        .onRef('conversation_members.conversation_id', '=', 'pending_removals.conversation_id')
        .onRef('conversation_members.device_id', '=', 'pending_removals.device_id'),
    )
    .selectAll('pending_removals')
    .where('pending_removals.conversation_id', '=', conversationId)
    .orderBy('pending_removals.device_id')
    .execute();
}

/** Delete the pending removals of these devices in a conversation (a commit removed them); returns the rows deleted. */
export async function clearPendingRemovals(db: Db, conversationId: string, deviceIds: readonly string[]): Promise<PendingRemovalRow[]> {
  const out: PendingRemovalRow[] = [];
  for (const part of chunks(deviceIds)) {
    out.push(
      ...(await db
        .deleteFrom('pending_removals')
        .where('conversation_id', '=', conversationId)
        .where('device_id', 'in', part)
        .returningAll()
        .execute()),
    );
  }
  return out;
}
