/**
 * RFC 9162 §2.1.3.2 and §2.1.4.2 proof verification. The `assert…` functions throw a ValiseError
 * saying why; the `verify…` functions return false for every failure and never throw.
 *
 * Codes: TLOG_BAD_INDEX (index or sizes out of range or not safe integers), TLOG_BAD_HASH (a leaf
 * hash or root is not 32 bytes), TLOG_BAD_PROOF (wrong number of proof hashes, a proof hash that is
 * not 32 bytes, or recomputed roots that do not match).
 */
import { constantTimeEqual } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { emptyRoot, nodeHash, TLOG_HASH_SIZE } from './hash.ts';
import { checkTreeNumber, consistencyProofRanges, inclusionProofRanges } from './merkle.ts';

function checkHashInput(h: Uint8Array, what: string): void {
  if (!(h instanceof Uint8Array) || h.length !== TLOG_HASH_SIZE) {
    throw new ValiseError('TLOG_BAD_HASH', `${what} is not a ${TLOG_HASH_SIZE}-byte hash`);
  }
}

function checkProofShape(proof: readonly Uint8Array[], expected: number): void {
  if (proof.length !== expected) {
    throw new ValiseError('TLOG_BAD_PROOF', `proof has ${proof.length} hashes, expected ${expected}`);
  }
  for (const p of proof) {
    if (!(p instanceof Uint8Array) || p.length !== TLOG_HASH_SIZE) {
      throw new ValiseError('TLOG_BAD_PROOF', `proof hash is not ${TLOG_HASH_SIZE} bytes`);
    }
  }
}

/** Recompute the root of a tree of `size` from a leaf hash and its inclusion proof (throws). */
export function rootFromInclusionProof(leafHash: Uint8Array, index: number, size: number, proof: readonly Uint8Array[]): Uint8Array {
  checkHashInput(leafHash, 'leaf hash');
  checkProofShape(proof, inclusionProofRanges(index, size).length);
  // RFC 9162 §2.1.3.2 steps 2–5.
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw new ValiseError('TLOG_BAD_PROOF', 'inclusion proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ValiseError('TLOG_BAD_PROOF', 'inclusion proof is too short');
  return r;
}

/** Check that `leafHash` is leaf `index` of the tree of `size` with root `root` (throws). */
export function assertInclusion(leafHash: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): void {
  checkHashInput(root, 'root');
  const computed = rootFromInclusionProof(leafHash, index, size, proof);
  if (!constantTimeEqual(computed, root)) throw new ValiseError('TLOG_BAD_PROOF', 'inclusion proof does not lead to the root');
}

/** True when the inclusion proof is valid; false for any failure (never throws). */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    assertInclusion(leafHash, index, size, proof, root);
    return true;
  } catch (err) {
    if (err instanceof ValiseError) return false;
    throw err;
  }
}

/**
 * Check that the tree of size `m` with root `oldRoot` is a prefix of the tree of size `n` with
 * root `newRoot` (throws). Equal sizes need an empty proof and equal roots (for size 0, the
 * empty-tree root). Roots must be 32 bytes even when the sizes are equal. m == 0 < n is refused
 * (TLOG_BAD_INDEX): RFC 9162 defines no proof from the empty tree, and the transparency-dev vectors
 * expect an error; a caller that has seen only the empty tree has nothing to check.
 */
export function assertConsistency(m: number, n: number, proof: readonly Uint8Array[], oldRoot: Uint8Array, newRoot: Uint8Array): void {
  checkTreeNumber('old tree size', m);
  checkTreeNumber('new tree size', n);
  checkHashInput(oldRoot, 'old root');
  checkHashInput(newRoot, 'new root');
  checkProofShape(proof, consistencyProofRanges(m, n).length);
  if (m === n) {
    if (!constantTimeEqual(oldRoot, newRoot)) throw new ValiseError('TLOG_BAD_PROOF', 'equal tree sizes with different roots');
    if (n === 0 && !constantTimeEqual(newRoot, emptyRoot())) throw new ValiseError('TLOG_BAD_PROOF', 'not the root of the empty tree');
    return;
  }
  // RFC 9162 §2.1.4.2. Step 1 (empty path) is covered by the length check: 0 < m < n needs ≥ 1 hash.
  const path = isPowerOfTwo(m) ? [oldRoot, ...proof] : [...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Uint8Array;
  let sr = path[0] as Uint8Array;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) throw new ValiseError('TLOG_BAD_PROOF', 'consistency proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ValiseError('TLOG_BAD_PROOF', 'consistency proof is too short');
  if (!constantTimeEqual(fr, oldRoot)) throw new ValiseError('TLOG_BAD_PROOF', 'consistency proof does not lead to the old root');
  if (!constantTimeEqual(sr, newRoot)) throw new ValiseError('TLOG_BAD_PROOF', 'consistency proof does not lead to the new root');
}

/** True when the consistency proof is valid; false for any failure (never throws). */
export function verifyConsistency(m: number, n: number, proof: readonly Uint8Array[], oldRoot: Uint8Array, newRoot: Uint8Array): boolean {
  try {
    assertConsistency(m, n, proof, oldRoot, newRoot);
    return true;
  } catch (err) {
    if (err instanceof ValiseError) return false;
    throw err;
  }
}

function isPowerOfTwo(x: number): boolean {
  let p = 1;
  while (p < x) p *= 2;
  return p === x;
}
