/**
 * C2SP checkpoint cosignatures (c2sp.org/tlog-cosignature). Two types, both note signatures whose
 * bytes are a `timestamped_signature`: u64 big-endian POSIX seconds || signature.
 *
 * - 0x04, Ed25519: signs `cosignature/v1\ntime <t>\n` followed by the whole checkpoint text
 *   (extension lines included).
 * - 0x06, ML-DSA-44 (FIPS 204, empty context): signs the binary `cosigned_message`
 *   `"subtree/v1\n\0" || u8 len || cosigner name || u64 timestamp || u8 len || origin || u64 start
 *   || u64 end || hash[32]`; for a checkpoint start = 0 and end = tree size. Extension lines are
 *   not signed. Timestamp 0 means "no statement that this is the largest tree seen" (a log signing
 *   its own checkpoint uses 0); a subtree with start > 0 must have timestamp 0.
 *
 * Timestamps are JavaScript numbers: values above 2^53 - 1 (the spec allows up to 2^63 - 1) are
 * refused as COSIGNATURE_MALFORMED.
 */
import { concatBytes, utf8 } from '../bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { ValiseError } from '../errors.ts';
import { type Checkpoint, parseCheckpoint } from './checkpoint.ts';
import { isValidKeyName, NOTE_SIGNATURE_TYPE, type NoteSigner, type NoteVerifier, noteKeyId } from './keys.ts';
import type { NoteSignature } from './signed-note.ts';

const ED25519_SIGNATURE = 64;
const ML_DSA_44_SIGNATURE = 2420;
const SUBTREE_LABEL = utf8('subtree/v1\n\0');

/** A source of POSIX time in whole seconds (injected so tests control the clock). */
export type SecondsClock = () => number;

function malformed(message: string): ValiseError {
  return new ValiseError('COSIGNATURE_MALFORMED', message);
}

function expectUint(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw malformed(`${what} must be an integer from 0 to 2^53 - 1`);
}

function u64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

/** The Ed25519 cosignature/v1 signed message over a checkpoint's whole note text. */
export function ed25519CosignatureMessage(checkpointText: string, timestamp: number): Uint8Array {
  expectUint(timestamp, 'timestamp');
  parseCheckpoint(checkpointText);
  return utf8(`cosignature/v1\ntime ${timestamp}\n${checkpointText}`);
}

/** The fields of an ML-DSA-44 `cosigned_message`. */
export interface SubtreeStatement {
  readonly cosignerName: string;
  readonly timestamp: number;
  readonly origin: string;
  readonly start: number;
  readonly end: number;
  readonly hash: Uint8Array;
}

function lengthPrefixed(text: string, what: string): Uint8Array {
  const bytes = utf8(text);
  if (bytes.length < 1 || bytes.length > 255) throw malformed(`${what} must be 1 to 255 bytes`);
  return concatBytes(Uint8Array.of(bytes.length), bytes);
}

/** Encode the ML-DSA-44 `cosigned_message` (label "subtree/v1\n\0"). */
export function subtreeCosignedMessage(s: SubtreeStatement): Uint8Array {
  expectUint(s.timestamp, 'timestamp');
  expectUint(s.start, 'start');
  expectUint(s.end, 'end');
  if (s.start > s.end) throw malformed('subtree start must not exceed its end');
  if (s.start !== 0 && s.timestamp !== 0) throw malformed('a subtree with start > 0 must have timestamp 0');
  if (!(s.hash instanceof Uint8Array) || s.hash.length !== 32) throw malformed('hash must be 32 bytes');
  return concatBytes(
    SUBTREE_LABEL,
    lengthPrefixed(s.cosignerName, 'cosigner name'),
    u64(s.timestamp),
    lengthPrefixed(s.origin, 'log origin'),
    u64(s.start),
    u64(s.end),
    s.hash,
  );
}

/** The ML-DSA-44 `cosigned_message` for a checkpoint (start 0, end = tree size). */
export function checkpointCosignedMessage(cosignerName: string, timestamp: number, checkpoint: Checkpoint): Uint8Array {
  return subtreeCosignedMessage({
    cosignerName,
    timestamp,
    origin: checkpoint.origin,
    start: 0,
    end: checkpoint.size,
    hash: checkpoint.rootHash,
  });
}

/** Encode a `timestamped_signature`: u64 big-endian timestamp || signature. */
export function encodeTimestampedSignature(timestamp: number, signature: Uint8Array): Uint8Array {
  expectUint(timestamp, 'timestamp');
  return concatBytes(u64(timestamp), signature);
}

/** Decode a `timestamped_signature` whose signature is `signatureLength` bytes; else COSIGNATURE_MALFORMED. */
export function decodeTimestampedSignature(bytes: Uint8Array, signatureLength: number): { timestamp: number; signature: Uint8Array } {
  if (bytes.length !== 8 + signatureLength) throw malformed(`timestamped signature must be ${8 + signatureLength} bytes`);
  const t = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('timestamp beyond 2^53 - 1');
  return { timestamp: Number(t), signature: bytes.slice(8) };
}

/** The timestamp of a cosignature line (type 0x04 or 0x06), e.g. from OpenedNote.verified. */
export function cosignatureTimestamp(sig: NoteSignature): number {
  if (sig.signature.length !== 8 + ED25519_SIGNATURE && sig.signature.length !== 8 + ML_DSA_44_SIGNATURE)
    throw malformed('not a cosignature');
  return decodeTimestampedSignature(sig.signature, sig.signature.length - 8).timestamp;
}

function expectName(name: string): void {
  if (!isValidKeyName(name)) throw new ValiseError('NOTE_BAD_KEY', 'invalid cosigner name');
}

function expectKey(key: Uint8Array, length: number, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== length) throw new ValiseError('NOTE_BAD_KEY', `${what} must be ${length} bytes`);
}

function readClock(clock: SecondsClock): number {
  const t = clock();
  expectUint(t, 'clock time');
  return t;
}

/**
 * What distinguishes the two cosignature types: the signature scheme, the type byte of the key ID,
 * the signature length and how the signed message is built from the checkpoint text. Everything
 * else (timestamped signature bytes, key checks, failure handling) is shared.
 */
interface CosignatureKind {
  type: number;
  publicKeyLength: number;
  signatureLength: number;
  keyLabel: string;
  scheme: (crypto: CryptoProvider) => CryptoProvider['ed25519'];
  message: (name: string, checkpointText: string, timestamp: number) => Uint8Array;
}

const ED25519_COSIGNATURE: CosignatureKind = {
  type: NOTE_SIGNATURE_TYPE.ed25519Cosignature,
  publicKeyLength: 32,
  signatureLength: ED25519_SIGNATURE,
  keyLabel: 'Ed25519 public key',
  scheme: (crypto) => crypto.ed25519,
  message: (_name, text, timestamp) => ed25519CosignatureMessage(text, timestamp),
};

// The ML-DSA-44 type signs the binary subtree message, in which the cosigner name is included.
const ML_DSA_44_COSIGNATURE: CosignatureKind = {
  type: NOTE_SIGNATURE_TYPE.mlDsa44Cosignature,
  publicKeyLength: 1312,
  signatureLength: ML_DSA_44_SIGNATURE,
  keyLabel: 'ML-DSA-44 public key',
  scheme: (crypto) => crypto.mlDsa44,
  message: (name, text, timestamp) => checkpointCosignedMessage(name, timestamp, parseCheckpoint(text)),
};

async function cosignatureSigner(
  kind: CosignatureKind,
  crypto: CryptoProvider,
  name: string,
  secretKey: Uint8Array,
  clock: SecondsClock,
): Promise<NoteSigner> {
  expectName(name);
  const scheme = kind.scheme(crypto);
  const { publicKey } = await scheme.generateKeyPair(secretKey);
  const key = secretKey.slice();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return {
    name,
    keyId: noteKeyId(name, kind.type, publicKey),
    async sign(text) {
      const timestamp = readClock(clock);
      return encodeTimestampedSignature(timestamp, await scheme.sign(key, kind.message(name, decoder.decode(text), timestamp)));
    },
  };
}

function cosignatureVerifier(kind: CosignatureKind, crypto: CryptoProvider, name: string, publicKey: Uint8Array): NoteVerifier {
  expectName(name);
  expectKey(publicKey, kind.publicKeyLength, kind.keyLabel);
  const scheme = kind.scheme(crypto);
  const key = publicKey.slice();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return {
    name,
    keyId: noteKeyId(name, kind.type, key),
    async verify(text, signature) {
      try {
        const { timestamp, signature: sig } = decodeTimestampedSignature(signature, kind.signatureLength);
        return await scheme.verify(key, kind.message(name, decoder.decode(text), timestamp), sig);
      } catch (err) {
        if (err instanceof ValiseError || err instanceof TypeError) return false;
        throw err;
      }
    },
  };
}

/** An Ed25519 cosigner (type 0x04) signing checkpoints with the clock's time. */
export function ed25519CosignatureSigner(
  crypto: CryptoProvider,
  name: string,
  secretKey: Uint8Array,
  clock: SecondsClock,
): Promise<NoteSigner> {
  return cosignatureSigner(ED25519_COSIGNATURE, crypto, name, secretKey, clock);
}

/** An Ed25519 cosignature (type 0x04) verifier. */
export function ed25519CosignatureVerifier(crypto: CryptoProvider, name: string, publicKey: Uint8Array): NoteVerifier {
  return cosignatureVerifier(ED25519_COSIGNATURE, crypto, name, publicKey);
}

/**
 * An ML-DSA-44 cosigner (type 0x06) signing checkpoints. A log signing its own checkpoint under
 * its origin passes a clock returning 0, as the spec allows when no freshness statement is made.
 */
export function mlDsa44CosignatureSigner(
  crypto: CryptoProvider,
  name: string,
  secretKey: Uint8Array,
  clock: SecondsClock,
): Promise<NoteSigner> {
  return cosignatureSigner(ML_DSA_44_COSIGNATURE, crypto, name, secretKey, clock);
}

/** An ML-DSA-44 cosignature (type 0x06) verifier; the cosigner name is part of the signed message. */
export function mlDsa44CosignatureVerifier(crypto: CryptoProvider, name: string, publicKey: Uint8Array): NoteVerifier {
  return cosignatureVerifier(ML_DSA_44_COSIGNATURE, crypto, name, publicKey);
}
