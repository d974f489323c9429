/**
 * Hybrid device identity: an Ed25519 key and an ML-DSA-65 key used together, so a signature stays
 * unforgeable while either of the two problems stays hard. A hybrid signature is valid only when
 * BOTH component signatures verify over the same domain-separated message.
 *
 * Encodings (fixed length, no framing needed):
 *   public key  = ed25519 public (32) || ML-DSA-65 public (1952)          = 1984 bytes
 *   secret key  = ed25519 seed (32)   || ML-DSA-65 seed (32)              = 64 bytes
 *   signature   = ed25519 sig (64)    || ML-DSA-65 sig (3309)             = 3373 bytes
 *   signed msg  = "valise/v1/" || context || 0x00 || message
 * The context names what is signed ("auth", "enrol", "mls-binding", ...), so a signature made for
 * one purpose can never be replayed as another.
 */
import { concatBytes, toBase64Url, utf8 } from '../bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { SIZES } from '../crypto/provider.ts';
import { ValiseError } from '../errors.ts';

export const HYBRID_PUBLIC_KEY_LENGTH = SIZES.ed25519PublicKey + SIZES.mlDsa65PublicKey;
export const HYBRID_SECRET_KEY_LENGTH = 64;
export const HYBRID_SIGNATURE_LENGTH = SIZES.ed25519Signature + SIZES.mlDsa65Signature;

export interface HybridKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** The contexts a hybrid signature may be made in; one per purpose. */
export type SignatureContext =
  | 'auth'
  | 'enrol'
  | 'mls-binding'
  | 'message'
  | 'pouch-key'
  | 'pouch-marks'
  | 'pouch-seal'
  | 'pouch-custody'
  | 'test';

function domainSeparated(context: SignatureContext, message: Uint8Array): Uint8Array {
  return concatBytes(utf8(`valise/v1/${context}`), new Uint8Array([0]), message);
}

/** Generate a hybrid identity key pair (optionally from a 64-byte seed). */
export async function generateHybridKeyPair(crypto: CryptoProvider, seed?: Uint8Array): Promise<HybridKeyPair> {
  if (seed && seed.length !== HYBRID_SECRET_KEY_LENGTH) throw new ValiseError('BAD_KEY', 'hybrid seed must be 64 bytes');
  const ed = await crypto.ed25519.generateKeyPair(seed?.subarray(0, 32));
  const ml = await crypto.mlDsa65.generateKeyPair(seed?.subarray(32, 64));
  return { publicKey: concatBytes(ed.publicKey, ml.publicKey), secretKey: concatBytes(ed.secretKey, ml.secretKey) };
}

/** Recompute the public key of a hybrid secret key. */
export async function hybridPublicKeyOf(crypto: CryptoProvider, secretKey: Uint8Array): Promise<Uint8Array> {
  return (await generateHybridKeyPair(crypto, secretKey)).publicKey;
}

/** Sign `message` in `context` with both component keys. */
export async function signHybrid(
  crypto: CryptoProvider,
  secretKey: Uint8Array,
  context: SignatureContext,
  message: Uint8Array,
): Promise<Uint8Array> {
  if (secretKey.length !== HYBRID_SECRET_KEY_LENGTH) throw new ValiseError('BAD_KEY', 'hybrid secret key must be 64 bytes');
  const m = domainSeparated(context, message);
  const [ed, ml] = await Promise.all([
    crypto.ed25519.sign(secretKey.subarray(0, 32), m),
    crypto.mlDsa65.sign(secretKey.subarray(32, 64), m),
  ]);
  return concatBytes(ed, ml);
}

/** Verify a hybrid signature: true only when both component signatures verify. Never throws. */
export async function verifyHybrid(
  crypto: CryptoProvider,
  publicKey: Uint8Array,
  context: SignatureContext,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (publicKey.length !== HYBRID_PUBLIC_KEY_LENGTH || signature.length !== HYBRID_SIGNATURE_LENGTH) return false;
  const m = domainSeparated(context, message);
  const [edOk, mlOk] = await Promise.all([
    crypto.ed25519.verify(publicKey.subarray(0, 32), m, signature.subarray(0, 64)),
    crypto.mlDsa65.verify(publicKey.subarray(32), m, signature.subarray(64)),
  ]);
  return edOk && mlOk;
}

/** A short, stable fingerprint of a hybrid public key: base64url(SHA-256(public key)). */
export async function hybridKeyFingerprint(crypto: CryptoProvider, publicKey: Uint8Array): Promise<string> {
  return toBase64Url(await crypto.sha256(publicKey));
}
