/**
 * ValiseClient: what the CLI, the web app and integrators use. It owns one enrolled device: its
 * keys, its groups and the messages it has decrypted, all in injected, encrypted storage.
 */
import {
  type ApprovalDecisionResponse,
  type CryptoProvider,
  type Device,
  type EnrolResponse,
  enrolmentProofMessage,
  fromBase64Url,
  generateHybridKeyPair,
  generateXWingKeyPair,
  groupMembers,
  type LabelApproval,
  type LabelPolicy,
  type Me,
  type MlsNativePrimitives,
  normaliseEnrolmentCode,
  openAttachment,
  type Person,
  type RelabelResponse,
  type Sha256StreamFactory,
  signHybrid,
  toBase64Url,
  type Unit,
  ValiseError,
} from '@valise/protocol';
import { AdminApi } from './admin.ts';
import { ApiClient, type FetchLike, normaliseServerUrl } from './api-client.ts';
import { type AuditEventsPage, type AuditEventsQuery, readAuditEvents } from './audit-events.ts';
import { type ClientCore, listConversations, loadConversation, loadGroup, makeCore, saveConversation } from './core.ts';
import { devicesOf, listPeople, listUnits } from './directory.ts';
import { type DeviceAlert, deviceAlerts, type MonitorResult, monitorDevices, trustDevice } from './key-monitor.ts';
import { replenishKeyPackages } from './key-packages.ts';
import { canonicalLabel, labelPolicyOf } from './labels.ts';
import { LiveConnection, type LiveEvent, type WebSocketFactory } from './live.ts';
import { PouchApi } from './pouch.ts';
import { flushReadReports, reportRead } from './read-receipts.ts';
import { type ConversationRecord, type DeviceIdentityRecord, PRECEDENCE_RANK, type StoredMessage } from './records.ts';
import {
  addMembers,
  type CableInput,
  createConversation,
  type OutgoingAttachment,
  removeConversationDevices,
  type SendResult,
  sendCable,
  sendToConversation,
} from './send.ts';
import { EncryptedStore, type KeyValueStore, type StorageCipher } from './storage.ts';
import { type SyncResult, syncQueue } from './sync.ts';
import { pinnedLogKeys, requireDeviceKeyPublished } from './transparency.ts';

export interface ClientEnvironment {
  crypto: CryptoProvider;
  store: KeyValueStore;
  cipher: StorageCipher;
  fetch?: FetchLike;
  webSocket?: WebSocketFactory;
  clock?: () => Date;
  /** MLS cipher suite for new conversations (default: the post-quantum suite). */
  suite?: number;
  /** Native hashing/AES for MLS in Node (from `@valise/sdk/node`); browsers leave it out. */
  mlsNative?: MlsNativePrimitives;
  /** Incremental SHA-256 for pouch bulk bytes: node's createHash in Node (`nodeSha256Stream`); default pure JS. */
  sha256Stream?: Sha256StreamFactory;
}

export interface InboxEntry {
  id: string;
  subject: string;
  from: string;
  label: string;
  precedence: StoredMessage['precedence'];
  received: string;
  kind: StoredMessage['kind'];
  conversationId: string;
  read: boolean;
  outgoing: boolean;
}

/** The inbox row of a stored message. */
export function inboxEntryOf(m: StoredMessage): InboxEntry {
  return {
    id: m.id,
    subject: m.subject,
    from: m.from.person,
    label: m.label,
    precedence: m.precedence,
    received: m.receivedAt,
    kind: m.kind,
    conversationId: m.conversationId,
    read: m.read,
    outgoing: m.outgoing,
  };
}

/** A device's key-transparency state, as `deviceVerification` found it. */
export type DeviceVerification = { state: 'verified' } | { state: 'revoked' } | { state: 'unverified'; code: string; reason: string };

export { normaliseEnrolmentCode } from '@valise/protocol';

export class ValiseClient {
  readonly core: ClientCore;
  #live: LiveConnection | undefined;
  readonly #env: ClientEnvironment;

  private constructor(core: ClientCore, env: ClientEnvironment) {
    this.core = core;
    this.#env = env;
  }

  /** Enrol a new device with a one-time code from a security officer. */
  static async enrol(env: ClientEnvironment, input: { serverUrl: string; code: string; deviceName: string }): Promise<ValiseClient> {
    const store = new EncryptedStore(env.store, env.cipher);
    if (await store.get('identity')) {
      throw new ValiseError('ALREADY_ENROLLED', 'this profile already has an enrolled device: use another --profile');
    }
    const serverUrl = normaliseServerUrl(input.serverUrl);
    const api = new ApiClient({ serverUrl, crypto: env.crypto, ...(env.fetch ? { fetch: env.fetch } : {}) });
    const keys = await generateHybridKeyPair(env.crypto);
    // The pouch key is made here, on the device, and signed by the identity key (docs/protocol.md, "Pouch keys").
    const pouch = await generateXWingKeyPair(env.crypto);
    const pouchKeySignature = await signHybrid(env.crypto, keys.secretKey, 'pouch-key', pouch.publicKey);
    const code = normaliseEnrolmentCode(input.code);
    const proof = await signHybrid(env.crypto, keys.secretKey, 'enrol', enrolmentProofMessage(code, keys.publicKey, pouch.publicKey));
    const res = await api.request<EnrolResponse>(
      'POST',
      '/enrol',
      {
        code,
        deviceName: input.deviceName,
        identityKey: toBase64Url(keys.publicKey),
        pouchKey: toBase64Url(pouch.publicKey),
        pouchKeySignature: toBase64Url(pouchKeySignature),
        proof: toBase64Url(proof),
      },
      { auth: false },
    );
    if (res.device.identityKey !== toBase64Url(keys.publicKey) || res.device.pouchKey !== toBase64Url(pouch.publicKey)) {
      throw new ValiseError('ENROLMENT_MISMATCH', 'the server enrolled other keys than the ones this device sent');
    }
    const identity: DeviceIdentityRecord = {
      v: 1,
      serverUrl,
      deviceId: res.device.id,
      deviceName: res.device.name,
      person: res.person,
      organisation: res.organisation,
      identitySecretKey: toBase64Url(keys.secretKey),
      identityPublicKey: toBase64Url(keys.publicKey),
      pouchSecretKey: toBase64Url(pouch.secretKey),
      pouchPublicKey: toBase64Url(pouch.publicKey),
      enrolledAt: res.device.enrolledAt,
    };
    await store.putJson('identity', identity);
    const client = ValiseClient.#fromIdentity(env, store, identity);
    // Trust on first use: the audit log's keys as served at enrolment, required from then on.
    await pinnedLogKeys(client.core);
    await replenishKeyPackages(client.core, true);
    return client;
  }

  /** Open the device already enrolled in this storage. */
  static async open(env: ClientEnvironment): Promise<ValiseClient> {
    const store = new EncryptedStore(env.store, env.cipher);
    const identity = await store.getJson<DeviceIdentityRecord>('identity');
    if (!identity) throw new ValiseError('NOT_ENROLLED', 'no device is enrolled here: log in with an enrolment code first');
    return ValiseClient.#fromIdentity(env, store, identity);
  }

  static #fromIdentity(env: ClientEnvironment, store: EncryptedStore, identity: DeviceIdentityRecord): ValiseClient {
    const api = new ApiClient({
      serverUrl: identity.serverUrl,
      crypto: env.crypto,
      ...(env.fetch ? { fetch: env.fetch } : {}),
      device: {
        deviceId: identity.deviceId,
        identitySecretKey: fromBase64Url(identity.identitySecretKey),
        domain: identity.organisation.domain,
      },
    });
    const core = makeCore({
      api,
      crypto: env.crypto,
      store,
      identity,
      clock: env.clock ?? (() => new Date()),
      ...(env.suite ? { suite: env.suite } : {}),
      ...(env.mlsNative ? { mlsNative: env.mlsNative } : {}),
    });
    return new ValiseClient(core, env);
  }

  get identity(): DeviceIdentityRecord {
    return this.core.identity;
  }

  /** Diplomatic pouches: seal files to a unit, inspect, verify and open them (docs/pouch-format.md). */
  get pouch(): PouchApi {
    return new PouchApi(this.core, this.#env.sha256Stream);
  }

  /** Units, people and enrolment codes, for administrators and security officers. */
  /**
   * Opened audit-log events (every event for security officers, one's own for others), each
   * checked against its commitment and its inclusion in a verified checkpoint.
   */
  auditEvents(query: AuditEventsQuery = {}): Promise<AuditEventsPage> {
    return readAuditEvents(this.core, query);
  }

  get admin(): AdminApi {
    return new AdminApi(this.core.api);
  }

  me(): Promise<Me> {
    return this.core.api.get<Me>('/me');
  }
  people(): Promise<Person[]> {
    return listPeople(this.core);
  }
  units(): Promise<Unit[]> {
    return listUnits(this.core);
  }
  devices(person = this.core.identity.person.handle): Promise<Device[]> {
    return devicesOf(this.core, person);
  }
  async revokeDevice(deviceId: string): Promise<Device> {
    return this.core.api.post<Device>(`/devices/${encodeURIComponent(deviceId)}/revoke`, {});
  }

  /**
   * Whether a device's key is published in the audit log (key transparency): `verified` when its
   * enrolment, naming this very key, is included under a verified checkpoint; `revoked` when its
   * revocation is too; otherwise `unverified` with the reason. Verified devices are remembered.
   */
  async deviceVerification(device: Pick<Device, 'id' | 'person' | 'identityKey'>): Promise<DeviceVerification> {
    try {
      await requireDeviceKeyPublished(this.core, device);
      return { state: 'verified' };
    } catch (err) {
      if (err instanceof ValiseError && err.code === 'KT_DEVICE_REVOKED') return { state: 'revoked' };
      if (err instanceof ValiseError && err.code.startsWith('KT_')) return { state: 'unverified', code: err.code, reason: err.message };
      throw err;
    }
  }

  /** The devices in a conversation's MLS group as this device holds it: who can read what is sent into it. */
  async conversationMembers(conversationId: string): Promise<{ deviceId: string; person: string }[]> {
    const { group } = await loadGroup(this.core, conversationId);
    return groupMembers(group).map((m) => ({ deviceId: m.deviceId, person: m.person }));
  }

  /** Make sure the server holds enough of this device's key packages for others to add it. */
  ensureKeyPackages(): Promise<number> {
    return replenishKeyPackages(this.core);
  }

  /** The organisation's label policy (levels, colours, compartments, REL TO groups). */
  labelPolicy(): Promise<LabelPolicy> {
    return labelPolicyOf(this.core);
  }

  /**
   * Fetch and process everything waiting for this device, then scan the audit log's new key
   * events (alerts for devices of this person it did not enrol are in `alerts`).
   */
  async sync(): Promise<SyncResult> {
    const result = await syncQueue(this.core);
    await flushReadReports(this.core);
    const scan = await monitorDevices(this.core);
    return { ...result, alerts: scan.alerts };
  }

  /** Scan the audit log's key events since the last scan (sync does this too). */
  monitorDevices(): Promise<MonitorResult> {
    return monitorDevices(this.core);
  }

  /** Devices of this person enrolled without this device knowing, not yet trusted. */
  deviceAlerts(): Promise<DeviceAlert[]> {
    return deviceAlerts(this.core);
  }

  /** "It was me": trust a device of this person and clear its alerts (returns the cleared ones). */
  trustDevice(deviceId: string): Promise<DeviceAlert[]> {
    return trustDevice(this.core, deviceId);
  }

  sendCable(input: CableInput): Promise<SendResult> {
    return sendCable(this.core, input);
  }

  async createConversation(input: { kind: 'direct' | 'group'; with: string[]; label: string }) {
    const out = await createConversation(this.core, input);
    return {
      id: out.record.id,
      kind: out.record.kind,
      label: out.record.label,
      recipients: out.recipients,
      devices: out.devices,
      skipped: out.skipped,
      notCleared: out.notCleared,
      unreachableDevices: out.unreachableDevices,
    };
  }

  async sendMessage(
    conversationId: string,
    input: { body: string; subject?: string; attachments?: OutgoingAttachment[] },
  ): Promise<StoredMessage> {
    const current = async () => {
      const conv = (await listConversations(this.core)).find((c) => c.id === conversationId);
      if (!conv) throw new ValiseError('CONVERSATION_NOT_FOUND', `this device is not in conversation ${conversationId}`);
      return conv;
    };
    const send = async () =>
      sendToConversation(this.core, conversationId, {
        kind: 'message',
        label: (await current()).label,
        precedence: 'ROUTINE',
        subject: input.subject ?? '',
        body: input.body,
        tags: [],
        action: [],
        info: [],
        ...(input.attachments ? { attachments: input.attachments } : {}),
      });
    try {
      return await send();
    } catch (err) {
      // Devices that may no longer read this conversation must be removed first: syncing commits
      // their removal (or processes another member's), then the message goes to the rest only.
      if (err instanceof ValiseError && err.code === 'REMOVAL_PENDING') await this.sync();
      // Relabelled since this device last looked: take the new label and send under it.
      else if (err instanceof ValiseError && err.code === 'LABEL_EXCEEDS_CONVERSATION')
        await this.#refreshConversationLabel(conversationId);
      else throw err;
      return send();
    }
  }

  /**
   * Change a conversation's label. Raising it needs clearance for the new label; lowering it needs
   * a security officer and a written justification, and from the top level a second officer's
   * approval (the answer is then `pending-approval`).
   */
  async relabel(conversationId: string, label: string, justification?: string): Promise<RelabelResponse> {
    const { text } = await canonicalLabel(this.core, label);
    const out = await this.core.api.post<RelabelResponse>(`/conversations/${conversationId}/label`, {
      label: text,
      ...(justification ? { justification } : {}),
    });
    if (out.status === 'applied') await this.#refreshConversationLabel(conversationId);
    return out;
  }

  approvals(status: 'pending' | 'approved' | 'rejected' | 'superseded' = 'pending'): Promise<LabelApproval[]> {
    return this.core.api.get<LabelApproval[]>(`/approvals?status=${status}`);
  }
  approve(approvalId: string): Promise<ApprovalDecisionResponse> {
    return this.core.api.post<ApprovalDecisionResponse>(`/approvals/${encodeURIComponent(approvalId)}/approve`, {});
  }
  reject(approvalId: string): Promise<ApprovalDecisionResponse> {
    return this.core.api.post<ApprovalDecisionResponse>(`/approvals/${encodeURIComponent(approvalId)}/reject`, {});
  }

  /** Take the conversation's current label from the server (it may have been relabelled). */
  async #refreshConversationLabel(conversationId: string): Promise<void> {
    const view = await this.core.api.get<{ label: string }>(`/conversations/${conversationId}`);
    await this.core.lock(async () => {
      const record = await loadConversation(this.core, conversationId);
      if (record && record.label !== view.label) await saveConversation(this.core, { ...record, label: view.label });
    });
  }

  /**
   * Devices that may no longer read a conversation must be removed before its membership changes
   * (the server answers 409 REMOVAL_PENDING to a commit that keeps them): syncing commits their
   * removal (or processes another member's), then `work` is tried once more.
   */
  async #afterPendingRemovals<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof ValiseError && err.code === 'REMOVAL_PENDING')) throw err;
      await this.sync();
      return work();
    }
  }

  addMembers(conversationId: string, handles: string[]): Promise<number> {
    return this.#afterPendingRemovals(() => addMembers(this.core, conversationId, handles));
  }

  removeDevices(conversationId: string, deviceIds: string[]): Promise<void> {
    return this.#afterPendingRemovals(() => removeConversationDevices(this.core, conversationId, deviceIds));
  }

  conversations(): Promise<ConversationRecord[]> {
    return listConversations(this.core).then((list) => list.map((c) => ({ ...c, group: '' })));
  }

  /** Messages this device has decrypted (and sent), newest first, FLASH before others of the same minute. */
  async inbox(options: { includeSent?: boolean } = {}): Promise<InboxEntry[]> {
    const out: InboxEntry[] = [];
    for (const key of await this.core.store.keys('msg/')) {
      const m = await this.core.store.getJson<StoredMessage>(key);
      if (!m || (m.outgoing && !options.includeSent)) continue;
      out.push(inboxEntryOf(m));
    }
    return out.sort((a, b) => b.received.localeCompare(a.received) || PRECEDENCE_RANK[a.precedence] - PRECEDENCE_RANK[b.precedence]);
  }

  /** Every message this device holds, full contents, without marking any read (for search on the device). */
  async messages(options: { includeSent?: boolean } = {}): Promise<StoredMessage[]> {
    const out: StoredMessage[] = [];
    for (const key of await this.core.store.keys('msg/')) {
      const m = await this.core.store.getJson<StoredMessage>(key);
      if (m && (options.includeSent || !m.outgoing)) out.push(m);
    }
    return out;
  }

  /** One message with its body; marks it read. A message this device could not decrypt is an error. */
  async read(id: string): Promise<StoredMessage> {
    const m = await this.core.store.getJson<StoredMessage>(`msg/${id}`);
    if (!m) {
      const failed = await this.core.store.getJson<{ code: string; message: string }>(`failed/${id}`);
      if (failed) throw new ValiseError(failed.code, `message ${id} could not be decrypted or verified: ${failed.message}`);
      throw new ValiseError('MESSAGE_NOT_FOUND', `message ${id} is not in this device's inbox (sync first, or it was not sent to you)`);
    }
    if (!m.read) {
      m.read = true;
      await this.core.store.putJson(`msg/${id}`, m);
      // The first opening is an access the audit log records (re-reading a read message is not).
      if (!m.outgoing) await reportRead(this.core, m.conversationId, id);
    }
    return m;
  }

  /** Download and decrypt an attachment of a message. */
  async attachment(messageId: string, index: number): Promise<{ name: string; mediaType: string; bytes: Uint8Array }> {
    const m = await this.read(messageId);
    const ref = m.attachments[index];
    if (!ref) throw new ValiseError('ATTACHMENT_NOT_FOUND', `message ${messageId} has no attachment ${index}`);
    const sealed = await this.core.api.getBytes(`/conversations/${m.conversationId}/blobs/${ref.blobId}`);
    return { name: ref.name, mediaType: ref.mediaType, bytes: await openAttachment(this.core.crypto, ref, sealed) };
  }

  /** Stay connected: the server pushes queue notifications, the client syncs and reports. */
  connect(onEvent: (event: LiveEvent) => void): LiveConnection {
    this.#live?.close();
    this.#live = new LiveConnection(this, onEvent, this.#env.webSocket);
    this.#live.start();
    return this.#live;
  }

  close(): void {
    this.#live?.close();
    this.#live = undefined;
  }
}
