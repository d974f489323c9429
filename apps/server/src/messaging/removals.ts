/**
 * Cutting devices off cryptographically. The policy filter already stops delivering anything of a
 * conversation to a device whose person may no longer read it (and a revoked device gets nothing
 * at all); but the device still holds the group's current epoch secrets, so anything encrypted to
 * that epoch would be readable by it if it ever got hold of the ciphertext. Here the server:
 *
 * - files a pending removal per (conversation, device),
 * - queues ONE `removal-required` item per conversation to every remaining member device, naming
 *   every device pending removal there: the first member to process it commits their removal,
 * - records a `removal-required` security event,
 *
 * all in the caller's transaction, and returns the bus events to publish after it commits. Until
 * the removal is committed the delivery service accepts no message into the conversation
 * (REMOVAL_PENDING), and every commit must remove the pending devices; that commit clears the
 * rows and is recorded as `removal-completed` (service.ts).
 *
 * A `removal-required` item is written by the server, not sent by a device: it is marked `system`
 * on the wire, and its sender names the first device it asks to remove, and that device's person.
 */
import { LIMITS, utf8 } from '@valise/protocol';
import type { BusEvent } from '../bus/bus.ts';
import type { ServiceContext } from '../context.ts';
import type { Db } from '../db/schema.ts';
import { newUlid } from '../ids.ts';
import { recordSecurityEvent, type SecurityEventInput } from '../policy/security-events.ts';
import { getConversation, membersOf } from './conversation-store.ts';
import { storeAndQueue } from './queue-store.ts';
import { insertPendingRemovals, pendingRemovalsOf, type RemovalReason } from './removal-store.ts';

export interface RemovalCut {
  conversationId: string;
  devices: { deviceId: string; person: string }[];
}

export interface RemovalCause {
  reason: RemovalReason;
  /** Who caused it (the security officer, the device's owner); null for the server itself (expiry sweep). */
  actor: SecurityEventInput['actor'];
}

/**
 * File pending removals and ask the remaining members to commit them. Idempotent: devices already
 * pending are left alone, and a conversation with nothing new gets no new item or event.
 */
export async function requireRemovals(ctx: ServiceContext, trx: Db, cuts: readonly RemovalCut[], cause: RemovalCause): Promise<BusEvent[]> {
  const now = ctx.clock();
  const events: BusEvent[] = [];
  for (const cut of cuts) {
    if (cut.devices.length === 0) continue;
    const conversation = await getConversation(trx, ctx.dialect, cut.conversationId);
    if (!conversation) continue;
    const fresh = await insertPendingRemovals(
      trx,
      cut.devices.map((d) => ({
        conversation_id: cut.conversationId,
        device_id: d.deviceId,
        person_handle: d.person,
        reason: cause.reason,
        created_at: now.getTime(),
      })),
    );
    if (fresh.length === 0) continue;
    // The request names every device pending here, not only the new ones: whichever item a member
    // processes last, its commit removes them all, which is what the server requires of a commit.
    const pending = await pendingRemovalsOf(trx, cut.conversationId);
    const pendingIds = new Set(pending.map((p) => p.device_id));
    const recipients = (await membersOf(trx, cut.conversationId)).map((m) => m.deviceId).filter((d) => !pendingIds.has(d));
    const request = { deviceIds: [...pendingIds].slice(0, LIMITS.devicesPerCommit), reason: cause.reason };
    const first = fresh[0]!;
    const queued = await storeAndQueue(
      trx,
      ctx.dialect,
      {
        id: newUlid(now, ctx.crypto.randomBytes),
        conversation_id: cut.conversationId,
        type: 'removal-required',
        epoch: conversation.epoch,
        sender_device_id: first.device_id,
        sender_person: first.person_handle,
        label: conversation.label,
        precedence: null,
        data: utf8(JSON.stringify(request)),
      },
      recipients,
      now,
    );
    events.push(...queued);
    await recordSecurityEvent(trx, ctx, {
      type: 'removal-required',
      actor: cause.actor,
      target: `conversation:${cut.conversationId}`,
      code: null,
      details: {
        reason: cause.reason,
        devices: fresh.map((f) => f.device_id),
        people: [...new Set(fresh.map((f) => f.person_handle))],
        pending: pendingIds.size,
        notified: queued.length,
        epoch: conversation.epoch,
      },
    });
  }
  return events;
}

/** The conversations a device is a member of, as cuts of that one device (device revocation). */
export async function cutsOfDevice(trx: Db, deviceId: string): Promise<RemovalCut[]> {
  const rows = await trx
    .selectFrom('conversation_members')
    .select(['conversation_id', 'person_handle'])
    .where('device_id', '=', deviceId)
    .orderBy('conversation_id')
    .execute();
  return rows.map((r) => ({ conversationId: r.conversation_id, devices: [{ deviceId, person: r.person_handle }] }));
}
