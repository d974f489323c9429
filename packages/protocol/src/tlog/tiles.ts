/**
 * C2SP tlog-tiles (https://c2sp.org/tlog-tiles) coordinates and paths. A tile at level L holds up
 * to 256 consecutive Merkle tree hashes at Merkle level 8·L; tile n at level L spans leaves
 * [n·256^(L+1), (n+1)·256^(L+1)). Paths are relative to the log prefix: `tile/<L>/<N>[.p/<W>]` and
 * `tile/entries/<N>[.p/<W>]`.
 */
import { ValiseError } from '../errors.ts';
import { TLOG_HASH_SIZE } from './hash.ts';
import { checkTreeNumber, type HashReader, rootFromLeafHashes, rootFromReader, rootSubtrees } from './merkle.ts';

/** Hashes in a full tile. */
export const TILE_WIDTH = 256;
/** Merkle levels spanned by one tile level (256 = 2**8). */
export const TILE_HEIGHT = 8;
/** Highest tile level a path may name. */
export const MAX_TILE_LEVEL = 63;

/** One tile (or entry bundle, for `tile/entries`) of a tree of a given size. */
export interface TileRef {
  /** Tile level; `'entries'` for an entry bundle. */
  level: number | 'entries';
  index: number;
  /** Number of hashes (or entries): 256 for a full tile, 1–255 for a partial one. */
  width: number;
}

/** Fetch the bytes of tile `tilePath(level, index, width)`. */
export type TileFetcher = (level: number, index: number, width: number) => Uint8Array | Promise<Uint8Array>;

function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    throw new ValiseError('TLOG_BAD_INDEX', `tile level must be an integer from 0 to ${MAX_TILE_LEVEL}`);
  }
}

function checkWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new ValiseError('TLOG_BAD_INDEX', `tile width must be an integer from 1 to ${TILE_WIDTH}`);
  }
}

/** The `<N>` path component: zero-padded 3-digit groups, all but the last prefixed with `x`. */
export function formatTileIndex(index: number): string {
  checkTreeNumber('tile index', index);
  let digits = String(index);
  while (digits.length % 3 !== 0) digits = `0${digits}`;
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3));
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

function suffix(width: number): string {
  checkWidth(width);
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** Path of a Merkle tree tile: `tile/<L>/<N>` for a full tile, `tile/<L>/<N>.p/<W>` for a partial one. */
export function tilePath(level: number, index: number, width: number = TILE_WIDTH): string {
  checkLevel(level);
  return `tile/${level}/${formatTileIndex(index)}${suffix(width)}`;
}

/** Path of an entry bundle: `tile/entries/<N>[.p/<W>]`. */
export function entriesPath(index: number, width: number = TILE_WIDTH): string {
  return `tile/entries/${formatTileIndex(index)}${suffix(width)}`;
}

const TILE_PATH = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/**
 * Parse a tile or entry bundle path (relative to the log prefix). Strict: only the canonical
 * spelling that tilePath/entriesPath produce is accepted, so one resource has one path.
 */
export function parseTilePath(path: string): TileRef {
  const m = TILE_PATH.exec(path);
  if (m === null) throw new ValiseError('TLOG_BAD_PATH', 'not a tile path');
  const [, levelText, indexText, widthText] = m as unknown as [string, string, string, string | undefined];
  const groups = indexText.split('/');
  // A leading all-zero group would be a second spelling of a smaller index.
  if (groups.length > 1 && groups[0] === 'x000') throw new ValiseError('TLOG_BAD_PATH', 'non-canonical tile index');
  const index = Number(groups.map((g) => g.replace('x', '')).join(''));
  if (!Number.isSafeInteger(index)) throw new ValiseError('TLOG_BAD_PATH', 'tile index too large');
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  if (widthText !== undefined && width >= TILE_WIDTH) throw new ValiseError('TLOG_BAD_PATH', 'partial tile width must be 1 to 255');
  if (levelText === 'entries') return { level: 'entries', index, width };
  const level = Number(levelText);
  if (level > MAX_TILE_LEVEL) throw new ValiseError('TLOG_BAD_PATH', `tile level above ${MAX_TILE_LEVEL}`);
  return { level, index, width };
}

/** Number of hashes stored at tile level `level` for a tree of `size`: floor(size / 256**level). */
export function storedHashesAtTileLevel(level: number, size: number): number {
  return Math.floor(size / TILE_WIDTH ** level);
}

/** Width of tile (level, index) in a tree of `size`: 256 if full, 1–255 if partial, 0 if absent. */
export function tileWidth(level: number, index: number, size: number): number {
  checkLevel(level);
  checkTreeNumber('tile index', index);
  checkTreeNumber('tree size', size);
  const w = storedHashesAtTileLevel(level, size) - index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, w));
}

/** Every tile of a tree of `size`, level by level, left to right (entry bundles mirror level 0). */
export function tilesForSize(size: number): TileRef[] {
  checkTreeNumber('tree size', size);
  const out: TileRef[] = [];
  for (let level = 0; storedHashesAtTileLevel(level, size) > 0; level++) {
    const count = storedHashesAtTileLevel(level, size);
    for (let index = 0; index * TILE_WIDTH < count; index++) {
      out.push({ level, index, width: Math.min(TILE_WIDTH, count - index * TILE_WIDTH) });
    }
  }
  return out;
}

/** Where the hash of a complete subtree lives: a tile and a run of `count` hashes from `start`. */
export interface TileLocation {
  tileLevel: number;
  tileIndex: number;
  start: number;
  count: number;
}

/**
 * The tile holding the hash of complete subtree (level, index): the tile at level floor(level/8)
 * and the hashes in it whose Merkle tree hash is the subtree's (one hash when level is a multiple
 * of 8, else 2**(level mod 8) consecutive hashes).
 */
export function tileForHash(level: number, index: number): TileLocation {
  checkTreeNumber('level', level);
  checkTreeNumber('index', index);
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  checkLevel(tileLevel);
  const count = 2 ** (level - tileLevel * TILE_HEIGHT);
  const first = index * count;
  const tileIndex = Math.floor(first / TILE_WIDTH);
  return { tileLevel, tileIndex, start: first - tileIndex * TILE_WIDTH, count };
}

/**
 * Index of hash (level, index) in the linear order in which an append-only log first stores its
 * hashes (leaf 0, leaf 1, node(1,0), leaf 2, …): the numbering of golang.org/x/mod/sumdb/tlog.
 */
export function storedHashIndex(level: number, index: number): number {
  checkTreeNumber('level', level);
  checkTreeNumber('index', index);
  let n = index;
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  let i = 0;
  for (; n > 0; n = Math.floor(n / 2)) i += n;
  return i + level;
}

/** The tiles (with their widths for this size) needed to compute the root of a tree of `size`. */
export function tilesForRoot(size: number): TileRef[] {
  const seen = new Set<string>();
  const out: TileRef[] = [];
  for (const s of rootSubtrees(size)) {
    const loc = tileForHash(s.level, s.index);
    const width = tileWidth(loc.tileLevel, loc.tileIndex, size);
    const key = tilePath(loc.tileLevel, loc.tileIndex, width);
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ level: loc.tileLevel, index: loc.tileIndex, width });
    }
  }
  return out;
}

/** Split tile bytes into hashes, refusing a length other than width × 32 (TLOG_BAD_TILE). */
export function splitTile(bytes: Uint8Array, width: number): Uint8Array[] {
  checkWidth(width);
  if (!(bytes instanceof Uint8Array) || bytes.length !== width * TLOG_HASH_SIZE) {
    throw new ValiseError('TLOG_BAD_TILE', `tile must be ${width * TLOG_HASH_SIZE} bytes`);
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < width; i++) out.push(bytes.slice(i * TLOG_HASH_SIZE, (i + 1) * TLOG_HASH_SIZE));
  return out;
}

/**
 * A HashReader over the tiles of a tree of `size`: each complete subtree hash is read from (or
 * hashed up within) the tile that holds it, fetching each tile once, at the width this size needs.
 */
export function tileHashReader(size: number, fetchTile: TileFetcher): HashReader {
  checkTreeNumber('tree size', size);
  const cache = new Map<string, Promise<Uint8Array[]>>();
  const load = (level: number, index: number, width: number): Promise<Uint8Array[]> => {
    const key = tilePath(level, index, width);
    let p = cache.get(key);
    if (p === undefined) {
      p = Promise.resolve(fetchTile(level, index, width)).then((bytes) => splitTile(bytes, width));
      cache.set(key, p);
    }
    return p;
  };
  return {
    async hashAt(level: number, index: number): Promise<Uint8Array> {
      const loc = tileForHash(level, index);
      if ((index + 1) * 2 ** level > size) {
        throw new ValiseError('TLOG_BAD_INDEX', `subtree at level ${level} index ${index} is not in a tree of size ${size}`);
      }
      const width = tileWidth(loc.tileLevel, loc.tileIndex, size);
      const hashes = await load(loc.tileLevel, loc.tileIndex, width);
      return rootFromLeafHashes(hashes.slice(loc.start, loc.start + loc.count));
    },
  };
}

/** MTH of a tree of `size` computed from its tiles. */
export function rootFromTiles(size: number, fetchTile: TileFetcher): Promise<Uint8Array> {
  return rootFromReader(tileHashReader(size, fetchTile), size);
}

/** Bytes of tile (level, index) at `width`, read from stored complete-subtree hashes (for serving). */
export async function tileBytes(reader: HashReader, level: number, index: number, width: number): Promise<Uint8Array> {
  checkLevel(level);
  checkWidth(width);
  const out = new Uint8Array(width * TLOG_HASH_SIZE);
  const hashes = await Promise.all(
    Array.from({ length: width }, () => 0).map((_, i) => reader.hashAt(level * TILE_HEIGHT, index * TILE_WIDTH + i)),
  );
  hashes.forEach((h, i) => {
    if (h.length !== TLOG_HASH_SIZE) throw new ValiseError('TLOG_BAD_HASH', 'stored hash is not 32 bytes');
    out.set(h, i * TLOG_HASH_SIZE);
  });
  return out;
}
