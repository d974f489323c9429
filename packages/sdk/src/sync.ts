/**
 * Draining this device's queue on the delivery service, strictly in order: Welcomes join groups
 * (with the ratchet tree fetched from the server, not carried in the Welcome), commits advance
 * epochs, application messages are decrypted, checked and kept. The queue is acknowledged only
 * after what it carried is stored, so a crash part-way re-delivers rather than loses.
 */
import {
  decodeMessageContent,
  decryptMessage,
  fromBase64Url,
  groupId,
  joinFromWelcome,
  processCommit,
  type QueueItem,
  type QueueResponse,
  toBase64Url,
  ValiseError,
  welcomeKeyPackageRefs,
} from '@valise/protocol';
import { type ClientCore, loadConversation, loadGroup, saveConversation } from './core.ts';
import { forgetKeyPackage, replenishKeyPackages, takeKeyPackage } from './key-packages.ts';
import type { StoredMessage } from './records.ts';

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
}

/** Fetch and process everything queued for this device. */
export async function syncQueue(core: ClientCore): Promise<SyncResult> {
  return core.lock(async () => {
    const result: SyncResult = { processed: 0, messages: [], joined: [], problems: [] };
    let after = (await core.store.getJson<number>('sync/cursor')) ?? 0;
    for (;;) {
      const page = await core.api.get<QueueResponse>(`/queue?after=${after}&limit=100`);
      for (const item of page.items) {
        try {
          await processItem(core, item, result);
        } catch (err) {
          // One bad item (tampered, or for a group this device has left) must not block the queue.
          const e = err instanceof ValiseError ? err : new ValiseError('SYNC_ITEM_FAILED', String(err));
          const problem: SyncProblem = { seq: item.seq, conversationId: item.conversationId, code: e.code, message: e.message };
          if (item.messageId) problem.messageId = item.messageId;
          result.problems.push(problem);
          if (item.messageId) await core.store.putJson(`failed/${item.messageId}`, problem);
        }
        after = item.seq;
        result.processed++;
      }
      if (page.items.length > 0) {
        await core.store.putJson('sync/cursor', after);
        await core.api.post('/queue/ack', { upTo: after });
      }
      if (!page.more) break;
    }
    if (result.joined.length > 0 || result.processed > 0) await replenishKeyPackages(core);
    return result;
  });
}

async function processItem(core: ClientCore, item: QueueItem, result: SyncResult): Promise<void> {
  const payload = fromBase64Url(item.payload);
  if (item.type === 'welcome') {
    if (await loadConversation(core, item.conversationId)) return; // already joined
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

  // An application message.
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
