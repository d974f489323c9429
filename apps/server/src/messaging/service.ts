/**
 * The MLS delivery service. The server never decrypts: commits, welcomes, application messages,
 * ratchet trees and attachments are opaque bytes. What it does guarantee is ordering and
 * membership: exactly one commit per epoch (a commit must name the current epoch, else
 * EPOCH_MISMATCH), only members post and read, every payload is stored once and queued for exactly
 * the devices that must get it, and revoked or removed devices get nothing new.
 *
 * And labels: every conversation and message carries one (canonical text), and the policy engine
 * is asked before anything is returned or routed. Only people whose clearance dominates a
 * conversation's label create it or are added to it; a message's label must be readable by its
 * sender and dominated by the conversation's; a member whose clearance no longer dominates the
 * label gets nothing of it (its tree, attachments, queue items). Refusals are 403s with the
 * policy's code, recorded as security events.
 *
 * And the keys: when a member's devices may no longer read a conversation (clearance lowered,
 * revoked or expired; device revoked) the server has them removed from its MLS group (removals.ts):
 * until a member's commit removes them, no message is accepted (409 REMOVAL_PENDING) and no commit
 * that keeps them is either.
 */
import {
  type ClaimKeyPackagesResponse,
  type CommitRequest,
  type Conversation,
  type ConversationKind,
  LIMITS,
  type QueueItem,
  type QueueResponse,
  type SendMessageRequest,
  toBase64Url,
} from '@valise/protocol';
import type { BusEvent } from '../bus/bus.ts';
import type { ServiceContext } from '../context.ts';
import type { Db } from '../db/schema.ts';
import { chunks, isUniqueViolation } from '../db/transactions.ts';
import { decodeField } from '../encoding.ts';
import { serverError } from '../errors.ts';
import type { Actor } from '../identity/authentication.ts';
import type { ClearanceLoweredHook } from '../identity/clearance-service.ts';
import type { RevocationHook } from '../identity/service.ts';
import { newUlid } from '../ids.ts';
import type { AccessControl } from '../policy/access.ts';
import { actorOfEvent, recordingDenials, recordSecurityEvent } from '../policy/security-events.ts';
import { getBlob, insertBlob } from './blob-store.ts';
import {
  addMembers,
  type ConversationRow,
  conversationFromRow,
  conversationsOfDevice,
  getConversation,
  getRatchetTree,
  insertConversation,
  isMember,
  membersOf,
  removeMembers,
  setEpoch,
  storeRatchetTree,
} from './conversation-store.ts';
import { checkUploadedKeyPackage, keyPackagesExpireBy } from './key-package-check.ts';
import {
  countKeyPackages,
  deleteExpiredKeyPackagesOf,
  deleteKeyPackagesOf,
  insertKeyPackages,
  takeKeyPackage,
} from './key-package-store.ts';
import { assertCleared, conversationsNoLongerReadable, recordWithheld, withheldItems } from './label-checks.ts';
import { acknowledge, clearQueue, dropQueued, type PayloadType, readQueue, storeAndQueue } from './queue-store.ts';
import { clearPendingRemovals, pendingRemovalsOf } from './removal-store.ts';
import { cutsOfDevice, requireRemovals } from './removals.ts';

/** At most this many unclaimed key packages per device and suite: uploads beyond are refused. */
export const MAX_KEY_PACKAGES_PER_SUITE = 1000;
export const QUEUE_DEFAULT_LIMIT = 100;
/** Payload bytes per queue response (beyond its first item). */
export const QUEUE_BYTE_BUDGET = 16 * 1024 * 1024;

type Caller = Awaited<ReturnType<AccessControl['caller']>>;

export class DeliveryService {
  readonly #ctx: ServiceContext;
  readonly #access: AccessControl;

  constructor(ctx: ServiceContext, access: AccessControl) {
    this.#ctx = ctx;
    this.#access = access;
  }

  /** Run a request about a conversation, recording a refusal (403) as a security event. */
  #guarded<T>(actor: Actor, action: string, conversationId: string, work: () => Promise<T>): Promise<T> {
    return recordingDenials(this.#ctx, actor, { action, target: `conversation:${conversationId}` }, work);
  }

  /**
   * Drop what a revoked device held here (its queue, its unclaimed key packages), and have it cut
   * off from every conversation it is a member of (see removals.ts).
   */
  revocationHook(): RevocationHook {
    return async (trx, deviceId, _now, actor) => {
      await clearQueue(trx, this.#ctx.dialect, deviceId);
      await deleteKeyPackagesOf(trx, deviceId);
      return requireRemovals(this.#ctx, trx, await cutsOfDevice(trx, deviceId), {
        reason: 'device-revoked',
        actor: actorOfEvent(actor),
      });
    };
  }

  /**
   * After a person's clearance was lowered, revoked or expired (inside that change's transaction):
   * have their devices cut off from every conversation they may no longer read.
   */
  clearanceLoweredHook(): ClearanceLoweredHook {
    return async (trx, person, cause) => {
      const cuts = (await conversationsNoLongerReadable(trx, this.#access, person)).map((c) => ({
        conversationId: c.conversationId,
        devices: c.deviceIds.map((deviceId) => ({ deviceId, person })),
      }));
      return requireRemovals(this.#ctx, trx, cuts, cause);
    };
  }

  // ---- key packages ------------------------------------------------------------------------------
  /**
   * File key packages for the calling device. Every package must parse and name this device, its
   * person, the request's suite and a lifetime that holds now (see key-package-check.ts), else the
   * whole upload is refused with KEY_PACKAGE_INVALID and nothing is stored.
   */
  async uploadKeyPackages(actor: Actor, req: { suite: number; keyPackages: string[] }): Promise<{ suite: number; count: number }> {
    const { db, clock, crypto } = this.#ctx;
    const now = clock();
    const uploader = { deviceId: actor.deviceId, person: actor.person.handle, suite: req.suite };
    const packages = req.keyPackages.map((kp, i) => {
      const keyPackage = decodeField(kp, `keyPackages[${i}]`);
      return { keyPackage, notAfter: checkUploadedKeyPackage(keyPackage, uploader, now, i) };
    });
    const expiredBy = keyPackagesExpireBy(now);
    const count = await db.transaction().execute(async (trx) => {
      // Expired packages are never handed out: drop them so they do not hold places under the limit.
      await deleteExpiredKeyPackagesOf(trx, actor.deviceId, expiredBy);
      const existing = await countKeyPackages(trx, actor.deviceId, req.suite, expiredBy);
      if (existing + packages.length > MAX_KEY_PACKAGES_PER_SUITE) {
        throw serverError('CONFLICT', `a device may hold at most ${MAX_KEY_PACKAGES_PER_SUITE} unclaimed key packages per suite`);
      }
      await insertKeyPackages(
        trx,
        packages.map((p) => ({ id: newUlid(now, crypto.randomBytes), deviceId: actor.deviceId, suite: req.suite, ...p })),
        now,
      );
      return existing + packages.length;
    });
    return { suite: req.suite, count };
  }

  /** How many unexpired key packages the device holds for a suite: it uploads more when low. */
  async keyPackageCount(actor: Actor, suite: number): Promise<{ suite: number; count: number }> {
    const { db, clock } = this.#ctx;
    return { suite, count: await countKeyPackages(db, actor.deviceId, suite, keyPackagesExpireBy(clock())) };
  }

  /**
   * Hand out one unexpired key package per device (expired ones are deleted on the way); unknown,
   * revoked and exhausted devices are `missing`.
   */
  async claimKeyPackages(_actor: Actor, req: { suite: number; deviceIds: string[] }): Promise<ClaimKeyPackagesResponse> {
    const { db, dialect, clock } = this.#ctx;
    const expiredBy = keyPackagesExpireBy(clock());
    return db.transaction().execute(async (trx) => {
      const live = new Set<string>();
      for (const part of chunks(req.deviceIds)) {
        const rows = await trx.selectFrom('devices').select('id').where('id', 'in', part).where('revoked_at', 'is', null).execute();
        for (const r of rows) live.add(r.id);
      }
      const keyPackages: ClaimKeyPackagesResponse['keyPackages'] = [];
      const missing: string[] = [];
      for (const deviceId of req.deviceIds) {
        const kp = live.has(deviceId) ? await takeKeyPackage(trx, dialect, deviceId, req.suite, expiredBy) : undefined;
        if (kp) keyPackages.push({ deviceId, keyPackage: toBase64Url(kp) });
        else missing.push(deviceId);
      }
      return { keyPackages, missing };
    });
  }

  // ---- conversations -----------------------------------------------------------------------------
  /** Create a conversation: its label is stored in canonical form, and its creator must be cleared for it. */
  async createConversation(actor: Actor, req: { id: string; kind: ConversationKind; label: string; suite: number }): Promise<Conversation> {
    const { db, dialect, clock } = this.#ctx;
    const groupId = decodeField(req.id, 'id');
    if (groupId.length < 16) throw serverError('BAD_REQUEST', 'id must be at least 16 bytes');
    const label = this.#access.labels.fromRequest(req.label);
    return this.#guarded(actor, 'create-conversation', req.id, async () => {
      const { subject } = await this.#access.caller(db, actor);
      this.#access.require(this.#access.engine.canJoin(subject, label.label), 'creating a conversation with this label', label.text);
      const row: ConversationRow = {
        id: req.id,
        kind: req.kind,
        label: label.text,
        suite: req.suite,
        epoch: 0,
        created_by_person: actor.person.handle,
        created_by_device: actor.deviceId,
        created_at: clock().getTime(),
      };
      const member = { deviceId: actor.deviceId, person: actor.person.handle };
      try {
        await db.transaction().execute(async (trx) => {
          if (await getConversation(trx, dialect, req.id)) throw serverError('CONFLICT', 'a conversation with this id already exists');
          await insertConversation(trx, row);
          await addMembers(trx, req.id, [member], 0);
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw serverError('CONFLICT', 'a conversation with this id already exists');
        throw err;
      }
      return conversationFromRow(row, [member]);
    });
  }

  /** The conversations the device is a member of and may still read. */
  async listConversations(actor: Actor): Promise<Conversation[]> {
    const { db } = this.#ctx;
    const all = await conversationsOfDevice(db, actor.deviceId);
    if (all.length === 0) return all;
    const caller = await this.#access.caller(db, actor);
    return all.filter((c) => this.#access.readable(caller, c.label).allowed);
  }

  async getConversation(actor: Actor, id: string): Promise<Conversation> {
    return this.#guarded(actor, 'read-conversation', id, async () => {
      const { db } = this.#ctx;
      const { row } = await this.#readableConversation(db, actor, id, 'reading this conversation');
      return conversationFromRow(row, await membersOf(db, id));
    });
  }

  /** Refuse non-members, and members no longer cleared, before anything else happens (used before reading large bodies). */
  async assertMember(actor: Actor, conversationId: string): Promise<void> {
    await this.#guarded(actor, 'upload-attachment', conversationId, () =>
      this.#readableConversation(this.#ctx.db, actor, conversationId, 'adding to this conversation'),
    );
  }

  async #memberConversation(db: Db, actor: Actor, id: string, lock: 'none' | 'share' | 'update' = 'none'): Promise<ConversationRow> {
    const row = await getConversation(db, this.#ctx.dialect, id, lock);
    if (!row) throw serverError('NOT_FOUND', 'no such conversation');
    if (!(await isMember(db, id, actor.deviceId))) throw serverError('NOT_A_MEMBER', 'this device is not a member of the conversation');
    return row;
  }

  /** A conversation of which the caller's device is a member, and whose label the caller may read now. */
  async #readableConversation(
    db: Db,
    actor: Actor,
    id: string,
    what: string,
    lock: 'none' | 'share' | 'update' = 'none',
  ): Promise<{ row: ConversationRow; caller: Caller }> {
    const row = await this.#memberConversation(db, actor, id, lock);
    const caller = await this.#access.caller(db, actor);
    this.#access.requireRead(caller, row.label, what);
    return { row, caller };
  }

  /**
   * The conversations a person's devices are members of but the person may no longer read (their
   * clearance expired, was revoked or lowered, or the label was raised): each with the person's
   * member devices there. The MLS removal of those devices is triggered from this list.
   */
  conversationsNoLongerReadable(person: string): Promise<{ conversationId: string; deviceIds: string[] }[]> {
    return conversationsNoLongerReadable(this.#ctx.db, this.#access, person);
  }

  /**
   * Apply a commit: one transaction moves the epoch on, changes the membership, stores the new
   * ratchet tree, and queues the commit for the old members (removed ones included, so they learn
   * they are out; the committer excluded) and the welcome for the added devices.
   */
  async commit(actor: Actor, id: string, req: CommitRequest): Promise<{ epoch: number }> {
    return this.#guarded(actor, 'commit', id, () => this.#commit(actor, id, req));
  }

  async #commit(actor: Actor, id: string, req: CommitRequest): Promise<{ epoch: number }> {
    const { db, dialect, clock, crypto } = this.#ctx;
    const commit = decodeField(req.commit, 'commit');
    const welcome = req.welcome === undefined ? undefined : decodeField(req.welcome, 'welcome');
    const ratchetTree = decodeField(req.ratchetTree, 'ratchetTree');
    if (req.added.length > 0 && welcome === undefined) throw serverError('BAD_REQUEST', 'a commit that adds devices needs a welcome');
    if (req.added.length === 0 && welcome !== undefined) throw serverError('BAD_REQUEST', 'a welcome needs added devices');
    const removedSet = new Set(req.removed);
    if (req.added.some((d) => removedSet.has(d))) throw serverError('BAD_REQUEST', 'a device cannot be both added and removed');
    if (removedSet.has(actor.deviceId)) throw serverError('BAD_REQUEST', 'a committer cannot remove its own device');
    const now = clock();

    const { epoch, events } = await db.transaction().execute(async (trx) => {
      const { row: conversation } = await this.#readableConversation(trx, actor, id, 'committing to this conversation', 'update');
      if (conversation.epoch !== req.epoch) {
        throw serverError(
          'EPOCH_MISMATCH',
          `the conversation is at epoch ${conversation.epoch}, not ${req.epoch}: process the queue first`,
        );
      }
      const members = await membersOf(trx, id);
      const memberIds = new Set(members.map((m) => m.deviceId));
      for (const d of req.removed) {
        if (!memberIds.has(d)) throw serverError('CONFLICT', `removed device ${d} is not a member`);
      }
      // Devices pending removal hold this epoch's secrets: no commit may carry the group into a new
      // epoch with them still in it.
      const kept = (await pendingRemovalsOf(trx, id)).filter((p) => !removedSet.has(p.device_id));
      if (kept.length > 0) {
        const shown =
          kept
            .slice(0, 10)
            .map((p) => p.device_id)
            .join(', ') + (kept.length > 10 ? ` and ${kept.length - 10} more` : '');
        throw serverError(
          'REMOVAL_PENDING',
          `devices ${shown} may no longer read this conversation: a commit must remove them (sync, then retry)`,
        );
      }
      const added: { deviceId: string; person: string }[] = [];
      const addedRows = new Map<string, { person_handle: string; revoked_at: number | null }>();
      for (const part of chunks(req.added)) {
        const rows = await trx.selectFrom('devices').select(['id', 'person_handle', 'revoked_at']).where('id', 'in', part).execute();
        for (const r of rows) addedRows.set(r.id, r);
      }
      for (const d of req.added) {
        const row = addedRows.get(d);
        if (!row) throw serverError('NOT_FOUND', `added device ${d} does not exist`);
        if (row.revoked_at !== null) throw serverError('DEVICE_REVOKED', `added device ${d} has been revoked`);
        if (memberIds.has(d)) throw serverError('CONFLICT', `added device ${d} is already a member`);
        added.push({ deviceId: d, person: row.person_handle });
      }
      await assertCleared(trx, this.#access, conversation.label, added);

      const newEpoch = conversation.epoch + 1;
      await setEpoch(trx, id, newEpoch);
      await removeMembers(trx, id, req.removed);
      await addMembers(trx, id, added, newEpoch);
      await storeRatchetTree(trx, id, newEpoch, ratchetTree);
      const completed = await clearPendingRemovals(trx, id, req.removed);
      // A row left by a revocation that raced with this device's earlier removal must not block it once re-added.
      await clearPendingRemovals(
        trx,
        id,
        added.map((a) => a.deviceId),
      );
      if (completed.length > 0) {
        await recordSecurityEvent(trx, this.#ctx, {
          type: 'removal-completed',
          actor: actorOfEvent(actor),
          target: `conversation:${id}`,
          code: null,
          details: {
            devices: completed.map((c) => c.device_id),
            people: [...new Set(completed.map((c) => c.person_handle))],
            reasons: [...new Set(completed.map((c) => c.reason))],
            epoch: newEpoch,
          },
        });
      }

      if (added.length > 0 || req.removed.length > 0) {
        await recordSecurityEvent(trx, this.#ctx, {
          type: 'membership-change',
          actor: actorOfEvent(actor),
          target: `conversation:${id}`,
          code: null,
          details: {
            epoch: newEpoch,
            label: conversation.label,
            added: added.map((a) => ({ device: a.deviceId, person: a.person })),
            removed: req.removed,
          },
        });
      }

      const base = { conversation_id: id, sender_device_id: actor.deviceId, sender_person: actor.person.handle, label: conversation.label };
      const commitRecipients = members.map((m) => m.deviceId).filter((d) => d !== actor.deviceId);
      const events: BusEvent[] = await storeAndQueue(
        trx,
        dialect,
        { ...base, id: newUlid(now, crypto.randomBytes), type: 'commit', epoch: req.epoch, precedence: null, data: commit },
        commitRecipients,
        now,
      );
      if (welcome) {
        const welcomeEvents = await storeAndQueue(
          trx,
          dialect,
          { ...base, id: newUlid(now, crypto.randomBytes), type: 'welcome', epoch: newEpoch, precedence: null, data: welcome },
          added.map((a) => a.deviceId),
          now,
        );
        events.push(...welcomeEvents);
      }
      return { epoch: newEpoch, events };
    });
    await this.#ctx.bus.publish(events);
    return { epoch };
  }

  /** The public ratchet tree of an epoch (default: the latest), for joiners. */
  async ratchetTree(actor: Actor, id: string, epoch?: number): Promise<{ epoch: number; ratchetTree: string }> {
    return this.#guarded(actor, 'read-ratchet-tree', id, () => this.#ratchetTree(actor, id, epoch));
  }

  async #ratchetTree(actor: Actor, id: string, epoch?: number): Promise<{ epoch: number; ratchetTree: string }> {
    const { db } = this.#ctx;
    await this.#readableConversation(db, actor, id, "reading this conversation's ratchet tree");
    const tree = await getRatchetTree(db, id, epoch);
    if (!tree) {
      throw serverError(
        'NOT_FOUND',
        epoch === undefined ? 'no ratchet tree has been stored for this conversation yet' : `no ratchet tree is kept for epoch ${epoch}`,
      );
    }
    return { epoch: tree.epoch, ratchetTree: toBase64Url(tree.tree) };
  }

  /**
   * Queue an application message for every member device but the sender's. Its label (stored in
   * canonical form) must be readable by the sender and dominated by the conversation's label.
   */
  async sendMessage(actor: Actor, id: string, req: SendMessageRequest): Promise<{ id: string }> {
    const { db, clock, crypto } = this.#ctx;
    const ciphertext = decodeField(req.ciphertext, 'ciphertext');
    const label = this.#access.labels.fromRequest(req.label);
    const now = clock();
    const messageId = newUlid(now, crypto.randomBytes);
    const events = await this.#guarded(actor, 'send', id, () =>
      db.transaction().execute(async (trx) => {
        const conversation = await this.#memberConversation(trx, actor, id, 'share');
        const caller = await this.#access.caller(trx, actor);
        this.#access.require(
          this.#access.engine.canSend(caller.subject, caller.device, this.#access.labels.stored(conversation.label), label.label),
          `sending a message labelled ${label.text} into this conversation`,
          conversation.label,
        );
        // Nothing new is encrypted to an epoch whose secrets devices hold that may no longer read it.
        if ((await pendingRemovalsOf(trx, id)).length > 0) {
          throw serverError(
            'REMOVAL_PENDING',
            'devices that may no longer read this conversation are still in its group: sync (which commits their removal), then send again',
          );
        }
        if (conversation.epoch !== req.epoch) {
          throw serverError(
            'EPOCH_MISMATCH',
            `the conversation is at epoch ${conversation.epoch}, not ${req.epoch}: process the queue first`,
          );
        }
        const recipients = (await membersOf(trx, id)).map((m) => m.deviceId).filter((d) => d !== actor.deviceId);
        await recordSecurityEvent(trx, this.#ctx, {
          type: 'send',
          actor: actorOfEvent(actor),
          target: `conversation:${id}`,
          code: null,
          details: {
            message: messageId,
            label: label.text,
            precedence: req.precedence ?? null,
            epoch: req.epoch,
            recipients: recipients.length,
          },
        });
        return storeAndQueue(
          trx,
          this.#ctx.dialect,
          {
            id: messageId,
            conversation_id: id,
            type: 'message',
            epoch: req.epoch,
            sender_device_id: actor.deviceId,
            sender_person: actor.person.handle,
            label: label.text,
            precedence: req.precedence,
            data: ciphertext,
          },
          recipients,
          now,
        );
      }),
    );
    await this.#ctx.bus.publish(events);
    return { id: messageId };
  }

  // ---- the device's queue ------------------------------------------------------------------------
  /**
   * The device's queue. Items of conversations the device may no longer read (the person's
   * clearance no longer dominates the conversation's label or the item's own) are not delivered:
   * they are dropped from the queue and the withholding is recorded as a security event.
   */
  async queue(actor: Actor, after = 0, limit = QUEUE_DEFAULT_LIMIT): Promise<QueueResponse> {
    const { db, dialect } = this.#ctx;
    const { items, more } = await readQueue(db, actor.deviceId, after, limit, QUEUE_BYTE_BUDGET);
    let delivered = items;
    if (items.length > 0) {
      const caller = await this.#access.caller(db, actor);
      const withheld = withheldItems(this.#access, caller, items);
      if (withheld.size > 0) {
        delivered = items.filter((i) => !withheld.has(i.seq));
        await db.transaction().execute((trx) => dropQueued(trx, dialect, actor.deviceId, [...withheld.keys()]));
        await recordWithheld(this.#ctx, actor, items, withheld);
      }
    }
    return {
      more,
      items: delivered.map(({ seq, payload, conversationKind }) => ({
        seq,
        type: payload.type as PayloadType,
        conversationId: payload.conversation_id,
        conversationKind: conversationKind as ConversationKind,
        epoch: payload.epoch,
        payload: toBase64Url(payload.data),
        sender: { deviceId: payload.sender_device_id, person: payload.sender_person },
        ...(payload.type === 'removal-required' ? { system: true as const } : {}),
        ...(payload.type === 'message' ? { messageId: payload.id } : {}),
        label: payload.label,
        ...(payload.precedence ? { precedence: payload.precedence as NonNullable<QueueItem['precedence']> } : {}),
        receivedAt: new Date(payload.created_at).toISOString(),
      })),
    };
  }

  /** Delete the device's queue items up to `upTo`: they reached it. Recorded as one 'deliver' event. */
  async ack(actor: Actor, upTo: number): Promise<{ ok: true }> {
    const { db, dialect } = this.#ctx;
    await db.transaction().execute(async (trx) => {
      const delivered = await acknowledge(trx, dialect, actor.deviceId, upTo);
      if (delivered.length === 0) return;
      await recordSecurityEvent(trx, this.#ctx, {
        type: 'deliver',
        actor: actorOfEvent(actor),
        target: `device:${actor.deviceId}`,
        code: null,
        details: { upTo, items: delivered.length, payloads: [...new Set(delivered)] },
      });
    });
    return { ok: true };
  }

  /**
   * The device reports that its person opened a message (decryption happens only on devices, so
   * only they can say). Recorded as a 'read' event; the caller must be a member of the
   * conversation. Reporting twice records twice: each opening is an access.
   */
  async reportRead(actor: Actor, conversationId: string, messageId: string): Promise<{ ok: true }> {
    const { db } = this.#ctx;
    await this.#guarded(actor, 'read-conversation', conversationId, () =>
      db.transaction().execute(async (trx) => {
        const { row: conversation } = await this.#readableConversation(trx, actor, conversationId, 'reporting a message read');
        await recordSecurityEvent(trx, this.#ctx, {
          type: 'read',
          actor: actorOfEvent(actor),
          target: `conversation:${conversationId}`,
          code: null,
          details: { message: messageId, label: conversation.label },
        });
      }),
    );
    return { ok: true };
  }

  // ---- attachments -------------------------------------------------------------------------------
  async uploadBlob(actor: Actor, conversationId: string, data: Uint8Array): Promise<{ id: string; size: number }> {
    const { db, clock, crypto } = this.#ctx;
    if (data.length === 0) throw serverError('BAD_REQUEST', 'an attachment cannot be empty');
    if (data.length > LIMITS.attachmentBytes)
      throw serverError('PAYLOAD_TOO_LARGE', `attachments are limited to ${LIMITS.attachmentBytes} bytes`);
    const now = clock();
    const id = newUlid(now, crypto.randomBytes);
    await this.#guarded(actor, 'upload-attachment', conversationId, () =>
      db.transaction().execute(async (trx) => {
        await this.#readableConversation(trx, actor, conversationId, 'adding an attachment to this conversation');
        await insertBlob(trx, { id, conversationId, uploaderDeviceId: actor.deviceId, data }, now);
      }),
    );
    return { id, size: data.length };
  }

  async downloadBlob(actor: Actor, conversationId: string, blobId: string): Promise<Uint8Array> {
    return this.#guarded(actor, 'read-attachment', conversationId, async () => {
      const { db } = this.#ctx;
      await this.#readableConversation(db, actor, conversationId, 'reading an attachment of this conversation');
      const data = await getBlob(db, conversationId, blobId);
      if (!data) throw serverError('NOT_FOUND', 'no such attachment in this conversation');
      return data;
    });
  }
}
