/**
 * Draining this device's queue on the delivery service, strictly in order: Welcomes join groups
 * (with the ratchet tree fetched from the server, not carried in the Welcome), commits advance
 * epochs, application messages are decrypted, checked and kept. The queue is acknowledged only
 * after what it carried is stored, so a crash part-way re-delivers rather than loses.
 */
import {
  decodeMessageContent,
  decodeRemovalRequired,
  decryptMessage,
  fromBase64Url,
  groupId,
  groupMembers,
  joinFromWelcome,
  processCommit,
  type QueueItem,
  type QueueResponse,
  toBase64Url,
  ValiseError,
  welcomeKeyPackageRefs,
} from '@valise/protocol';
import { type ClientCore, loadConversation, loadGroup, saveConversation } from './core.ts';
import type { DeviceAlert } from './key-monitor.ts';
import { forgetKeyPackage, replenishKeyPackages, takeKeyPackage } from './key-packages.ts';
import type { StoredMessage } from './records.ts';
import { commitRemoval } from './send.ts';

export interface SyncProblem {
  seq: number;
  conversationId: string;
  messageId?: string;
  code: string;
  message: string;
}

export interface SyncResult {
  processed: number;
  messages: StoredMessage[];
  joined: string[];
  problems: SyncProblem[];
  /** Devices of this person newly found enrolled without this device's knowledge (key transparency). */
  alerts: DeviceAlert[];
}

/** Fetch and process everything queued for this device. */
export async function syncQueue(core: ClientCore): Promise<SyncResult> {
  return core.lock(async () => {
    const result: SyncResult = { processed: 0, messages: [], joined: [], problems: [], alerts: [] };
    let after = (await core.store.getJson<number>('sync/cursor')) ?? 0;
    // Store the cursor and acknowledge what has been handled so far (stored, or refused for good).
    const acknowledge = async (upTo: number) => {
      await core.store.putJson('sync/cursor', upTo);
      await core.api.post('/queue/ack', { upTo });
    };
    for (;;) {
      const start = after;
      const page = await core.api.get<QueueResponse>(`/queue?after=${after}&limit=100`);
      // A server that pages backwards, repeats itself or claims more with nothing in hand would
      // make this loop forever or move the cursor back: refuse the page, acknowledge nothing of it.
      if (!Array.isArray(page.items) || (page.more && page.items.length === 0)) {
        throw new ValiseError('BAD_QUEUE_PAGE', 'the server answered the queue with a malformed page');
      }
      let previous = after;
      for (const item of page.items) {
        if (!Number.isSafeInteger(item.seq) || item.seq <= previous) {
          throw new ValiseError('BAD_QUEUE_PAGE', `queue items out of order: ${String(item.seq)} after ${previous}`);
        }
        previous = item.seq;
      }
      for (const item of page.items) {
        try {
          await processItem(core, item, result);
        } catch (err) {
          // A failure of the network, the server or this device's storage says nothing about the
          // item: stop here and acknowledge only what came before, so the item is delivered again
          // rather than acknowledged unread (an acknowledged message is gone from the server).
          if (isEnvironmental(err)) {
            if (after > start) await acknowledge(after);
            throw err;
          }
          // One bad item (tampered, or for a group this device has left) must not block the queue.
          const e = err instanceof ValiseError ? err : new ValiseError('SYNC_ITEM_FAILED', String(err));
          const problem: SyncProblem = { seq: item.seq, conversationId: item.conversationId, code: e.code, message: e.message };
          if (typeof item.messageId === 'string' && ID.test(item.messageId)) {
            problem.messageId = item.messageId;
            // Never shadow a message already stored under this id (read() prefers msg/ anyway).
            if (!(await core.store.get(`msg/${item.messageId}`))) await core.store.putJson(`failed/${item.messageId}`, problem);
          }
          result.problems.push(problem);
        }
        after = item.seq;
        result.processed++;
      }
      if (page.items.length > 0) await acknowledge(after);
      if (!page.more) break;
    }
    // Every sync tops key packages up: it costs one request, and a device whose first upload failed
    // (enrolled, but nothing published) heals on its next sync instead of staying unreachable.
    await replenishKeyPackages(core);
    return result;
  });
}

/** Server-assigned ids (ULIDs) and MLS group ids (16..64 bytes, base64url), as the API defines them. */
const ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const GROUP_ID = /^[A-Za-z0-9_-]{22,86}$/;
const ITEM_TYPES = new Set(['welcome', 'commit', 'message', 'removal-required']);

/**
 * True for failures of the transport, the server or local storage, as opposed to a verdict on the
 * item: those must not lead to acknowledging it. Looks through `cause`, since the MLS layer wraps
 * what a directory lookup threw inside its own error.
 */
function isEnvironmental(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ValiseError) {
      const status = (e as ValiseError & { status?: number }).status;
      if (e.code === 'SERVER_UNREACHABLE' || e.code === 'STORE_CORRUPT') return true;
      if (status !== undefined && (status >= 500 || status === 401 || status === 429)) return true;
    } else if (typeof (e as { code?: unknown }).code === 'string' && /^E[A-Z]+$/.test((e as { code: string }).code)) {
      return true; // a Node system error (ENOSPC, EACCES, EIO...) from the store
    }
  }
  return false;
}

/** The envelope fields this device relies on, checked before anything is done with the item. */
function assertQueueItem(item: QueueItem): void {
  if (!ITEM_TYPES.has(item.type)) throw new ValiseError('BAD_QUEUE_ITEM', 'queue item of an unknown type');
  if (typeof item.conversationId !== 'string' || !GROUP_ID.test(item.conversationId)) {
    throw new ValiseError('BAD_QUEUE_ITEM', 'queue item with a malformed conversation id');
  }
  if (item.type === 'message' && (typeof item.messageId !== 'string' || !ID.test(item.messageId))) {
    throw new ValiseError('BAD_QUEUE_ITEM', 'message without a well-formed id');
  }
  // Removal requests are the server's own (`system`); everything else was sent by a device. An
  // item that claims otherwise is not what the server sends.
  if ((item.type === 'removal-required') !== (item.system === true)) {
    throw new ValiseError('BAD_QUEUE_ITEM', 'only removal requests come from the server itself');
  }
}

async function processItem(core: ClientCore, item: QueueItem, result: SyncResult): Promise<void> {
  assertQueueItem(item);
  const payload = fromBase64Url(item.payload);
  if (item.type === 'welcome') {
    const existing = await loadConversation(core, item.conversationId);
    // A Welcome into a group this device is in would replace its state (and its keys) with one the
    // server chose; it used to be skipped silently. Only a device that was removed may be welcomed back.
    if (existing?.active) {
      throw new ValiseError('ALREADY_JOINED', 'a Welcome arrived for a conversation this device is already in');
    }
    const refs = welcomeKeyPackageRefs(payload);
    let joined = false;
    for (const ref of refs) {
      const kp = await takeKeyPackage(core, ref);
      if (!kp) continue;
      const tree = await core.api.get<{ epoch: number; ratchetTree: string }>(
        `/conversations/${item.conversationId}/ratchet-tree?epoch=${item.epoch}`,
      );
      const group = await joinFromWelcome(
        core.mls,
        payload,
        fromBase64Url(kp.keyPackage),
        fromBase64Url(kp.privatePackage),
        fromBase64Url(tree.ratchetTree),
      );
      // The server names the conversation; the Welcome names the group. They must agree, or a
      // server could file one group's traffic under another conversation.
      if (toBase64Url(groupId(group)) !== item.conversationId) {
        throw new ValiseError('WRONG_GROUP', 'the Welcome is for another group than the conversation it was delivered in');
      }
      await saveConversation(
        core,
        {
          id: item.conversationId,
          kind: item.conversationKind,
          label: item.label,
          suite: kp.suite,
          group: '',
          active: true,
          joinedAt: item.receivedAt,
        },
        group,
      );
      await forgetKeyPackage(core, ref);
      result.joined.push(item.conversationId);
      joined = true;
      break;
    }
    if (!joined) throw new ValiseError('WELCOME_NOT_FOR_US', 'a Welcome arrived for key packages this device does not hold');
    return;
  }

  if (item.type === 'removal-required') {
    await honourRemovalRequest(core, item, payload);
    return;
  }

  if (item.type === 'commit') {
    const { record, group } = await loadGroup(core, item.conversationId);
    const out = await processCommit(core.mls, group, payload);
    if (out.removedSelf) {
      // Forget the group's secrets: this device must not be able to read what follows.
      await saveConversation(core, { ...record, active: false, group: '' });
      return;
    }
    await saveConversation(core, record, out.group);
    return;
  }

  // An application message. Its id is chosen by the server: one already used would overwrite a
  // stored message, so it is refused before anything is decrypted or changed.
  if (item.messageId && (await core.store.get(`msg/${item.messageId}`))) {
    throw new ValiseError('DUPLICATE_MESSAGE', `a message with id ${item.messageId} is already stored`);
  }
  const { record, group } = await loadGroup(core, item.conversationId);
  const out = await decryptMessage(core.mls, group, payload);
  await saveConversation(core, record, out.group);
  if (out.sender.deviceId !== item.sender.deviceId || out.sender.person !== item.sender.person) {
    throw new ValiseError('SENDER_MISMATCH', 'the server named a different sender than the one who signed the message');
  }
  const content = decodeMessageContent(out.plaintext);
  if (content.label !== item.label) {
    throw new ValiseError('LABEL_MISMATCH', `the envelope label "${item.label}" differs from the signed label "${content.label}"`);
  }
  // The originator is what a cable shows as its author: it must be the person whose device signed.
  if (content.originator !== out.sender.person) {
    throw new ValiseError('ORIGINATOR_MISMATCH', 'the message names another originator than the person who signed it');
  }
  if (!item.messageId) throw new ValiseError('BAD_QUEUE_ITEM', 'message without an id');
  const stored: StoredMessage = {
    id: item.messageId,
    conversationId: item.conversationId,
    conversationKind: item.conversationKind,
    kind: content.kind,
    from: out.sender,
    label: content.label,
    precedence: content.precedence,
    subject: content.subject,
    body: content.body,
    tags: content.tags,
    originator: content.originator,
    action: content.action,
    info: content.info,
    attachments: content.attachments,
    sentAt: content.sentAt,
    receivedAt: item.receivedAt,
    read: false,
    outgoing: false,
  };
  await core.store.putJson(`msg/${stored.id}`, stored);
  result.messages.push(stored);
}

/**
 * The server found devices that may no longer read this conversation (clearance dropped, device
 * revoked) and asks the remaining members to cut them off cryptographically: the first member to
 * get here commits their removal. The others lose the race (EPOCH_MISMATCH) and simply process
 * that commit further down their queue. A server can only ask for removals, which it could
 * achieve anyway by not forwarding; it can never add anyone this way, and this device never
 * removes itself (a request naming it is honoured for the others only).
 */
async function honourRemovalRequest(core: ClientCore, item: QueueItem, payload: Uint8Array): Promise<void> {
  const request = decodeRemovalRequired(payload);
  const record = await loadConversation(core, item.conversationId);
  if (!record?.active) return;
  const { group } = await loadGroup(core, item.conversationId);
  const present = new Set(groupMembers(group).map((m) => m.deviceId));
  const targets = request.deviceIds.filter((d) => present.has(d) && d !== core.identity.deviceId);
  if (targets.length === 0) return;
  try {
    await commitRemoval(core, record, group, targets);
  } catch (err) {
    if (err instanceof ValiseError && err.code === 'EPOCH_MISMATCH') return;
    throw err;
  }
}
