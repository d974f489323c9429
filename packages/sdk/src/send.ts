/**
 * Creating conversations and sending into them. Every conversation is an MLS group whose leaves
 * are the devices of its members; the server only orders commits and forwards ciphertext.
 */
import {
  addDevices,
  type ClaimKeyPackagesResponse,
  type ConversationKind,
  createGroup,
  encodeMessageContent,
  encryptMessage,
  fromBase64Url,
  groupEpoch,
  inspectKeyPackage,
  type LabelPolicy,
  type MessageContent,
  type MlsGroup,
  randomIdBytes,
  removeDevices,
  type SecurityLabel,
  sealAttachment,
  toBase64Url,
  ValiseError,
} from '@valise/protocol';
import { type ClientCore, loadGroup, saveConversation } from './core.ts';
import { type ResolvedRecipients, resolveRecipients } from './directory.ts';
import { canonicalLabel, notClearedError, partitionByClearance } from './labels.ts';
import type { ConversationRecord, StoredMessage } from './records.ts';
import { requireDevicesPublished } from './transparency.ts';

export type Precedence = MessageContent['precedence'];

export interface OutgoingAttachment {
  name: string;
  mediaType: string;
  bytes: Uint8Array;
  /** Told as this attachment is encrypted, uploaded and done (for a progress indicator per file). */
  onProgress?: (stage: 'encrypting' | 'uploading' | 'uploaded') => void;
}

export interface CableInput {
  /** Action addressees: people or units. */
  to: string[];
  /** Info addressees: people or units. */
  info?: string[];
  subject: string;
  body: string;
  label: string;
  precedence?: Precedence;
  tags?: string[];
  attachments?: OutgoingAttachment[];
}

export interface SendResult {
  id: string;
  conversationId: string;
  recipients: string[];
  devices: number;
  skipped: string[];
  /** Members of addressed units left out because their clearance does not cover the label. */
  notCleared: string[];
  /** Devices of reached people that had no key package left: they will not see this conversation. */
  unreachableDevices: string[];
}

/** Create a conversation with the given members' devices (the sender's other devices included). */
export async function createConversation(
  core: ClientCore,
  input: { kind: ConversationKind; with: string[]; label: string },
): Promise<{
  record: ConversationRecord;
  recipients: string[];
  devices: number;
  skipped: string[];
  notCleared: string[];
  unreachableDevices: string[];
}> {
  const { label, text: labelText, policy } = await canonicalLabel(core, input.label);
  const resolved = withoutUncleared(policy, label, labelText, core.identity.person.handle, await resolveRecipients(core, input.with));
  // Key transparency: nothing is encrypted to a device whose key is not in the audit log.
  await requireDevicesPublished(core, resolved.devices);
  return core.lock(async () => {
    const id = toBase64Url(randomIdBytes(core.crypto.randomBytes, 32));
    let group = await createGroup(core.mls, core.mlsIdentity, core.suite, fromBase64Url(id));
    await core.api.post('/conversations', { id, kind: input.kind, label: labelText, suite: core.suite });
    let added = 0;
    let unreachableDevices: string[] = [];
    if (resolved.devices.length > 0) {
      const claim = await core.api.post<ClaimKeyPackagesResponse>('/key-packages/claim', {
        suite: core.suite,
        deviceIds: resolved.devices.map((d) => d.id),
      });
      assertEveryoneReached(resolved, claim);
      unreachableDevices = claim.missing;
      if (claim.keyPackages.length > 0) {
        group = await commitAdd(
          core,
          id,
          group,
          claim,
          resolved.devices.map((d) => d.id),
        );
        added = claim.keyPackages.length;
      }
    }
    const record: ConversationRecord = {
      id,
      kind: input.kind,
      label: labelText,
      suite: core.suite,
      group: '',
      active: true,
      joinedAt: core.clock().toISOString(),
    };
    await saveConversation(core, record, group);
    return {
      record,
      recipients: resolved.people.map((p) => p.handle),
      devices: added,
      skipped: resolved.skipped,
      notCleared: resolved.notCleared,
      unreachableDevices,
    };
  });
}

/**
 * Nobody receives a key to a label they may not read. The writer must be cleared for it; a person
 * named directly who is not cleared stops the send before anything leaves the device; members of
 * an addressed unit who are not cleared are left out and reported.
 */
function withoutUncleared(
  policy: LabelPolicy,
  label: SecurityLabel,
  labelText: string,
  self: string,
  resolved: ResolvedRecipients,
): ResolvedRecipients & { notCleared: string[] } {
  const { notCleared } = partitionByClearance(policy, label, resolved.people);
  const writer = notCleared.find((p) => p.handle === self);
  if (writer) {
    throw new ValiseError('LABEL_NOT_DOMINATED', `you are cleared to ${writer.clearance}: you cannot write ${labelText}`);
  }
  const named = notCleared.filter((p) => resolved.direct.includes(p.handle));
  if (named.length > 0) throw notClearedError(labelText, named);
  const out = new Set(notCleared.map((p) => p.handle));
  return {
    ...resolved,
    people: resolved.people.filter((p) => !out.has(p.handle)),
    devices: resolved.devices.filter((d) => !out.has(d.person)),
    notCleared: [...out],
  };
}

/** A directly named person none of whose devices has a key package left would silently miss the message. */
function assertEveryoneReached(resolved: ResolvedRecipients, claim: ClaimKeyPackagesResponse): void {
  const reached = new Set<string>();
  const personOf = new Map(resolved.devices.map((d) => [d.id, d.person]));
  for (const k of claim.keyPackages) reached.add(personOf.get(k.deviceId) ?? '');
  for (const handle of resolved.direct) {
    if (!reached.has(handle)) {
      throw new ValiseError(
        'RECIPIENT_NO_KEYS',
        `none of ${handle}'s devices has published keys to be added with: they should open Valise once (which publishes fresh keys), then retry`,
      );
    }
  }
}

/**
 * The server hands out key packages; it must not choose whom they add. Every package must be for
 * a device that was asked for, at most one each, and its credential must name that very device:
 * the authentication service only checks that a credential is bound to SOME device of the
 * directory, so without this a server (or a device re-uploading a package it claimed) could
 * swap in another device, or slip an extra one into every conversation.
 */
function assertClaimMatches(requested: readonly string[], claim: ClaimKeyPackagesResponse): void {
  const wanted = new Set(requested);
  const seen = new Set<string>();
  for (const [i, k] of claim.keyPackages.entries()) {
    if (!wanted.has(k.deviceId) || seen.has(k.deviceId)) {
      throw new ValiseError(
        'KEY_PACKAGE_MISMATCH',
        `the server handed out a key package for device ${k.deviceId}, which was not asked for`,
      );
    }
    seen.add(k.deviceId);
    let named: string;
    try {
      named = inspectKeyPackage(fromBase64Url(k.keyPackage)).deviceId;
    } catch (cause) {
      throw new ValiseError('KEY_PACKAGE_MISMATCH', `key package ${i} is malformed`, { cause });
    }
    if (named !== k.deviceId) {
      throw new ValiseError('KEY_PACKAGE_MISMATCH', `the key package handed out for device ${k.deviceId} belongs to another device`);
    }
  }
}

async function commitAdd(
  core: ClientCore,
  conversationId: string,
  group: MlsGroup,
  claim: ClaimKeyPackagesResponse,
  requested: readonly string[],
): Promise<MlsGroup> {
  assertClaimMatches(requested, claim);
  const epoch = groupEpoch(group);
  const out = await addDevices(
    core.mls,
    group,
    claim.keyPackages.map((k) => fromBase64Url(k.keyPackage)),
  );
  await core.api.post(`/conversations/${conversationId}/commits`, {
    epoch,
    commit: toBase64Url(out.commit),
    welcome: toBase64Url(out.welcome),
    ratchetTree: toBase64Url(out.ratchetTree),
    added: out.added.map((a) => a.deviceId),
    removed: [],
  });
  return out.group;
}

/** Add people (or units) to an existing conversation: one commit adding all their devices. */
export async function addMembers(core: ClientCore, conversationId: string, handles: string[]): Promise<number> {
  const resolved = await resolveRecipients(core, handles);
  return core.lock(async () => {
    const { record, group } = await loadGroup(core, conversationId);
    const { members } = await core.api.get<{ members: { deviceId: string }[] }>(`/conversations/${conversationId}`);
    const present = new Set(members.map((m) => m.deviceId));
    const fresh = resolved.devices.filter((d) => !present.has(d.id));
    if (fresh.length === 0) return 0;
    await requireDevicesPublished(core, fresh);
    const claim = await core.api.post<ClaimKeyPackagesResponse>('/key-packages/claim', {
      suite: record.suite,
      deviceIds: fresh.map((d) => d.id),
    });
    if (claim.keyPackages.length === 0) return 0;
    const next = await commitAdd(
      core,
      conversationId,
      group,
      claim,
      fresh.map((d) => d.id),
    );
    await saveConversation(core, record, next);
    return claim.keyPackages.length;
  });
}

/** Remove devices from a conversation: after this commit they cannot decrypt anything new. */
export async function removeConversationDevices(core: ClientCore, conversationId: string, deviceIds: string[]): Promise<void> {
  await core.lock(async () => {
    const { record, group } = await loadGroup(core, conversationId);
    await commitRemoval(core, record, group, deviceIds);
  });
}

/** The removal commit itself, for callers already holding the lock (queue processing). */
export async function commitRemoval(core: ClientCore, record: ConversationRecord, group: MlsGroup, deviceIds: string[]): Promise<MlsGroup> {
  const epoch = groupEpoch(group);
  const out = await removeDevices(core.mls, group, deviceIds);
  await core.api.post(`/conversations/${record.id}/commits`, {
    epoch,
    commit: toBase64Url(out.commit),
    ratchetTree: toBase64Url(out.ratchetTree),
    added: [],
    removed: deviceIds,
  });
  await saveConversation(core, record, out.group);
  return out.group;
}

/** Encrypt and send one message into a conversation this device belongs to. */
export async function sendToConversation(
  core: ClientCore,
  conversationId: string,
  input: Omit<MessageContent, 'v' | 'originator' | 'sentAt' | 'attachments'> & { attachments?: OutgoingAttachment[] },
): Promise<StoredMessage> {
  return core.lock(async () => {
    const { record, group } = await loadGroup(core, conversationId);
    const attachments = [];
    for (const a of input.attachments ?? []) {
      a.onProgress?.('encrypting');
      const sealed = await sealAttachment(core.crypto, a.bytes);
      a.onProgress?.('uploading');
      const blob = await core.api.postBytes<{ id: string }>(`/conversations/${conversationId}/blobs`, sealed.ciphertext);
      a.onProgress?.('uploaded');
      attachments.push({
        blobId: blob.id,
        name: a.name,
        mediaType: a.mediaType,
        size: a.bytes.length,
        key: sealed.key,
        nonce: sealed.nonce,
        sha256: sealed.sha256,
      });
    }
    const content: MessageContent = {
      v: 1,
      kind: input.kind,
      label: input.label,
      precedence: input.precedence,
      subject: input.subject,
      body: input.body,
      tags: input.tags,
      originator: core.identity.person.handle,
      action: input.action,
      info: input.info,
      attachments,
      sentAt: core.clock().toISOString(),
    };
    if (content.label !== record.label && record.kind === 'cable') {
      throw new ValiseError('LABEL_MISMATCH', `a cable carries its conversation's label (${record.label})`);
    }
    const epoch = groupEpoch(group);
    const out = await encryptMessage(core.mls, group, encodeMessageContent(content));
    // Save the advanced ratchet before sending: reusing a generation would repeat a nonce.
    await saveConversation(core, record, out.group);
    const sent = await core.api.post<{ id: string }>(`/conversations/${conversationId}/messages`, {
      epoch,
      ciphertext: toBase64Url(out.message),
      label: content.label,
      precedence: content.precedence,
    });
    const stored: StoredMessage = {
      ...content,
      id: sent.id,
      conversationId,
      conversationKind: record.kind,
      from: { person: core.identity.person.handle, deviceId: core.identity.deviceId },
      receivedAt: content.sentAt,
      read: true,
      outgoing: true,
    };
    await core.store.putJson(`msg/${stored.id}`, stored);
    return stored;
  });
}

/** A cable: a new MLS group of the addressees' devices, and the formal message sent into it. */
export async function sendCable(core: ClientCore, input: CableInput): Promise<SendResult> {
  if (input.to.length === 0) throw new ValiseError('NO_RECIPIENTS', 'a cable needs at least one action addressee');
  const conv = await createConversation(core, { kind: 'cable', with: [...input.to, ...(input.info ?? [])], label: input.label });
  const message = await sendToConversation(core, conv.record.id, {
    kind: 'cable',
    label: conv.record.label,
    precedence: input.precedence ?? 'ROUTINE',
    subject: input.subject,
    body: input.body,
    tags: input.tags ?? [],
    action: input.to,
    info: input.info ?? [],
    ...(input.attachments ? { attachments: input.attachments } : {}),
  });
  return {
    id: message.id,
    conversationId: conv.record.id,
    recipients: conv.recipients,
    devices: conv.devices,
    skipped: conv.skipped,
    notCleared: conv.notCleared,
    unreachableDevices: conv.unreachableDevices,
  };
}
