import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_FRONTIER, extendFrontier } from './frontier.ts';
import { emptyRoot, leafHash } from './hash.ts';
import { rootFromLeafHashes } from './merkle.ts';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(new Uint8Array([i & 0xff, i >> 8])));

describe('extendFrontier', () => {
  it('gives the RFC 6962 root of every prefix, extended in arbitrary steps', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 8 }), async (steps) => {
        const all = leaves(steps.reduce((a, b) => a + b, 0));
        let frontier = EMPTY_FRONTIER;
        let at = 0;
        for (const step of steps) {
          const out = await extendFrontier(frontier, all.slice(at, at + step));
          at += step;
          expect(out.root).toEqual(at === 0 ? emptyRoot() : rootFromLeafHashes(all.slice(0, at)));
          frontier = out.frontier;
        }
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a frontier with the wrong number of hashes', async () => {
    await expect(extendFrontier({ size: 3, hashes: [] }, leaves(1))).rejects.toMatchObject({ code: 'TLOG_BAD_INDEX' });
  });
});
