/**
 * Key transparency, the client's side (docs/protocol.md, "Key transparency"):
 * - the log's keys are pinned on first use (at enrolment) and the last verified checkpoint is
 *   remembered; every newer checkpoint must carry both log signatures and extend it (no fork, no
 *   rollback), whatever route it arrives by;
 * - before this device trusts a device key (adding it to a group, or the MLS authentication
 *   service accepting its credential), the key's enrolment must be in the log, included under a
 *   verified checkpoint, naming that device, its person and that very key;
 * - before it seals a pouch to a device, the same holds for the device's pouch key, whose
 *   fingerprint the enrolment event names, and the identity key's signature over it must verify.
 * Everything remembered lives in the encrypted store under `kt/`.
 */
import {
  type Checkpoint,
  concatBytes,
  type Device,
  type DeviceKeyProofResponse,
  fromBase64Url,
  fromStdBase64,
  KEY_EVENT_LEAF_SIZE,
  KEY_EVENT_LEAF_TAG,
  type KeyEventDetails,
  type KeyEventOpening,
  leafHash,
  toBase64Url,
  toStdBase64,
  utf8,
  ValiseError,
  verifyHybrid,
  verifyInclusion,
} from '@valise/protocol';
import { type AuditLogKeys, type AuditLogState, requireConsistentForward, verifyLogCheckpoint } from './checkpoint-trust.ts';
import { type ClientCore, createLock } from './core.ts';

const KEYS = 'kt/log-keys';
const CHECKPOINT = 'kt/checkpoint';
const REVOKED = 'kt/revoked';
const deviceKey = (id: string) => `kt/device/${id}`;

/** A device whose published enrolment this device verified. */
interface VerifiedDevice {
  person: string;
  fingerprint: string;
  /** The pouch key fingerprint its enrolment event names; null when it names none. Absent on older records. */
  pouchKeyFingerprint?: string | null;
  index: number;
  revoked: boolean;
}

// Checkpoint state is read and written by sends (under the client's lock), by the authentication
// service (inside that lock) and by monitoring: a lock of its own, never held while taking another.
const locks = new WeakMap<ClientCore, <T>(fn: () => Promise<T>) => Promise<T>>();
export function transparencyLock(core: ClientCore): <T>(fn: () => Promise<T>) => Promise<T> {
  let lock = locks.get(core);
  if (!lock) {
    lock = createLock();
    locks.set(core, lock);
  }
  return lock;
}

async function servedLogKeys(core: ClientCore): Promise<AuditLogKeys> {
  const lines = (await (await core.api.getLog('vkey')).text()).split('\n').filter((l) => l.length > 0);
  if (lines.length < 2) throw new ValiseError('AUDIT_CHECKPOINT_UNVERIFIED', '/log/vkey must list the Ed25519 key and the ML-DSA-44 key');
  return { vkey: lines[0] as string, vkeyMldsa: lines[1] as string };
}

/** The pinned log keys, pinned now from /log/vkey if this device has none yet (trust on first use). */
export async function pinnedLogKeys(core: ClientCore): Promise<AuditLogKeys> {
  const pinned = await core.store.getJson<AuditLogKeys>(KEYS);
  if (pinned) return pinned;
  const served = await servedLogKeys(core);
  await core.store.putJson(KEYS, served);
  return served;
}

/** The last checkpoint this device verified (size and standard base64 root), if any. */
export function lastVerifiedCheckpoint(core: ClientCore): Promise<AuditLogState | undefined> {
  return core.store.getJson<AuditLogState>(CHECKPOINT);
}

/**
 * Verify a checkpoint note with the pinned keys and require it to extend the remembered one;
 * remember it when it is newer. Call under transparencyLock. Throws AUDIT_KEY_CHANGED,
 * AUDIT_CHECKPOINT_UNVERIFIED, AUDIT_ROLLBACK or AUDIT_FORK.
 */
export async function acceptCheckpoint(core: ClientCore, note: string): Promise<Checkpoint> {
  const keys = await pinnedLogKeys(core);
  let cp: Checkpoint;
  try {
    cp = await verifyLogCheckpoint(core.crypto, keys, note);
  } catch (err) {
    // Tell a changed log key apart from a bad signature: the former is what an attacker would do.
    const served = await servedLogKeys(core).catch(() => undefined);
    if (served && (served.vkey !== keys.vkey || served.vkeyMldsa !== keys.vkeyMldsa)) {
      throw new ValiseError('AUDIT_KEY_CHANGED', 'the server now signs its audit log with keys other than the ones this device pinned', {
        cause: err,
      });
    }
    throw err;
  }
  const previous = await lastVerifiedCheckpoint(core);
  if (previous) {
    await requireConsistentForward(previous, cp, async (from, to) =>
      (await core.api.getLog(`proof/consistency?from=${from}&to=${to}`)).json(),
    );
  }
  if (!previous || cp.size > previous.size) await core.store.putJson(CHECKPOINT, { size: cp.size, root: toStdBase64(cp.rootHash) });
  return cp;
}

/** Fetch the latest checkpoint and accept it (see acceptCheckpoint). Call under transparencyLock. */
export async function refreshCheckpoint(core: ClientCore): Promise<Checkpoint> {
  return acceptCheckpoint(core, await (await core.api.getLog('checkpoint')).text());
}

/** base64url SHA-256 of a hybrid public key (as the directory serves it, base64url). */
export async function keyFingerprint(core: ClientCore, identityKey: string): Promise<string> {
  return toBase64Url(await core.crypto.sha256(fromBase64Url(identityKey)));
}

/** The leaf of a key event opening: 'K' || SHA-256(salt || event). */
export async function keyEventLeaf(core: ClientCore, opening: KeyEventOpening): Promise<Uint8Array> {
  const commitment = await core.crypto.sha256(concatBytes(fromBase64Url(opening.salt), utf8(opening.event)));
  const leaf = new Uint8Array(KEY_EVENT_LEAF_SIZE);
  leaf[0] = KEY_EVENT_LEAF_TAG;
  leaf.set(commitment, 1);
  return leaf;
}

/** The type and details of a key event's canonical text, or undefined when it is not one. */
export function parseKeyEvent(text: string): { type: string; details: KeyEventDetails } | undefined {
  try {
    const ev = JSON.parse(text) as { type?: unknown; details?: Record<string, unknown> };
    const d = ev.details;
    if ((ev.type !== 'device-enrol' && ev.type !== 'device-revoke') || !d) return undefined;
    if (typeof d.deviceId !== 'string' || typeof d.person !== 'string' || typeof d.keyFingerprint !== 'string') return undefined;
    return { type: ev.type, details: d as unknown as KeyEventDetails };
  } catch {
    return undefined;
  }
}

/** Devices the monitor has seen revoked in the log. */
export async function revokedInLog(core: ClientCore): Promise<Set<string>> {
  return new Set((await core.store.getJson<string[]>(REVOKED)) ?? []);
}

export async function rememberRevoked(core: ClientCore, ids: Iterable<string>): Promise<void> {
  const set = await revokedInLog(core);
  const before = set.size;
  for (const id of ids) set.add(id);
  if (set.size !== before) await core.store.putJson(REVOKED, [...set]);
}

function notPublished(device: Pick<Device, 'id' | 'person'>, why: string): ValiseError {
  return new ValiseError(
    'KT_DEVICE_NOT_PUBLISHED',
    `device ${device.id} of ${device.person} is not published in the audit log (${why}): Valise will not encrypt to it. ` +
      'Do not add it; tell your security officer, the server may be serving a key it did not log.',
  );
}

function revokedError(device: Pick<Device, 'id' | 'person'>): ValiseError {
  return new ValiseError(
    'KT_DEVICE_REVOKED',
    `device ${device.id} of ${device.person} was revoked (its revocation is in the audit log): Valise will not encrypt to it`,
  );
}

/**
 * Require `device`'s key (as given: the key about to be trusted) to be published in the log: its
 * enrolment event, included under a verified checkpoint, names this device, its person and this
 * key. A device whose revocation is published is refused too unless `allowRevoked` (verifying
 * what a since-revoked device signed earlier). Verified devices are remembered: repeats are free.
 */
export async function requireDeviceKeyPublished(
  core: ClientCore,
  device: Pick<Device, 'id' | 'person' | 'identityKey'>,
  options: { allowRevoked?: boolean } = {},
): Promise<void> {
  await verifiedDevice(core, device, options);
}

async function verifiedDevice(
  core: ClientCore,
  device: Pick<Device, 'id' | 'person' | 'identityKey'>,
  options: { allowRevoked?: boolean; needPouchKey?: boolean },
): Promise<VerifiedDevice> {
  const fingerprint = await keyFingerprint(core, device.identityKey);
  const revoked = (await revokedInLog(core)).has(device.id);
  const cached = await core.store.getJson<VerifiedDevice>(deviceKey(device.id));
  // A record made before pouch keys were remembered says nothing about them: verify again.
  const usable = cached && (!options.needPouchKey || cached.pouchKeyFingerprint !== undefined);
  if (cached && usable && cached.fingerprint === fingerprint && cached.person === device.person) {
    if ((cached.revoked || revoked) && !options.allowRevoked) throw revokedError(device);
    return cached;
  }
  let proof: DeviceKeyProofResponse;
  try {
    proof = await core.api.get<DeviceKeyProofResponse>(`/transparency/devices/${encodeURIComponent(device.id)}`);
  } catch (err) {
    if (err instanceof ValiseError && err.code === 'NOT_FOUND') throw notPublished(device, 'the server has no enrolment event for it');
    throw err;
  }
  const cp = await transparencyLock(core)(() => acceptCheckpoint(core, proof.checkpoint));
  if (proof.size !== cp.size) throw notPublished(device, 'the proof is not against the checkpoint it came with');
  const included = async (o: DeviceKeyProofResponse['enrol']): Promise<boolean> => {
    let hashes: Uint8Array[];
    try {
      hashes = o.proof.map((h) => fromStdBase64(h, 'KT_DEVICE_NOT_PUBLISHED'));
    } catch {
      return false;
    }
    return verifyInclusion(leafHash(await keyEventLeaf(core, o)), o.index, cp.size, hashes, cp.rootHash);
  };
  const enrol = parseKeyEvent(proof.enrol.event);
  if (enrol?.type !== 'device-enrol' || enrol.details.deviceId !== device.id) {
    throw notPublished(device, 'the event shown is not its enrolment');
  }
  if (!(await included(proof.enrol))) throw notPublished(device, 'its enrolment is not included in the signed checkpoint');
  if (enrol.details.person !== device.person) throw notPublished(device, `the log enrolled it for ${enrol.details.person}`);
  if (enrol.details.keyFingerprint !== fingerprint) throw notPublished(device, 'the log holds another key for it');
  let isRevoked = revoked;
  if (proof.revoke) {
    const rev = parseKeyEvent(proof.revoke.event);
    if (rev && rev.type === 'device-revoke' && rev.details.deviceId === device.id && (await included(proof.revoke))) isRevoked = true;
  }
  const record: VerifiedDevice = {
    person: device.person,
    fingerprint,
    pouchKeyFingerprint: typeof enrol.details.pouchKeyFingerprint === 'string' ? enrol.details.pouchKeyFingerprint : null,
    index: proof.enrol.index,
    revoked: isRevoked,
  };
  await core.store.putJson(deviceKey(device.id), record);
  if (isRevoked && !options.allowRevoked) throw revokedError(device);
  return record;
}

/**
 * Require `device`'s pouch key (as the directory served it) to be the one its published enrolment
 * names, signed by its published identity key, before a pouch is sealed to it. POUCH_NO_POUCH_KEY
 * for a device enrolled without one; KT_DEVICE_NOT_PUBLISHED when the log or the signature disagree.
 * Returns the pouch public key.
 */
export async function requireDevicePouchKeyPublished(
  core: ClientCore,
  device: Pick<Device, 'id' | 'person' | 'identityKey' | 'pouchKey' | 'pouchKeySignature'>,
): Promise<Uint8Array> {
  const record = await verifiedDevice(core, device, { needPouchKey: true });
  if (device.pouchKey === undefined || device.pouchKeySignature === undefined) {
    // A server hiding a published pouch key would quietly drop the device from every pouch.
    if (typeof record.pouchKeyFingerprint === 'string') throw notPublished(device, 'the directory withholds its published pouch key');
    throw new ValiseError(
      'POUCH_NO_POUCH_KEY',
      `device ${device.id} of ${device.person} was enrolled without a pouch key: it cannot receive pouches until it enrols again`,
    );
  }
  let pouchKey: Uint8Array;
  let signature: Uint8Array;
  try {
    pouchKey = fromBase64Url(device.pouchKey);
    signature = fromBase64Url(device.pouchKeySignature);
  } catch {
    throw notPublished(device, 'its pouch key is not well encoded');
  }
  if (record.pouchKeyFingerprint === null || record.pouchKeyFingerprint === undefined) {
    throw notPublished(device, 'its published enrolment names no pouch key');
  }
  if (toBase64Url(await core.crypto.sha256(pouchKey)) !== record.pouchKeyFingerprint) {
    throw notPublished(device, 'the log holds another pouch key for it');
  }
  if (!(await verifyHybrid(core.crypto, fromBase64Url(device.identityKey), 'pouch-key', pouchKey, signature))) {
    throw notPublished(device, 'its pouch key is not signed by its identity key');
  }
  return pouchKey;
}

/** Check every device about to be added to a group (see requireDeviceKeyPublished). */
export async function requireDevicesPublished(
  core: ClientCore,
  devices: readonly Pick<Device, 'id' | 'person' | 'identityKey'>[],
): Promise<void> {
  for (const d of devices) await requireDeviceKeyPublished(core, d);
}
