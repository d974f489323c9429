/**
 * Property tests for every decoder in bytes.ts: each one round-trips what its encoder makes,
 * accepts exactly one spelling of each value, and refuses everything else with
 * ValiseError('BAD_ENCODING') — never any other exception. Node's Buffer is the reference codec.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, constantTimeEqual, fromBase64Url, fromHex, fromUtf8, randomIdBytes, toBase64Url, toHex, utf8 } from './bytes.ts';
import { ValiseError } from './errors.ts';

const RUNS = { numRuns: 2000 };
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Run `decode`; return its value, or the BAD_ENCODING error it threw. Anything else fails the test. */
function decodeOrBadEncoding<T>(decode: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: decode() };
  } catch (error) {
    expect(error).toBeInstanceOf(ValiseError);
    expect((error as ValiseError).code).toBe('BAD_ENCODING');
    return { ok: false };
  }
}

function expectBadEncoding(decode: () => unknown): void {
  expect(decodeOrBadEncoding(decode).ok).toBe(false);
}

/** Strings biased towards the base64url alphabet, with padding, the standard alphabet, spaces and non-ASCII mixed in. */
const base64ishString = fc.string({
  unit: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...B64URL) },
    { weight: 1, arbitrary: fc.constantFrom('=', '+', '/', ' ', '\n', '.', '\u0000', 'é', '\u{1f600}', '\u0100') },
  ),
  maxLength: 64,
});

describe('base64url (RFC 4648 §5, unpadded)', () => {
  it('round-trips arbitrary bytes and matches the reference encoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = toBase64Url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(fromBase64Url(text)).toEqual(bytes);
      }),
      RUNS,
    );
  });

  it('decodes a string only if it is the one canonical spelling of its bytes, else BAD_ENCODING', () => {
    fc.assert(
      fc.property(fc.oneof(base64ishString, fc.string({ unit: 'binary', maxLength: 40 })), (text) => {
        const result = decodeOrBadEncoding(() => fromBase64Url(text));
        if (result.ok) expect(toBase64Url(result.value)).toBe(text);
      }),
      RUNS,
    );
  });

  it('refuses non-canonical trailing bits (e.g. "AB" for one byte)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 50 }).filter((b) => b.length % 3 !== 0),
        fc.integer({ min: 1, max: 15 }),
        (bytes, noise) => {
          const text = toBase64Url(bytes);
          // The last character carries 2 (one byte left) or 4 (two bytes left) unused low bits.
          const unusedBits = bytes.length % 3 === 1 ? 4 : 2;
          const extra = noise & ((1 << unusedBits) - 1);
          fc.pre(extra !== 0);
          const last = B64URL.indexOf(text.at(-1)!);
          const tampered = text.slice(0, -1) + B64URL[last | extra];
          expectBadEncoding(() => fromBase64Url(tampered));
        },
      ),
      RUNS,
    );
    expectBadEncoding(() => fromBase64Url('AB'));
    expect(fromBase64Url('AA')).toEqual(new Uint8Array([0]));
  });

  it('refuses padding, the standard alphabet, whitespace and impossible lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 60 }), fc.constantFrom('=', '+', '/', ' ', '\n', '%'), (bytes, bad) => {
        const text = toBase64Url(bytes);
        const at = text.length >> 1;
        expectBadEncoding(() => fromBase64Url(text.slice(0, at) + bad + text.slice(at)));
        expectBadEncoding(() => fromBase64Url(Buffer.from(bytes).toString('base64').replace(/[^=]$/, '=')));
      }),
      RUNS,
    );
    for (const text of ['A', 'AAAAA', 'AA==', 'AAA=', '+/8', 'QQ==']) expectBadEncoding(() => fromBase64Url(text));
    expect(fromBase64Url('')).toEqual(new Uint8Array(0));
  });
});

describe('hexadecimal', () => {
  it('round-trips arbitrary bytes in lower case, and accepts upper case', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = toHex(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('hex'));
        expect(fromHex(text)).toEqual(bytes);
        expect(fromHex(text.toUpperCase())).toEqual(bytes);
      }),
      RUNS,
    );
  });

  it('decodes exactly the even-length strings of hex digits, else BAD_ENCODING', () => {
    const hexish = fc.string({
      unit: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...'0123456789abcdefABCDEF') },
        { weight: 1, arbitrary: fc.constantFrom('g', 'x', ' ', '-', '+', '\u0660', 'ａ') },
      ),
      maxLength: 40,
    });
    fc.assert(
      fc.property(fc.oneof(hexish, fc.string({ unit: 'binary', maxLength: 20 })), (text) => {
        const result = decodeOrBadEncoding(() => fromHex(text));
        expect(result.ok).toBe(/^(?:[0-9a-fA-F]{2})*$/.test(text));
        if (result.ok) expect(toHex(result.value)).toBe(text.toLowerCase());
      }),
      RUNS,
    );
  });
});

describe('UTF-8', () => {
  it('round-trips every well-formed string and matches the reference encoder', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (text) => {
        const bytes = utf8(text);
        expect(bytes).toEqual(new Uint8Array(Buffer.from(text, 'utf8')));
        expect(fromUtf8(bytes)).toBe(text);
      }),
      RUNS,
    );
  });

  it('decodes arbitrary bytes only when they are exactly the encoding of the result, else BAD_ENCODING', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const result = decodeOrBadEncoding(() => fromUtf8(bytes));
        if (result.ok) expect(utf8(result.value)).toEqual(bytes);
      }),
      RUNS,
    );
  });

  it('keeps a leading byte-order mark, so "\\uFEFFname" and "name" stay different', () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('name')]);
    expect(fromUtf8(withBom)).toBe('\uFEFFname');
    expect(utf8(fromUtf8(withBom))).toEqual(withBom);
  });

  it('refuses overlong forms, surrogates and truncated sequences', () => {
    for (const bytes of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xff]]) {
      expectBadEncoding(() => fromUtf8(new Uint8Array(bytes)));
    }
  });
});

describe('constantTimeEqual', () => {
  const naiveEqual = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

  it('agrees with naive equality on arbitrary pairs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        expect(constantTimeEqual(a, b)).toBe(naiveEqual(a, b));
      }),
      RUNS,
    );
  });

  it('agrees with naive equality on equal arrays and arrays one bit apart', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (a, at, bit) => {
        const b = a.slice();
        expect(constantTimeEqual(a, b)).toBe(true);
        b[at % b.length] = (b[at % b.length] as number) ^ (1 << bit);
        expect(constantTimeEqual(a, b)).toBe(false);
        expect(constantTimeEqual(a, a.subarray(1))).toBe(false);
      }),
      RUNS,
    );
  });
});

describe('concatBytes', () => {
  it('equals the reference concatenation', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 6 }), (parts) => {
        expect(concatBytes(...parts)).toEqual(new Uint8Array(Buffer.concat(parts)));
      }),
      RUNS,
    );
  });
});

describe('randomIdBytes', () => {
  it('draws again while the base64url form would begin with "-" (read as an option on a command line)', () => {
    const draws = [new Uint8Array([0xf8, 1, 2]), new Uint8Array([0xfb, 1, 2]), new Uint8Array([0xfc, 1, 2])];
    const id = randomIdBytes(() => draws.shift() as Uint8Array, 3);
    expect([...id]).toEqual([0xfc, 1, 2]);
    expect(toBase64Url(id).startsWith('_')).toBe(true);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.uint8Array({ minLength: 40, maxLength: 40 }), (first, fallback) => {
        const queue = [first, fallback.map((b) => b & 0x7f)];
        const out = randomIdBytes(() => queue.shift() as Uint8Array, first.length === 0 ? 0 : first.length);
        return !toBase64Url(out).startsWith('-');
      }),
    );
  });
});
