/**
 * A log monitor's incremental view of the tree: the hashes of the maximal complete subtrees of
 * the first `size` leaves (the "frontier", O(log n) hashes). Extending it with the next leaves
 * gives the root of the larger tree without refetching anything seen before, so a monitor can
 * check that the entries it read are exactly those a verified checkpoint commits to.
 */
import { ValiseError } from '../errors.ts';
import { nodeHash } from './hash.ts';
import { rootFromReader, rootSubtrees } from './merkle.ts';

export interface TreeFrontier {
  size: number;
  /** Hashes of rootSubtrees(size), left to right. */
  hashes: Uint8Array[];
}

/** The frontier of the empty tree. */
export const EMPTY_FRONTIER: TreeFrontier = { size: 0, hashes: [] };

/** Extend `frontier` by the leaf hashes that follow it: the new root and the new frontier. */
export async function extendFrontier(
  frontier: TreeFrontier,
  newLeafHashes: readonly Uint8Array[],
): Promise<{ root: Uint8Array; frontier: TreeFrontier }> {
  const subtrees = rootSubtrees(frontier.size);
  if (subtrees.length !== frontier.hashes.length) {
    throw new ValiseError('TLOG_BAD_INDEX', `a frontier of size ${frontier.size} has ${subtrees.length} hashes`);
  }
  const known = new Map<string, Uint8Array>();
  for (const [i, s] of subtrees.entries()) known.set(`${s.level}/${s.index}`, frontier.hashes[i] as Uint8Array);
  for (const [i, h] of newLeafHashes.entries()) known.set(`0/${frontier.size + i}`, h);
  // Any subtree a root of the larger tree needs is a frontier subtree, a run of new leaves, or
  // straddles the two and splits into its children.
  const hashAt = (level: number, index: number): Uint8Array => {
    const key = `${level}/${index}`;
    const hit = known.get(key);
    if (hit) return hit;
    if (level === 0) throw new ValiseError('TLOG_BAD_HASH', `leaf ${index} is neither in the frontier nor new`);
    const h = nodeHash(hashAt(level - 1, 2 * index), hashAt(level - 1, 2 * index + 1));
    known.set(key, h);
    return h;
  };
  const size = frontier.size + newLeafHashes.length;
  const root = await rootFromReader({ hashAt }, size);
  return { root, frontier: { size, hashes: rootSubtrees(size).map((s) => hashAt(s.level, s.index)) } };
}
