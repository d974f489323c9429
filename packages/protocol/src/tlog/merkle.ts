/**
 * RFC 9162 §2.1 Merkle tree hashes and proof generation (MTH, PATH, PROOF/SUBPROOF), for any tree
 * size. Written by hand: no maintained JavaScript library implements RFC 6962/9162 proofs with a
 * pluggable store of subtree hashes, and the algorithms are short and fully specified.
 *
 * Sizes and indices are JavaScript numbers restricted to safe integers (< 2**53); no bitwise
 * operators are used, since those truncate to 32 bits.
 */
import { ValiseError } from '../errors.ts';
import { emptyRoot, nodeHash, TLOG_HASH_SIZE } from './hash.ts';

/**
 * Read access to stored hashes of complete subtrees: `hashAt(level, index)` is the Merkle tree hash
 * of leaves [index * 2**level, (index + 1) * 2**level), which must all exist. Level 0 is the leaf
 * hashes. A server backs this by its hash table or by tiles; it never needs all leaves in memory,
 * since every proof and root touches only O(log n) complete subtrees.
 */
export interface HashReader {
  hashAt(level: number, index: number): Uint8Array | Promise<Uint8Array>;
}

/** A complete subtree: `2**level` leaves starting at leaf `index * 2**level`. */
export interface SubtreeRef {
  level: number;
  index: number;
}

/** A half-open range of leaves [start, end), the argument of one MTH in a proof. */
export interface LeafRange {
  start: number;
  end: number;
}

/** Throw TLOG_BAD_INDEX unless `n` is a non-negative safe integer. */
export function checkTreeNumber(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ValiseError('TLOG_BAD_INDEX', `${name} must be a non-negative safe integer`);
  }
}

/** The largest power of two strictly less than n (n >= 2): the RFC's split point k. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The maximal aligned complete subtrees covering leaves [start, end), left to right. For every
 * range that appears in RFC 9162 (a tree prefix, or a sub-range of a PATH/PROOF) the MTH of the
 * range is the right fold of these hashes: h0 ⊕ (h1 ⊕ (h2 ⊕ …)).
 */
export function completeSubtrees(start: number, end: number): SubtreeRef[] {
  const out: SubtreeRef[] = [];
  let pos = start;
  while (pos < end) {
    let size = 1;
    let level = 0;
    while (pos % (size * 2) === 0 && pos + size * 2 <= end) {
      size *= 2;
      level++;
    }
    out.push({ level, index: pos / size });
    pos += size;
  }
  return out;
}

/** The complete subtrees whose hashes determine the root of a tree of `size` leaves. */
export function rootSubtrees(size: number): SubtreeRef[] {
  checkTreeNumber('tree size', size);
  return completeSubtrees(0, size);
}

/** The leaf ranges whose MTHs form the inclusion proof PATH(index, D[size]), in proof order. */
export function inclusionProofRanges(index: number, size: number): LeafRange[] {
  checkTreeNumber('leaf index', index);
  checkTreeNumber('tree size', size);
  if (index >= size) throw new ValiseError('TLOG_BAD_INDEX', 'leaf index is not below the tree size');
  const stack: LeafRange[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index - lo < k) {
      stack.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      stack.push({ start: lo, end: lo + k });
      lo += k;
    }
  }
  return stack.reverse();
}

/**
 * The leaf ranges whose MTHs form the consistency proof PROOF(m, D[n]), in proof order. Defined for
 * 0 < m <= n (an empty proof when m == n); m == 0 has no proof in RFC 9162 and is refused.
 */
export function consistencyProofRanges(m: number, n: number): LeafRange[] {
  checkTreeNumber('old tree size', m);
  checkTreeNumber('new tree size', n);
  if (m > n) throw new ValiseError('TLOG_BAD_INDEX', 'old tree size exceeds new tree size');
  if (m === 0 && n > 0) throw new ValiseError('TLOG_BAD_INDEX', 'no consistency proof from the empty tree');
  const stack: LeafRange[] = [];
  let lo = 0;
  let hi = n;
  let whole = true; // the RFC's `b`: is the current subtree's old part a whole old tree?
  while (m - lo !== hi - lo) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m - lo <= k) {
      stack.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      stack.push({ start: lo, end: lo + k });
      lo += k;
      whole = false;
    }
  }
  if (!whole) stack.push({ start: lo, end: hi });
  return stack.reverse();
}

function checkHash(h: Uint8Array | undefined, what: string): Uint8Array {
  if (!(h instanceof Uint8Array) || h.length !== TLOG_HASH_SIZE) {
    throw new ValiseError('TLOG_BAD_HASH', `${what} is not a ${TLOG_HASH_SIZE}-byte hash`);
  }
  return h;
}

function foldRight(hashes: Uint8Array[]): Uint8Array {
  let acc = hashes[hashes.length - 1];
  if (acc === undefined) return emptyRoot();
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i] as Uint8Array, acc);
  return acc;
}

/** Every complete-subtree hash of an in-memory tree: `levels[h][i]` is hashAt(h, i). */
export function subtreeLevels(leafHashes: readonly Uint8Array[]): Uint8Array[][] {
  const levels: Uint8Array[][] = [leafHashes.map((h, i) => checkHash(h, `leaf hash ${i}`))];
  for (;;) {
    const below = levels[levels.length - 1] as Uint8Array[];
    if (below.length < 2) return levels;
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) next.push(nodeHash(below[i] as Uint8Array, below[i + 1] as Uint8Array));
    levels.push(next);
  }
}

/** A synchronous HashReader over leaf hashes held in memory (precomputes all subtree hashes). */
export function hashReaderFromLeafHashes(leafHashes: readonly Uint8Array[]): HashReader & {
  hashAt(level: number, index: number): Uint8Array;
} {
  const levels = subtreeLevels(leafHashes);
  return {
    hashAt(level: number, index: number): Uint8Array {
      const h = levels[level]?.[index];
      if (h === undefined) throw new ValiseError('TLOG_BAD_INDEX', `no complete subtree at level ${level} index ${index}`);
      return h;
    },
  };
}

function rangeHashSync(levels: Uint8Array[][], range: LeafRange): Uint8Array {
  return foldRight(completeSubtrees(range.start, range.end).map((s) => levels[s.level]?.[s.index] as Uint8Array));
}

/** MTH(D[n]) of the tree whose leaf hashes are given, for any n (the empty tree included). */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  const levels = subtreeLevels(leafHashes);
  return rangeHashSync(levels, { start: 0, end: leafHashes.length });
}

function checkTreeSize(leafHashes: readonly Uint8Array[], size: number): void {
  checkTreeNumber('tree size', size);
  if (size > leafHashes.length) throw new ValiseError('TLOG_BAD_INDEX', 'tree size exceeds the number of leaves');
}

/** Inclusion proof PATH(index, D[size]) over the first `size` of the given leaf hashes. */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number, size: number): Uint8Array[] {
  checkTreeSize(leafHashes, size);
  const ranges = inclusionProofRanges(index, size);
  const levels = subtreeLevels(leafHashes.slice(0, size));
  return ranges.map((r) => rangeHashSync(levels, r));
}

/** Consistency proof PROOF(m, D[n]) over the first `n` of the given leaf hashes. */
export function consistencyProof(leafHashes: readonly Uint8Array[], m: number, n: number): Uint8Array[] {
  checkTreeSize(leafHashes, n);
  const ranges = consistencyProofRanges(m, n);
  const levels = subtreeLevels(leafHashes.slice(0, n));
  return ranges.map((r) => rangeHashSync(levels, r));
}

async function rangeHashFromReader(reader: HashReader, range: LeafRange): Promise<Uint8Array> {
  const subtrees = completeSubtrees(range.start, range.end);
  const hashes = await Promise.all(
    subtrees.map(async (s) => checkHash(await reader.hashAt(s.level, s.index), `stored hash at level ${s.level} index ${s.index}`)),
  );
  return foldRight(hashes);
}

/** MTH(D[size]) from stored complete-subtree hashes. */
export async function rootFromReader(reader: HashReader, size: number): Promise<Uint8Array> {
  checkTreeNumber('tree size', size);
  return rangeHashFromReader(reader, { start: 0, end: size });
}

/** Inclusion proof PATH(index, D[size]) from stored complete-subtree hashes. */
export async function inclusionProofFromReader(reader: HashReader, index: number, size: number): Promise<Uint8Array[]> {
  const ranges = inclusionProofRanges(index, size);
  return Promise.all(ranges.map((r) => rangeHashFromReader(reader, r)));
}

/** Consistency proof PROOF(m, D[n]) from stored complete-subtree hashes. */
export async function consistencyProofFromReader(reader: HashReader, m: number, n: number): Promise<Uint8Array[]> {
  const ranges = consistencyProofRanges(m, n);
  return Promise.all(ranges.map((r) => rangeHashFromReader(reader, r)));
}
