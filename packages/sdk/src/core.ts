/**
 * The state every SDK operation shares: the API client, crypto, the encrypted store, this device's
 * identity, the MLS context, and a lock so that queue processing and commits never interleave on
 * the same group state.
 */
import {
  type CryptoProvider,
  DEFAULT_MLS_SUITE,
  type Device,
  decodeGroup,
  encodeGroup,
  fromBase64Url,
  type MlsContext,
  type MlsDeviceIdentity,
  type MlsGroup,
  type MlsNativePrimitives,
  toBase64Url,
  ValiseError,
} from '@valise/protocol';
import type { ApiClient } from './api-client.ts';
import type { ConversationRecord, DeviceIdentityRecord } from './records.ts';
import type { EncryptedStore } from './storage.ts';
import { requireDeviceKeyPublished } from './transparency.ts';

export interface ClientCore {
  api: ApiClient;
  crypto: CryptoProvider;
  store: EncryptedStore;
  identity: DeviceIdentityRecord;
  mlsIdentity: MlsDeviceIdentity;
  mls: MlsContext;
  suite: number;
  clock: () => Date;
  lock: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** A mutex as a promise chain: one critical section at a time, in call order. */
export function createLock(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * Resolve device keys through the server directory, caching what has been seen. A device listed
 * under another person than the one its MLS credential claims resolves to nothing, so a device
 * cannot speak in a group as someone else.
 */
export function directoryKeyResolver(api: ApiClient, verify?: (device: Device) => Promise<void>): MlsContext['resolveDeviceKey'] {
  const cache = new Map<string, Device>();
  return async (deviceId: string, person: string) => {
    let device = cache.get(deviceId);
    try {
      if (!device) {
        device = await api.get<Device>(`/devices/${encodeURIComponent(deviceId)}`);
        // Key transparency: the key the authentication service is about to trust must be in the log.
        if (verify && device.person === person) await verify(device);
        cache.set(deviceId, device);
      }
      return device.person === person ? fromBase64Url(device.identityKey) : undefined;
    } catch (err) {
      if (err instanceof ValiseError && err.code === 'NOT_FOUND') return undefined;
      throw err;
    }
  };
}

export function makeCore(
  parts: Omit<ClientCore, 'mlsIdentity' | 'mls' | 'suite' | 'lock'> & { suite?: number; mlsNative?: MlsNativePrimitives },
): ClientCore {
  const { identity, mlsNative, ...rest } = parts;
  const core: ClientCore = {
    ...rest,
    identity,
    suite: parts.suite ?? DEFAULT_MLS_SUITE,
    lock: createLock(),
    mlsIdentity: {
      deviceId: identity.deviceId,
      person: identity.person.handle,
      identitySecretKey: fromBase64Url(identity.identitySecretKey),
    },
    mls: {
      crypto: parts.crypto,
      // What a since-revoked device signed before its revocation still verifies; adding one is refused in send.ts.
      resolveDeviceKey: directoryKeyResolver(parts.api, (device) => requireDeviceKeyPublished(core, device, { allowRevoked: true })),
      ...(mlsNative ? { native: mlsNative } : {}),
    },
  };
  return core;
}

const convKey = (id: string) => `conv/${id}`;

export async function loadConversation(core: ClientCore, id: string): Promise<ConversationRecord | undefined> {
  return core.store.getJson<ConversationRecord>(convKey(id));
}

export async function loadGroup(core: ClientCore, id: string): Promise<{ record: ConversationRecord; group: MlsGroup }> {
  const record = await loadConversation(core, id);
  if (!record) throw new ValiseError('CONVERSATION_NOT_FOUND', `this device is not in conversation ${id}`);
  if (!record.active) throw new ValiseError('NOT_A_MEMBER', `this device was removed from conversation ${id}`);
  return { record, group: decodeGroup(fromBase64Url(record.group)) };
}

export async function saveConversation(core: ClientCore, record: ConversationRecord, group?: MlsGroup): Promise<void> {
  const next = group ? { ...record, group: toBase64Url(encodeGroup(group)) } : record;
  await core.store.putJson(convKey(record.id), next);
}

export async function listConversations(core: ClientCore): Promise<ConversationRecord[]> {
  const out: ConversationRecord[] = [];
  for (const key of await core.store.keys('conv/')) {
    const r = await core.store.getJson<ConversationRecord>(key);
    if (r) out.push(r);
  }
  return out;
}
