/**
 * The pouch's key schedule (docs/pouch-format.md, "Keys") and the incremental SHA-256 it hashes
 * bulk bytes with. Every derivation is HKDF-SHA-256 with a distinct "valise-pouch/v1 …" label.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from '../bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';

/** An incremental SHA-256 (node's createHash('sha256') and noble's sha256.create() both fit). */
export interface Sha256Stream {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}
export type Sha256StreamFactory = () => Sha256Stream;

/**
 * The default incremental SHA-256: @noble/hashes, pure JS (≈ 150 MB/s here). Node callers should
 * pass `() => createHash('sha256')` (≈ 1.6 GB/s): the provider interface has only one-shot hashes
 * and protocol may not import node:crypto.
 */
export const nobleSha256Stream: Sha256StreamFactory = () => sha256.create();

const EMPTY = new Uint8Array(0);

/** The key that wraps the content key for one recipient device. */
export function wrapKey(crypto: CryptoProvider, sharedSecret: Uint8Array, deviceId: string): Promise<Uint8Array> {
  return crypto.hkdfSha256(sharedSecret, EMPTY, concatBytes(utf8('valise-pouch/v1 wrap'), new Uint8Array([0]), utf8(deviceId)), 32);
}

/** The STREAM key of the payload chunks. */
export function payloadKey(crypto: CryptoProvider, contentKey: Uint8Array): Promise<Uint8Array> {
  return crypto.hkdfSha256(contentKey, EMPTY, utf8('valise-pouch/v1 payload'), 32);
}

/** The key commitment: signed in the header, so every recipient provably gets the same content key. */
export function keyCommitment(crypto: CryptoProvider, contentKey: Uint8Array): Promise<Uint8Array> {
  return crypto.hkdfSha256(contentKey, EMPTY, utf8('valise-pouch/v1 key commitment'), 32);
}

/** The all-zero nonce of the key wrap: each wrap key is used exactly once. */
export const WRAP_NONCE = new Uint8Array(12);

/** Finish a hash as a plain Uint8Array (node's digest() returns a Buffer). */
export function digestOf(hash: Sha256Stream): Uint8Array {
  return Uint8Array.from(hash.digest());
}
