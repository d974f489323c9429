/**
 * Payloads and per-device queues. Every MLS message (commit, welcome, application message) is
 * stored ONCE in `payloads`; each recipient device gets a small queue row pointing at it, with a
 * per-device, strictly increasing sequence number. A welcome to 1,000 devices is one payload and
 * 1,000 queue rows. A payload is deleted when the last device acknowledges it.
 */
import type { Selectable } from 'kysely';
import type { BusEvent } from '../bus/bus.ts';
import type { Db, Dialect, PayloadsTable } from '../db/schema.ts';
import { chunks } from '../db/transactions.ts';

/** MLS messages from devices, and the server's own requests to remove devices (removal-required). */
export type PayloadType = 'welcome' | 'commit' | 'message' | 'removal-required';
export type PayloadRow = Selectable<PayloadsTable>;

export async function insertPayload(db: Db, payload: PayloadRow): Promise<void> {
  await db.insertInto('payloads').values(payload).execute();
}

/**
 * Store a payload once and queue it for `recipients` (revoked devices skipped); a payload with no
 * live recipient is not kept. Returns the bus events to publish once the transaction has committed.
 */
export async function storeAndQueue(
  trx: Db,
  dialect: Dialect,
  payload: Omit<PayloadRow, 'size' | 'created_at' | 'type'> & { type: PayloadType },
  recipients: readonly string[],
  now: Date,
): Promise<BusEvent[]> {
  if (recipients.length === 0) return [];
  await insertPayload(trx, { ...payload, size: payload.data.length, created_at: now.getTime() });
  const assigned = await enqueue(trx, dialect, recipients, payload.id);
  if (assigned.length === 0) await trx.deleteFrom('payloads').where('id', '=', payload.id).execute();
  return assigned.map((a) => ({ type: 'queue', deviceId: a.deviceId, seq: a.seq }));
}

/**
 * Queue a payload for devices and return the sequence number each got. Revoked devices are
 * skipped here, the one place every fan-out goes through. On PostgreSQL the device rows are
 * locked in id order first, so concurrent fan-outs to overlapping devices cannot deadlock and
 * each device's numbers are handed out (and committed) in order.
 */
export async function enqueue(
  db: Db,
  dialect: Dialect,
  deviceIds: readonly string[],
  payloadId: string,
): Promise<{ deviceId: string; seq: number }[]> {
  const sorted = [...new Set(deviceIds)].sort();
  const assigned: { deviceId: string; seq: number }[] = [];
  for (const part of chunks(sorted)) {
    if (dialect === 'postgres') {
      await db.selectFrom('devices').select('id').where('id', 'in', part).orderBy('id').forUpdate().execute();
    }
    const rows = await db
      .updateTable('devices')
      .set((eb) => ({ queue_seq: eb('queue_seq', '+', 1) }))
      .where('id', 'in', part)
      .where('revoked_at', 'is', null)
      .returning(['id', 'queue_seq'])
      .execute();
    if (rows.length === 0) continue;
    await db
      .insertInto('queue')
      .values(rows.map((r) => ({ device_id: r.id, seq: r.queue_seq, payload_id: payloadId })))
      .execute();
    for (const r of rows) assigned.push({ deviceId: r.id, seq: r.queue_seq });
  }
  return assigned;
}

export interface QueuedPayload {
  seq: number;
  payload: PayloadRow;
  conversationKind: string;
  /** The conversation's label now (the payload's own label is the one it was sent with). */
  conversationLabel: string;
}

/**
 * A device's queue after `after`, in order, at most `limit` items and, beyond the first item, at
 * most `byteBudget` payload bytes, so a response never balloons. `more` tells whether items remain.
 */
export async function readQueue(
  db: Db,
  deviceId: string,
  after: number,
  limit: number,
  byteBudget: number,
): Promise<{ items: QueuedPayload[]; more: boolean }> {
  const heads = await db
    .selectFrom('queue')
    .innerJoin('payloads', 'payloads.id', 'queue.payload_id')
    .select(['queue.seq', 'queue.payload_id', 'payloads.size'])
    .where('queue.device_id', '=', deviceId)
    .where('queue.seq', '>', after)
    .orderBy('queue.seq')
    .limit(limit + 1)
    .execute();
  const chosen: typeof heads = [];
  let bytes = 0;
  for (const head of heads.slice(0, limit)) {
    if (chosen.length > 0 && bytes + head.size > byteBudget) break;
    chosen.push(head);
    bytes += head.size;
  }
  const more = heads.length > chosen.length;
  if (chosen.length === 0) return { items: [], more };
  const payloads = new Map<string, PayloadRow & { conversation_kind: string; conversation_label: string }>();
  for (const part of chunks([...new Set(chosen.map((h) => h.payload_id))])) {
    const rows = await db
      .selectFrom('payloads')
      .innerJoin('conversations', 'conversations.id', 'payloads.conversation_id')
      .selectAll('payloads')
      .select(['conversations.kind as conversation_kind', 'conversations.label as conversation_label'])
      .where('payloads.id', 'in', part)
      .execute();
    for (const r of rows) payloads.set(r.id, r);
  }
  const items: QueuedPayload[] = [];
  for (const head of chosen) {
    const p = payloads.get(head.payload_id);
    if (p) {
      const { conversation_kind, conversation_label, ...payload } = p;
      items.push({ seq: head.seq, payload, conversationKind: conversation_kind, conversationLabel: conversation_label });
    }
  }
  return { items, more };
}

/** Drop some of a device's queue items (withheld by policy), then the payloads nobody waits for any more. */
export async function dropQueued(db: Db, dialect: Dialect, deviceId: string, seqs: readonly number[]): Promise<void> {
  for (const part of chunks(seqs)) {
    const deleted = await db
      .deleteFrom('queue')
      .where('device_id', '=', deviceId)
      .where('seq', 'in', part)
      .returning('payload_id')
      .execute();
    await deleteUnreferencedPayloads(
      db,
      dialect,
      deleted.map((d) => d.payload_id),
    );
  }
}

/** Delete a device's queue rows up to `upTo`, then the payloads nobody is waiting for any more. */
/** Delete the device's items up to `upTo`; returns the payload id of each deleted item, in order. */
export async function acknowledge(db: Db, dialect: Dialect, deviceId: string, upTo: number): Promise<string[]> {
  const deleted = await db
    .deleteFrom('queue')
    .where('device_id', '=', deviceId)
    .where('seq', '<=', upTo)
    .returning(['seq', 'payload_id'])
    .execute();
  await deleteUnreferencedPayloads(
    db,
    dialect,
    deleted.map((d) => d.payload_id),
  );
  return deleted.sort((a, b) => Number(a.seq) - Number(b.seq)).map((d) => d.payload_id);
}

/** Drop everything queued for a device (revocation). */
export async function clearQueue(db: Db, dialect: Dialect, deviceId: string): Promise<void> {
  const deleted = await db.deleteFrom('queue').where('device_id', '=', deviceId).returning('payload_id').execute();
  await deleteUnreferencedPayloads(
    db,
    dialect,
    deleted.map((d) => d.payload_id),
  );
}

/**
 * On PostgreSQL two devices acknowledging the same payload at once would each still see the
 * other's queue row and both keep the payload; locking the payload rows (in id order) makes the
 * second one wait and then see the first one's deletion.
 */
async function deleteUnreferencedPayloads(db: Db, dialect: Dialect, payloadIds: string[]): Promise<void> {
  const ids = [...new Set(payloadIds)].sort();
  for (const part of chunks(ids)) {
    if (dialect === 'postgres') {
      await db.selectFrom('payloads').select('id').where('id', 'in', part).orderBy('id').forUpdate().execute();
    }
    await db
      .deleteFrom('payloads')
      .where('id', 'in', part)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('queue').select('queue.seq').whereRef('queue.payload_id', '=', 'payloads.id'))),
      )
      .execute();
  }
}
