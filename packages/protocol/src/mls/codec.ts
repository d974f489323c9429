/**
 * Byte encodings at the edge of the MLS layer: RFC 9420 MLSMessages (key packages, Welcomes,
 * private messages), the ratchet tree the delivery service serves, the private half of a key
 * package, and the persisted group state. Every decoder is strict: it must consume all the input,
 * and any failure becomes a ValiseError with a stable code, never a half-parsed value.
 */
import {
  type ClientConfig,
  type ClientState,
  decodeGroupState,
  decodeMlsMessage,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  encodeGroupState,
  encodeMlsMessage,
  type KeyPackage,
  type MLSMessage,
  type PrivateKeyPackage,
  type PrivateMessage,
  type RatchetTree,
  type Welcome,
} from 'ts-mls';
import { decodeRatchetTree, encodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { concatBytes } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { type MlsSuiteId, requireMlsSuite, suiteIdFromName } from './suites.ts';

type Decoded<W extends MLSMessage['wireformat']> = Extract<MLSMessage, { wireformat: W }>;

function decodeMessage<W extends MLSMessage['wireformat']>(bytes: Uint8Array, wireformat: W, what: string): Decoded<W> {
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (cause) {
    throw new ValiseError('MLS_BAD_MESSAGE', `malformed MLS ${what}`, { cause });
  }
  // ts-mls decoders return the number of bytes they consumed: all of it, or the input is refused.
  if (!decoded || decoded[1] !== bytes.length) throw new ValiseError('MLS_BAD_MESSAGE', `malformed MLS ${what}`);
  const [message] = decoded;
  if (message.version !== 'mls10') throw new ValiseError('MLS_BAD_MESSAGE', `unsupported MLS version in ${what}`);
  if (message.wireformat !== wireformat) throw new ValiseError('MLS_BAD_MESSAGE', `expected an MLS ${what}, got ${message.wireformat}`);
  return message as Decoded<W>;
}

/** Decode an MLSMessage holding a KeyPackage. */
export function decodeKeyPackageMessage(bytes: Uint8Array): KeyPackage {
  return decodeMessage(bytes, 'mls_key_package', 'key package').keyPackage;
}

/** Decode an MLSMessage holding a Welcome. */
export function decodeWelcomeMessage(bytes: Uint8Array): Welcome {
  return decodeMessage(bytes, 'mls_welcome', 'Welcome').welcome;
}

/** Decode an MLSMessage holding a PrivateMessage (the only framing Valise sends inside a group). */
export function decodePrivateMessage(bytes: Uint8Array): PrivateMessage {
  return decodeMessage(bytes, 'mls_private_message', 'private message').privateMessage;
}

export function encodeKeyPackageMessage(keyPackage: KeyPackage): Uint8Array {
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage });
}

export function encodeWelcomeMessage(welcome: Welcome): Uint8Array {
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome });
}

/** Encode a ratchet tree as RFC 9420's `optional<Node> ratchet_tree<V>` (what the delivery service serves). */
export function encodeTree(tree: RatchetTree): Uint8Array {
  return encodeRatchetTree(tree);
}

/** Decode a served ratchet tree; its contents are checked against the signed tree hash on join. */
export function decodeTree(bytes: Uint8Array): RatchetTree {
  let decoded: [RatchetTree, number] | undefined;
  try {
    decoded = decodeRatchetTree(bytes, 0);
  } catch (cause) {
    throw new ValiseError('MLS_BAD_MESSAGE', 'malformed ratchet tree', { cause });
  }
  if (!decoded || decoded[1] !== bytes.length) throw new ValiseError('MLS_BAD_MESSAGE', 'malformed ratchet tree');
  return decoded[0];
}

// Private key package: version (1) || suite (u16) || 3 x (u16 length || key). SECRET.
const PRIVATE_PACKAGE_VERSION = 1;

/** Encode the private half of a key package. The result is SECRET. */
export function encodePrivatePackage(suite: MlsSuiteId, p: PrivateKeyPackage): Uint8Array {
  const field = (b: Uint8Array) => concatBytes(new Uint8Array([b.length >> 8, b.length & 0xff]), b);
  return concatBytes(
    new Uint8Array([PRIVATE_PACKAGE_VERSION, suite >> 8, suite & 0xff]),
    field(p.initPrivateKey),
    field(p.hpkePrivateKey),
    field(p.signaturePrivateKey),
  );
}

/** Decode the private half of a key package. */
export function decodePrivatePackage(bytes: Uint8Array): { suite: MlsSuiteId; keys: PrivateKeyPackage } {
  const bad = () => new ValiseError('MLS_BAD_KEY_PACKAGE', 'malformed private key package');
  if (bytes.length < 3 || bytes[0] !== PRIVATE_PACKAGE_VERSION) throw bad();
  let suite: MlsSuiteId;
  try {
    suite = requireMlsSuite(((bytes[1] as number) << 8) | (bytes[2] as number));
  } catch {
    throw bad();
  }
  let offset = 3;
  const field = () => {
    if (offset + 2 > bytes.length) throw bad();
    const len = ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
    offset += 2;
    if (len === 0 || offset + len > bytes.length) throw bad();
    const out = bytes.slice(offset, offset + len);
    offset += len;
    return out;
  };
  const keys = { initPrivateKey: field(), hpkePrivateKey: field(), signaturePrivateKey: field() };
  if (offset !== bytes.length) throw bad();
  return { suite, keys };
}

// Persisted group state: version (1) || ts-mls GroupState encoding (which holds PRIVATE KEYS).
const GROUP_STATE_VERSION = 1;

/** Encode a group state for storage. SECRET: it holds the group's private keys and epoch secrets. */
export function encodeState(state: ClientState): Uint8Array {
  return concatBytes(new Uint8Array([GROUP_STATE_VERSION]), encodeGroupState(state));
}

/**
 * Epochs before the current one whose receiving keys a group keeps (ts-mls's default is 4). One
 * covers messages sent just before a commit the recipient has already applied, which is all the
 * delivery service's epoch ordering lets through; each retained epoch also keeps a copy of that
 * epoch's ratchet tree in the stored state (12 MB at 1,000 post-quantum members), and old keys
 * kept are forward secrecy given up.
 */
export const MLS_RETAINED_PAST_EPOCHS = 1;

/** A ClientConfig whose authentication service refuses everything: a decoded state gets a real one per call. */
export function inertConfig(): ClientConfig {
  return {
    keyRetentionConfig: { ...defaultKeyRetentionConfig, retainKeysForEpochs: MLS_RETAINED_PAST_EPOCHS },
    lifetimeConfig: defaultLifetimeConfig,
    keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
    paddingConfig: defaultPaddingConfig,
    authService: { validateCredential: async () => false },
  };
}

/** Decode a stored group state (see encodeState). */
export function decodeState(bytes: Uint8Array): { state: ClientState; suite: MlsSuiteId } {
  if (bytes.length < 2 || bytes[0] !== GROUP_STATE_VERSION) throw new ValiseError('MLS_BAD_STATE', 'unrecognised MLS group state');
  let decoded: ReturnType<typeof decodeGroupState>;
  try {
    decoded = decodeGroupState(bytes, 1);
  } catch (cause) {
    throw new ValiseError('MLS_BAD_STATE', 'malformed MLS group state', { cause });
  }
  // ts-mls decoders return the number of bytes they consumed.
  if (!decoded || 1 + decoded[1] !== bytes.length) throw new ValiseError('MLS_BAD_STATE', 'malformed MLS group state');
  const state: ClientState = { ...decoded[0], clientConfig: inertConfig() };
  return { state, suite: suiteIdFromName(state.groupContext.cipherSuite) };
}
