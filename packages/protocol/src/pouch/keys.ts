/**
 * The pouch's key schedule (docs/pouch-format.md, "Keys") and the incremental SHA-256 it hashes
 * bulk bytes with. Every derivation is HKDF-SHA-256 with a distinct "valise-pouch/v1 …" label.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from '../bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';

/**
 * An incremental SHA-256 (node's createHash('sha256') and noble's sha256.create() both fit). A
 * stream that hashes elsewhere (another thread) may return a promise from `update` when it needs
 * the caller to wait (bounded memory): the pouch code awaits it before the next `update`, and the
 * bytes given may be reused once it settles. `digest` may return a promise too.
 */
export interface Sha256Stream {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array | Promise<Uint8Array>;
}
/**
 * Makes a Sha256Stream. The pouch code says about how many bytes will be hashed (the payload
 * length) and what for: a factory may pick an in-thread hash for small inputs and a worker thread
 * for large ones. Sealing hashes each ciphertext piece right after encrypting it, while it is in
 * this core's cache; opening and verifying hash bytes fresh from the file (see sha256-worker.ts
 * in the SDK for what was measured).
 */
export type Sha256StreamFactory = (expectedLength?: number, purpose?: 'seal' | 'open' | 'verify') => Sha256Stream;

/** Feed `bytes` to `hash`, returning a promise only when the stream asks the caller to wait. */
export function hashUpdate(hash: Sha256Stream, bytes: Uint8Array): undefined | PromiseLike<unknown> {
  const r = hash.update(bytes);
  return typeof (r as PromiseLike<unknown> | undefined)?.then === 'function' ? (r as PromiseLike<unknown>) : undefined;
}

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
export async function digestOf(hash: Sha256Stream): Promise<Uint8Array> {
  return Uint8Array.from(await hash.digest());
}
