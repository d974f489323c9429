/**
 * RFC 6962 §2.1 / RFC 9162 §2.1 Merkle tree hashing with SHA-256. The Merkle math must run in
 * browsers and synchronously, so it uses @noble/hashes rather than the async crypto provider.
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** Size in bytes of every Merkle tree hash (SHA-256). */
export const TLOG_HASH_SIZE = 32;

/** Leaf hash: SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + data.length);
  buf[0] = 0x00;
  buf.set(data, 1);
  return sha256(buf);
}

/** Interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = 0x01;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

/** Merkle tree hash of the empty tree: SHA-256 of the empty string. */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}
