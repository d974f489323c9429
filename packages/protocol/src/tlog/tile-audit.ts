/**
 * Full audit of a tiled log against a root: every tile is fetched once, every hash at tile level
 * L ≥ 1 is checked against the Merkle tree hash of the full tile below it, optionally every entry
 * bundle against its level-0 tile, and finally the root recomputed from the tiles. Memory stays at
 * about size/256 hashes: each level is checked as the next one is read.
 */
import { constantTimeEqual } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { decodeEntryBundle } from './bundle.ts';
import { leafHash } from './hash.ts';
import { checkTreeNumber, rootFromLeafHashes } from './merkle.ts';
import { entriesPath, rootFromTiles, splitTile, storedHashesAtTileLevel, TILE_WIDTH, type TileFetcher, tilePath } from './tiles.ts';

/** Options of auditTiles. */
export interface TileAuditOptions {
  /** When given, every entry bundle is fetched and checked against its level-0 tile. */
  fetchEntryBundle?: (index: number, width: number) => Uint8Array | Promise<Uint8Array>;
  /** Called after each tile is checked, with the number checked so far. */
  onProgress?: (tilesChecked: number) => void;
}

/**
 * Check that the tiles (and, optionally, entry bundles) of a tree of `size` are consistent with
 * each other and with `root`. Throws TLOG_TILE_MISMATCH naming the first tile (or bundle) path
 * that disagrees, TLOG_BAD_TILE / TLOG_BAD_BUNDLE for malformed ones, TLOG_BAD_PROOF when the
 * recomputed root differs from `root`.
 */
export async function auditTiles(size: number, root: Uint8Array, fetchTile: TileFetcher, options: TileAuditOptions = {}): Promise<void> {
  checkTreeNumber('tree size', size);
  let expected: Uint8Array[] | null = null; // hashes this level must hold, from the full tiles below
  let checked = 0;
  for (let level = 0; storedHashesAtTileLevel(level, size) > 0; level++) {
    const count = storedHashesAtTileLevel(level, size);
    const next: Uint8Array[] = [];
    for (let index = 0; index * TILE_WIDTH < count; index++) {
      const width = Math.min(TILE_WIDTH, count - index * TILE_WIDTH);
      const path = tilePath(level, index, width);
      let hashes: Uint8Array[];
      try {
        hashes = splitTile(await fetchTile(level, index, width), width);
      } catch (cause) {
        if (cause instanceof ValiseError) throw new ValiseError(cause.code, `${path}: ${cause.message}`, { cause });
        throw cause;
      }
      if (expected !== null) {
        for (let i = 0; i < width; i++) {
          if (!constantTimeEqual(hashes[i] as Uint8Array, expected[index * TILE_WIDTH + i] as Uint8Array)) {
            throw new ValiseError('TLOG_TILE_MISMATCH', `${path}: hash ${i} does not match the tile below`);
          }
        }
      }
      if (level === 0 && options.fetchEntryBundle !== undefined) {
        const bundlePath = entriesPath(index, width);
        let entries: Uint8Array[];
        try {
          entries = decodeEntryBundle(await options.fetchEntryBundle(index, width), width);
        } catch (cause) {
          if (cause instanceof ValiseError) throw new ValiseError(cause.code, `${bundlePath}: ${cause.message}`, { cause });
          throw cause;
        }
        entries.forEach((e, i) => {
          if (!constantTimeEqual(leafHash(e), hashes[i] as Uint8Array)) {
            throw new ValiseError('TLOG_TILE_MISMATCH', `${bundlePath}: entry ${i} does not match its leaf hash`);
          }
        });
      }
      if (width === TILE_WIDTH) next.push(rootFromLeafHashes(hashes));
      options.onProgress?.(++checked);
    }
    expected = next;
  }
  const computed = await rootFromTiles(size, fetchTile);
  if (!constantTimeEqual(computed, root)) throw new ValiseError('TLOG_BAD_PROOF', `tiles do not lead to the root of size ${size}`);
}
