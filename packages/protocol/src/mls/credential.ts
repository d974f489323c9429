/**
 * Who a leaf in an MLS group is, and the authentication service that decides whether to believe it.
 *
 * An MLS leaf carries a fresh signature key (ML-DSA-87 or Ed25519) and a basic credential. Valise's
 * credential identity binds that key to a device and a person, signed by the device's long-term
 * hybrid identity key (Ed25519 + ML-DSA-65) that the ministry directory publishes:
 *
 *   identity = v (1 byte, = 1)
 *              || u16 len || utf8(deviceId)
 *              || u16 len || utf8(person)
 *              || u16 len || binding
 *   binding  = signHybrid(identitySecretKey, 'mls-binding',
 *                suiteId (2 bytes BE) || MLS signature public key || utf8(deviceId) || 0x00 || utf8(person))
 *
 * The signature key has a fixed length per suite and deviceId may not contain 0x00, so the signed
 * message parses one way only. Binary rather than JSON: the binding alone is 3,373 bytes and the
 * credential sits in every leaf of a tree every joiner downloads.
 *
 * ts-mls's default authentication service accepts every credential. Ours accepts a credential only
 * when the directory knows the device, and the binding verifies under the directory's key for the
 * leaf's actual signature key: a leaf cannot borrow another device's credential, and a device
 * cannot present a key the directory never saw.
 */
import type { AuthenticationService, Credential } from 'ts-mls';
import { concatBytes, fromUtf8, toBase64Url, utf8 } from '../bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { ValiseError } from '../errors.ts';
import { signHybrid, verifyHybrid } from '../identity/hybrid.ts';
import type { MlsNativePrimitives } from './native.ts';
import { MLS_SIGNATURE_PUBLIC_KEY_LENGTH, type MlsSuiteId } from './suites.ts';

/** The device a group leaf belongs to, and the person who holds the device. */
export interface MlsMember {
  deviceId: string;
  person: string;
}

/** A device's long-term identity, as the MLS layer needs it. */
export interface MlsDeviceIdentity {
  deviceId: string;
  person: string;
  /** Hybrid Ed25519 + ML-DSA-65 identity secret key (64 bytes; see identity/hybrid.ts). SECRET. */
  identitySecretKey: Uint8Array;
}

/** What the MLS layer needs from its surroundings. */
export interface MlsContext {
  /** The crypto provider: `nodeCryptoProvider` in Node (native ML-DSA/ML-KEM), `webCryptoProvider` in browsers. */
  crypto: CryptoProvider;
  /**
   * The device's hybrid identity public key from the directory, or undefined when the directory
   * does not know the device (or it was revoked). `person` is the person the credential claims;
   * a resolver that can should return undefined when the directory lists the device under someone
   * else, because the binding only proves what the device's own key signed.
   */
  resolveDeviceKey(deviceId: string, person: string): Promise<Uint8Array | undefined>;
  /**
   * Optional synchronous native hashing/HMAC/AES-GCM for the key schedule and message protection:
   * `nativeMlsPrimitives(nodeCrypto)` in Node (see native.ts). Omit it in browsers.
   */
  native?: MlsNativePrimitives;
}

const CREDENTIAL_VERSION = 1;
const MAX_NAME_BYTES = 256;

export interface CredentialIdentity extends MlsMember {
  binding: Uint8Array;
}

function checkName(kind: string, value: string): Uint8Array {
  const bytes = utf8(value);
  if (bytes.length === 0 || bytes.length > MAX_NAME_BYTES || bytes.includes(0)) {
    throw new ValiseError('MLS_BAD_IDENTITY', `${kind} must be 1-${MAX_NAME_BYTES} UTF-8 bytes without NUL`);
  }
  return bytes;
}

const u16 = (n: number) => new Uint8Array([n >> 8, n & 0xff]);

/** Encode the identity bytes of a Valise basic credential. */
export function encodeCredentialIdentity(id: CredentialIdentity): Uint8Array {
  const device = checkName('deviceId', id.deviceId);
  const person = checkName('person', id.person);
  if (id.binding.length === 0 || id.binding.length > 0xffff) throw new ValiseError('MLS_BAD_IDENTITY', 'invalid binding length');
  return concatBytes(
    new Uint8Array([CREDENTIAL_VERSION]),
    u16(device.length),
    device,
    u16(person.length),
    person,
    u16(id.binding.length),
    id.binding,
  );
}

/** Decode and check the identity bytes of a Valise basic credential; throws MLS_BAD_CREDENTIAL. */
export function decodeCredentialIdentity(bytes: Uint8Array): CredentialIdentity {
  const bad = () => new ValiseError('MLS_BAD_CREDENTIAL', 'malformed Valise MLS credential');
  let offset = 0;
  const field = (): Uint8Array => {
    if (offset + 2 > bytes.length) throw bad();
    const len = ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
    offset += 2;
    if (len === 0 || offset + len > bytes.length) throw bad();
    const out = bytes.subarray(offset, offset + len);
    offset += len;
    return out;
  };
  if (bytes[0] !== CREDENTIAL_VERSION) throw bad();
  offset = 1;
  const device = field();
  const person = field();
  const binding = field();
  if (offset !== bytes.length) throw bad();
  try {
    const deviceId = fromUtf8(device);
    const personName = fromUtf8(person);
    checkName('deviceId', deviceId);
    checkName('person', personName);
    return { deviceId, person: personName, binding: new Uint8Array(binding) };
  } catch (cause) {
    throw new ValiseError('MLS_BAD_CREDENTIAL', 'malformed Valise MLS credential', { cause });
  }
}

/** The message a device's identity key signs to vouch for an MLS signature key. */
export function bindingMessage(suite: MlsSuiteId, signaturePublicKey: Uint8Array, deviceId: string, person: string): Uint8Array {
  return concatBytes(u16(suite), signaturePublicKey, checkName('deviceId', deviceId), new Uint8Array([0]), checkName('person', person));
}

/** Build the basic credential binding `signaturePublicKey` to this device. */
export async function makeCredential(
  crypto: CryptoProvider,
  identity: MlsDeviceIdentity,
  suite: MlsSuiteId,
  signaturePublicKey: Uint8Array,
): Promise<Credential> {
  const message = bindingMessage(suite, signaturePublicKey, identity.deviceId, identity.person);
  const binding = await signHybrid(crypto, identity.identitySecretKey, 'mls-binding', message);
  const identityBytes = encodeCredentialIdentity({ deviceId: identity.deviceId, person: identity.person, binding });
  return { credentialType: 'basic', identity: identityBytes };
}

/** Who a credential names, without judging it (the authentication service judged it on entry). */
export function memberOfCredential(credential: Credential): MlsMember {
  if (credential.credentialType !== 'basic') throw new ValiseError('MLS_BAD_CREDENTIAL', 'not a Valise MLS credential');
  const { deviceId, person } = decodeCredentialIdentity(credential.identity);
  return { deviceId, person };
}

// Positive verifications only, per context (one context = one device), keyed by a digest of
// (identity key, message, binding): a signature that verified once verifies again, and a revoked
// device is stopped before this cache by resolveDeviceKey. Saves the second hybrid verification
// when addDevices checks a key package and ts-mls checks it again inside the commit.
const verifiedBindings = new WeakMap<MlsContext, Map<string, true>>();
const VERIFIED_CACHE_LIMIT = 4096;

async function verifyBinding(ctx: MlsContext, key: Uint8Array, message: Uint8Array, binding: Uint8Array): Promise<boolean> {
  let cache = verifiedBindings.get(ctx);
  if (!cache) {
    cache = new Map();
    verifiedBindings.set(ctx, cache);
  }
  const id = toBase64Url(await ctx.crypto.sha256(concatBytes(u16(key.length), key, u16(message.length), message, binding)));
  if (cache.has(id)) return true;
  const ok = await verifyHybrid(ctx.crypto, key, 'mls-binding', message, binding);
  if (ok) {
    if (cache.size >= VERIFIED_CACHE_LIMIT) cache.clear();
    cache.set(id, true);
  }
  return ok;
}

/** Decide whether a credential is bound to `signaturePublicKey` by a device the directory knows. */
export async function credentialIsBound(
  ctx: MlsContext,
  suite: MlsSuiteId,
  credential: Credential,
  signaturePublicKey: Uint8Array,
): Promise<boolean> {
  if (credential.credentialType !== 'basic') return false;
  if (signaturePublicKey.length !== MLS_SIGNATURE_PUBLIC_KEY_LENGTH[suite]) return false;
  let id: CredentialIdentity;
  try {
    id = decodeCredentialIdentity(credential.identity);
  } catch {
    return false;
  }
  // A directory failure (network, server) propagates as itself: it is not a verdict on the credential.
  const key = await ctx.resolveDeviceKey(id.deviceId, id.person);
  if (!key) return false;
  return verifyBinding(ctx, key, bindingMessage(suite, signaturePublicKey, id.deviceId, id.person), id.binding);
}

/** Records whether the authentication service refused something during one operation. */
export interface RejectionLog {
  rejected: number;
}

/** The authentication service handed to ts-mls for one operation on one group. */
export function valiseAuthenticationService(ctx: MlsContext, suite: MlsSuiteId, log: RejectionLog): AuthenticationService {
  return {
    async validateCredential(credential, signaturePublicKey) {
      const ok = await credentialIsBound(ctx, suite, credential, signaturePublicKey);
      if (!ok) log.rejected++;
      return ok;
    },
  };
}
