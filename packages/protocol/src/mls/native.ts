/**
 * Synchronous native hashing, HMAC and AES-GCM for the MLS key schedule and message protection.
 *
 * ts-mls otherwise goes through WebCrypto, whose every call is asynchronous and, in Node, a round
 * trip through libuv's thread pool; MLS makes a dozen such small calls per message and thousands
 * per commit in a large group (tree hashing). Measured here: decrypting a post-quantum message
 * drops from about 2.4 ms to 0.7 ms (bench/mls.ts, BENCHMARKS.md).
 *
 * This file stays isomorphic: instead of importing node:crypto it takes it as an argument, so the
 * protocol package never names a node: module. In Node:
 *   import * as nodeCrypto from 'node:crypto';
 *   const ctx: MlsContext = { crypto: nodeCryptoProvider, native: nativeMlsPrimitives(nodeCrypto), resolveDeviceKey };
 * Browsers simply leave `native` out.
 */
import { concatBytes } from '../bytes.ts';

/** The primitives the MLS layer can take natively. */
export interface MlsNativePrimitives {
  readonly name: string;
  digest(hash: 'SHA-256' | 'SHA-512', data: Uint8Array): Uint8Array;
  hmac(hash: 'SHA-256' | 'SHA-512', key: Uint8Array, data: Uint8Array): Uint8Array;
  /** AES-GCM (128 or 256 by key length); returns ciphertext || 16-byte tag. */
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Throws when the tag does not verify. */
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

interface Digester {
  update(data: Uint8Array): { digest(): Uint8Array };
}
type GcmAlgorithm = 'aes-128-gcm' | 'aes-256-gcm';

/** The part of node:crypto used here (structural, so no Node typings are needed to compile this). */
export interface NodeCryptoSubset {
  createHash(algorithm: string): Digester;
  createHmac(algorithm: string, key: Uint8Array): Digester;
  createCipheriv(
    algorithm: GcmAlgorithm,
    key: Uint8Array,
    iv: Uint8Array,
  ): { setAAD(aad: Uint8Array): unknown; update(data: Uint8Array): Uint8Array; final(): Uint8Array; getAuthTag(): Uint8Array };
  createDecipheriv(
    algorithm: GcmAlgorithm,
    key: Uint8Array,
    iv: Uint8Array,
  ): { setAAD(aad: Uint8Array): unknown; setAuthTag(tag: Uint8Array): unknown; update(data: Uint8Array): Uint8Array; final(): Uint8Array };
}

const algorithm = (hash: 'SHA-256' | 'SHA-512') => (hash === 'SHA-256' ? 'sha256' : 'sha512');

function gcm(key: Uint8Array): GcmAlgorithm {
  if (key.length === 16) return 'aes-128-gcm';
  if (key.length === 32) return 'aes-256-gcm';
  throw new RangeError('AES-GCM key must be 16 or 32 bytes');
}

/** MLS primitives on node:crypto (pass the module: `import * as nodeCrypto from 'node:crypto'`). */
export function nativeMlsPrimitives(nodeCrypto: NodeCryptoSubset): MlsNativePrimitives {
  return {
    name: 'node:crypto',
    // Copies: node returns Buffers, possibly views into a shared pool; Valise passes plain Uint8Arrays.
    digest: (hash, data) => new Uint8Array(nodeCrypto.createHash(algorithm(hash)).update(data).digest()),
    hmac: (hash, key, data) => new Uint8Array(nodeCrypto.createHmac(algorithm(hash), key).update(data).digest()),
    aesGcmSeal(key, nonce, aad, plaintext) {
      const cipher = nodeCrypto.createCipheriv(gcm(key), key, nonce);
      if (aad.length > 0) cipher.setAAD(aad);
      const body = cipher.update(plaintext);
      const tail = cipher.final();
      return concatBytes(body, tail, cipher.getAuthTag());
    },
    aesGcmOpen(key, nonce, aad, ciphertext) {
      if (ciphertext.length < 16) throw new RangeError('AES-GCM ciphertext too short');
      const decipher = nodeCrypto.createDecipheriv(gcm(key), key, nonce);
      if (aad.length > 0) decipher.setAAD(aad);
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
      const body = decipher.update(ciphertext.subarray(0, ciphertext.length - 16));
      return concatBytes(body, decipher.final());
    },
  };
}
