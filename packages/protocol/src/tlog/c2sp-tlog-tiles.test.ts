import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../errors.ts';
import { decodeEntryBundle, encodeEntryBundle } from './bundle.ts';
import { leafHash } from './hash.ts';
import { hashReaderFromLeafHashes, inclusionProof, inclusionProofFromReader, rootFromLeafHashes } from './merkle.ts';
import { auditTiles } from './tile-audit.ts';
import {
  entriesPath,
  formatTileIndex,
  parseTilePath,
  rootFromTiles,
  storedHashIndex,
  tileBytes,
  tileForHash,
  tileHashReader,
  tilePath,
  tilesForRoot,
  tilesForSize,
} from './tiles.ts';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return (err as { code?: string }).code ?? 'OTHER';
  }
  return undefined;
}

async function asyncCodeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? 'OTHER';
  }
  return undefined;
}

describe('C2SP tlog-tiles paths', () => {
  it('encodes index 1234067 as x001/x234/067 (the spec example)', () => {
    expect(formatTileIndex(1234067)).toBe('x001/x234/067');
    expect(tilePath(0, 1234067)).toBe('tile/0/x001/x234/067');
    expect(tilePath(1, 1234067, 8)).toBe('tile/1/x001/x234/067.p/8');
    expect(entriesPath(1234067)).toBe('tile/entries/x001/x234/067');
    expect(entriesPath(1234067, 255)).toBe('tile/entries/x001/x234/067.p/255');
  });

  it('zero-pads to groups of three digits', () => {
    expect(tilePath(0, 0)).toBe('tile/0/000');
    expect(tilePath(2, 5, 1)).toBe('tile/2/005.p/1');
    expect(tilePath(63, 999)).toBe('tile/63/999');
    expect(tilePath(0, 1000)).toBe('tile/0/x001/000');
    expect(tilePath(0, 273, 112)).toBe('tile/0/273.p/112');
    expect(entriesPath(1000000, 17)).toBe('tile/entries/x001/x000/000.p/17');
  });

  it('refuses out-of-range levels, widths and indices', () => {
    expect(codeOf(() => tilePath(64, 0))).toBe('TLOG_BAD_INDEX');
    expect(codeOf(() => tilePath(-1, 0))).toBe('TLOG_BAD_INDEX');
    expect(codeOf(() => tilePath(0, 0, 0))).toBe('TLOG_BAD_INDEX');
    expect(codeOf(() => tilePath(0, 0, 257))).toBe('TLOG_BAD_INDEX');
    expect(codeOf(() => tilePath(0, -1))).toBe('TLOG_BAD_INDEX');
    expect(codeOf(() => entriesPath(1.5))).toBe('TLOG_BAD_INDEX');
  });

  it('parses canonical paths', () => {
    expect(parseTilePath('tile/1/x001/x234/067.p/8')).toEqual({ level: 1, index: 1234067, width: 8 });
    expect(parseTilePath('tile/0/x001/x234/067')).toEqual({ level: 0, index: 1234067, width: 256 });
    expect(parseTilePath('tile/entries/x001/x234/067.p/255')).toEqual({ level: 'entries', index: 1234067, width: 255 });
    expect(parseTilePath('tile/63/000')).toEqual({ level: 63, index: 0, width: 256 });
  });

  it('refuses every non-canonical or malformed path', () => {
    for (const bad of [
      'tile/00/000',
      'tile/01/000',
      'tile/64/000',
      'tile/-1/000',
      'tile/0/0',
      'tile/0/00',
      'tile/0/0000',
      'tile/0/x000/001',
      'tile/0/x000/x001/000',
      'tile/0/x001',
      'tile/0/001/x234',
      'tile/0/001/234',
      'tile/0/X001/234',
      'tile/0/00a',
      'tile/0/001.p/0',
      'tile/0/001.p/256',
      'tile/0/001.p/08',
      'tile/0/001.p/',
      'tile/0/001.p',
      'tile/0/001.P/8',
      'tile/0/001.p/8/',
      '/tile/0/000',
      'tile/0/000/',
      'tile//000',
      'tile/entries/000.p/256',
      'tile/entry/000',
      'tile/entries/0',
      'tiles/0/000',
      'tile/0/x999/x999/x999/x999/x999/999',
      ' tile/0/000',
      'tile/0/000\n',
      'tile/٠/000',
    ]) {
      expect(
        codeOf(() => parseTilePath(bad)),
        bad,
      ).toBe('TLOG_BAD_PATH');
    }
  });

  it('round-trips: parse(tilePath(l, n, w)) and parse(entriesPath(n, w))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 63 }),
        fc.oneof(fc.nat(2000), fc.integer({ min: 0, max: Math.floor(Number.MAX_SAFE_INTEGER / 256) })),
        fc.integer({ min: 1, max: 256 }),
        (level, index, width) => {
          expect(parseTilePath(tilePath(level, index, width))).toEqual({ level, index, width });
          expect(parseTilePath(entriesPath(index, width))).toEqual({ level: 'entries', index, width });
        },
      ),
    );
  });

  it('any accepted string is the canonical spelling of what it parses to', () => {
    const pathish = fc
      .array(fc.constantFrom('tile/', 'entries', '/', 'x', '0', '1', '2', '9', '.p/', '00', '256', '63', '64'), { maxLength: 12 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(pathish, fc.string()), (s) => {
        let ref: ReturnType<typeof parseTilePath>;
        try {
          ref = parseTilePath(s);
        } catch (err) {
          expect(hasCode(err, 'TLOG_BAD_PATH')).toBe(true);
          return;
        }
        const canonical = ref.level === 'entries' ? entriesPath(ref.index, ref.width) : tilePath(ref.level, ref.index, ref.width);
        expect(canonical).toBe(s);
      }),
    );
  });
});

describe('C2SP tlog-tiles tree layout', () => {
  it('size 70,000: 273 full level-0 tiles, a partial of width 112, one full and a partial of 17 at level 1, a partial of 1 at level 2', () => {
    const tiles = tilesForSize(70000);
    const at = (level: number) => tiles.filter((t) => t.level === level);
    expect(at(0).filter((t) => t.width === 256)).toHaveLength(273);
    expect(at(0).filter((t) => t.width !== 256)).toEqual([{ level: 0, index: 273, width: 112 }]);
    expect(at(1)).toEqual([
      { level: 1, index: 0, width: 256 },
      { level: 1, index: 1, width: 17 },
    ]);
    expect(at(2)).toEqual([{ level: 2, index: 0, width: 1 }]);
    expect(tiles).toHaveLength(273 + 1 + 2 + 1);
  });

  it('size 256: a full level-0 tile and a partial level-1 tile of width 1', () => {
    expect(tilesForSize(256)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
    expect(tilesForSize(0)).toEqual([]);
  });

  it('locates subtree hashes in tiles', () => {
    expect(tileForHash(0, 300)).toEqual({ tileLevel: 0, tileIndex: 1, start: 44, count: 1 });
    expect(tileForHash(3, 40)).toEqual({ tileLevel: 0, tileIndex: 1, start: 64, count: 8 });
    expect(tileForHash(8, 3)).toEqual({ tileLevel: 1, tileIndex: 0, start: 3, count: 1 });
    expect(tileForHash(17, 1)).toEqual({ tileLevel: 2, tileIndex: 0, start: 2, count: 2 });
  });

  it('storedHashIndex numbers hashes in the order an append-only log stores them', () => {
    // Appending leaf i stores (0, i) and then every subtree it completes, lowest first.
    const order: [number, number][] = [];
    for (let i = 0; i < 600; i++) {
      order.push([0, i]);
      for (let level = 1, n = i + 1; n % 2 === 0; level++, n /= 2) order.push([level, n / 2 - 1]);
    }
    expect(order.map(([level, index]) => storedHashIndex(level, index))).toEqual(order.map((_, k) => k));
  });
});

function leavesOf(n: number, seed: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => leafHash(new Uint8Array([seed & 0xff, i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff])));
}

/** A tile server over in-memory leaves that records what it was asked for. */
function memoryTiles(leaves: Uint8Array[]) {
  const reader = hashReaderFromLeafHashes(leaves);
  const fetched: string[] = [];
  const fetchTile = (level: number, index: number, width: number) => {
    fetched.push(tilePath(level, index, width));
    return tileBytes(reader, level, index, width);
  };
  return { fetchTile, fetched };
}

describe('root and proofs from tiles', () => {
  const bigLeaves = leavesOf(65536 + 300, 7);

  for (const size of [0, 1, 2, 255, 256, 257, 511, 512, 65535, 65536, 65537, 65536 + 255, 65536 + 256, 65536 + 300]) {
    it(`size ${size}: root from tiles equals root from leaves, fetching only tilesForRoot`, async () => {
      const leaves = bigLeaves.slice(0, size);
      const { fetchTile, fetched } = memoryTiles(leaves);
      expect(await rootFromTiles(size, fetchTile)).toEqual(rootFromLeafHashes(leaves));
      expect(new Set(fetched)).toEqual(new Set(tilesForRoot(size).map((t) => tilePath(t.level as number, t.index, t.width))));
    });
  }

  it('random sizes: root from tiles equals root from leaves; proofs from tiles equal proofs from leaves', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5000 }), fc.nat(), async (size, i) => {
        const leaves = bigLeaves.slice(0, size);
        const { fetchTile } = memoryTiles(leaves);
        expect(await rootFromTiles(size, fetchTile)).toEqual(rootFromLeafHashes(leaves));
        const index = i % size;
        expect(await inclusionProofFromReader(tileHashReader(size, fetchTile), index, size)).toEqual(inclusionProof(leaves, index, size));
      }),
      { numRuns: 40 },
    );
  });

  it('refuses a tile of the wrong length', async () => {
    const leaves = bigLeaves.slice(0, 300);
    const { fetchTile } = memoryTiles(leaves);
    const short = async (l: number, n: number, w: number) => (await fetchTile(l, n, w)).slice(1);
    expect(await asyncCodeOf(rootFromTiles(300, short))).toBe('TLOG_BAD_TILE');
  });
});

describe('auditTiles', () => {
  const leaves = Array.from({ length: 70000 }, (_, i) => new Uint8Array([i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, 1, 2, 3]));
  const leafHashes = leaves.map(leafHash);

  function setup(size: number) {
    const { fetchTile } = memoryTiles(leafHashes.slice(0, size));
    const fetchEntryBundle = (index: number, width: number) => encodeEntryBundle(leaves.slice(index * 256, index * 256 + width));
    return { fetchTile, fetchEntryBundle, root: rootFromLeafHashes(leafHashes.slice(0, size)) };
  }

  it('accepts an honest log of 70,000 entries, checking every tile and bundle', async () => {
    const { fetchTile, fetchEntryBundle, root } = setup(70000);
    let last = 0;
    await auditTiles(70000, root, fetchTile, { fetchEntryBundle, onProgress: (n) => (last = n) });
    expect(last).toBe(tilesForSize(70000).length);
  });

  it('finds any flipped bit in any tile, and says where', async () => {
    const size = 66000;
    const { fetchTile, root } = setup(size);
    const tiles = tilesForSize(size);
    await fc.assert(
      fc.asyncProperty(fc.nat(tiles.length - 1), fc.nat(), async (t, bit) => {
        const target = tiles[t] as { level: number; index: number; width: number };
        const targetPath = tilePath(target.level, target.index, target.width);
        const tampered = async (l: number, n: number, w: number) => {
          const bytes = await fetchTile(l, n, w);
          if (tilePath(l, n, w) !== targetPath) return bytes;
          const copy = bytes.slice();
          const b = bit % (copy.length * 8);
          copy[b >> 3] = (copy[b >> 3] as number) ^ (1 << (b & 7));
          return copy;
        };
        const code = await asyncCodeOf(auditTiles(size, root, tampered));
        expect(['TLOG_TILE_MISMATCH', 'TLOG_BAD_PROOF']).toContain(code);
      }),
      { numRuns: 20 },
    );
  });

  it('finds a changed, dropped or reordered entry', async () => {
    const size = 600;
    const { fetchTile, fetchEntryBundle, root } = setup(size);
    const changed = (index: number, width: number) => {
      const entries = decodeEntryBundle(fetchEntryBundle(index, width));
      if (index === 1) entries[5] = new Uint8Array([9]);
      return encodeEntryBundle(entries);
    };
    await expect(auditTiles(size, root, fetchTile, { fetchEntryBundle: changed })).rejects.toMatchObject({
      code: 'TLOG_TILE_MISMATCH',
      message: expect.stringContaining('tile/entries/001'),
    });
    const dropped = (index: number, width: number) => encodeEntryBundle(decodeEntryBundle(fetchEntryBundle(index, width)).slice(1));
    await expect(auditTiles(size, root, fetchTile, { fetchEntryBundle: dropped })).rejects.toMatchObject({ code: 'TLOG_BAD_BUNDLE' });
    const swapped = (index: number, width: number) => {
      const e = decodeEntryBundle(fetchEntryBundle(index, width));
      [e[0], e[1]] = [e[1] as Uint8Array, e[0] as Uint8Array];
      return encodeEntryBundle(e);
    };
    await expect(auditTiles(size, root, fetchTile, { fetchEntryBundle: swapped })).rejects.toMatchObject({ code: 'TLOG_TILE_MISMATCH' });
    const otherRoot = rootFromLeafHashes(leafHashes.slice(0, size - 1));
    await expect(auditTiles(size, otherRoot, fetchTile)).rejects.toMatchObject({ code: 'TLOG_BAD_PROOF' });
  });
});

describe('entry bundles', () => {
  it('round-trips any entries', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 256 }), (entries) => {
        const bytes = encodeEntryBundle(entries);
        expect(decodeEntryBundle(bytes, entries.length)).toEqual(entries);
      }),
    );
  });

  it('uses a big-endian uint16 length prefix', () => {
    expect(encodeEntryBundle([new Uint8Array([0xaa]), new Uint8Array(0), new Uint8Array(258).fill(1)]).slice(0, 8)).toEqual(
      new Uint8Array([0, 1, 0xaa, 0, 0, 1, 2, 1]),
    );
    expect(encodeEntryBundle([new Uint8Array(0xffff)]).length).toBe(0x10001);
  });

  it('refuses truncated, over-long and miscounted bundles and oversized entries', () => {
    expect(codeOf(() => decodeEntryBundle(new Uint8Array([0])))).toBe('TLOG_BAD_BUNDLE');
    expect(codeOf(() => decodeEntryBundle(new Uint8Array([0, 2, 1])))).toBe('TLOG_BAD_BUNDLE');
    expect(codeOf(() => decodeEntryBundle(new Uint8Array([0, 1, 1, 0])))).toBe('TLOG_BAD_BUNDLE');
    expect(codeOf(() => decodeEntryBundle(new Uint8Array([0, 1, 1]), 2))).toBe('TLOG_BAD_BUNDLE');
    expect(codeOf(() => decodeEntryBundle(new Uint8Array(257 * 2)))).toBe('TLOG_BAD_BUNDLE');
    expect(decodeEntryBundle(new Uint8Array(256 * 2))).toHaveLength(256);
    expect(codeOf(() => encodeEntryBundle([new Uint8Array(0x10000)]))).toBe('TLOG_ENTRY_TOO_LARGE');
    expect(codeOf(() => encodeEntryBundle(Array.from({ length: 257 }, () => new Uint8Array(0))))).toBe('TLOG_BAD_BUNDLE');
  });

  it('decoding never throws anything but TLOG_BAD_BUNDLE, and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        try {
          expect(encodeEntryBundle(decodeEntryBundle(bytes))).toEqual(bytes);
        } catch (err) {
          expect(hasCode(err, 'TLOG_BAD_BUNDLE')).toBe(true);
        }
      }),
    );
  });
});
