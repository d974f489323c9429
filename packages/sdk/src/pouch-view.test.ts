/** Seal numbers and the peekable source the SDK opens pouches through. */
import { describe, expect, it } from 'vitest';
import { defaultSealNumber, newUlid, peekableSource } from './pouch-view.ts';

describe('defaultSealNumber', () => {
  it('is <UNIT>-<YEAR>-<ULID>, sorting by time', () => {
    const zero = (n: number) => new Uint8Array(n);
    const at = new Date('2026-11-23T09:00:00.000Z');
    const n = defaultSealNumber('embassy-sylvania@mfa.freedonia.example', at, zero);
    expect(n).toMatch(/^EMBASSY-SYLVANIA-2026-[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(newUlid(at, zero) < newUlid(new Date(at.getTime() + 1), zero)).toBe(true);
    expect(newUlid(new Date(0), (k) => new Uint8Array(k).fill(255))).toBe(`${'0'.repeat(10)}${'Z'.repeat(16)}`);
  });
});

describe('peekableSource', () => {
  it('replays what the peek read, then the rest, without closing the source early', async () => {
    const chunks = [1, 2, 3, 4].map((i) => new Uint8Array([i]));
    let closed = false;
    const source = (async function* () {
      try {
        yield* chunks;
      } finally {
        closed = true;
      }
    })();
    const { peek, replay } = peekableSource(source);
    for await (const c of peek as AsyncIterable<Uint8Array>) if (c[0] === 2) break;
    expect(closed).toBe(false);
    const all: number[] = [];
    for await (const c of replay()) all.push(...c);
    expect(all).toEqual([1, 2, 3, 4]);
    expect(closed).toBe(true);
  });

  it('closes the source when the replay is never read', async () => {
    let closed = false;
    const source = (async function* () {
      try {
        yield new Uint8Array([1]);
        yield new Uint8Array([2]);
      } finally {
        closed = true;
      }
    })();
    const { peek, close } = peekableSource(source);
    for await (const _ of peek as AsyncIterable<Uint8Array>) break;
    await close();
    expect(closed).toBe(true);
  });
});
