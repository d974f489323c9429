import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newUlid } from '../ids.ts';
import { crypto } from '../testing/world.ts';
import { generateEnrolmentCode, normaliseEnrolmentCode } from './enrolment-code.ts';

describe('enrolment codes', () => {
  it('are 4 groups of 5 Crockford characters that normalise to 20 characters', () => {
    for (let i = 0; i < 200; i++) {
      const code = generateEnrolmentCode(crypto.randomBytes);
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/);
      expect(normaliseEnrolmentCode(code)).toBe(code.replaceAll('-', ''));
    }
  });

  it('normalise whatever case and dashes people type, and nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 13, maxLength: 13 }), fc.array(fc.nat(19), { maxLength: 8 }), (bytes, dashes) => {
        const code = generateEnrolmentCode(() => bytes).replaceAll('-', '');
        let typed = code.toLowerCase();
        for (const at of dashes) typed = `${typed.slice(0, at)}-${typed.slice(at)}`;
        expect(normaliseEnrolmentCode(typed)).toBe(code);
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const result = normaliseEnrolmentCode(text);
        if (result !== null) expect(result).toMatch(/^[0-9A-HJKMNP-TV-Z]{20}$/);
      }),
    );
    expect(normaliseEnrolmentCode('IIIII-LLLLL-OOOOO-UUUUU')).toBeNull();
    expect(normaliseEnrolmentCode('ABCDE-ABCDE-ABCDE')).toBeNull();
  });

  it('use 100 bits: every character position takes many values', () => {
    const seen = Array.from({ length: 20 }, () => new Set<string>());
    for (let i = 0; i < 500; i++) {
      const code = normaliseEnrolmentCode(generateEnrolmentCode(crypto.randomBytes))!;
      for (let j = 0; j < 20; j++) seen[j]!.add(code[j]!);
    }
    for (const s of seen) expect(s.size).toBeGreaterThan(25);
  });
});

describe('ULIDs', () => {
  it('are 26 Crockford characters, strictly increasing within a process even when the clock stands still', () => {
    const now = new Date('2026-11-23T09:00:00Z');
    let previous = '';
    for (let i = 0; i < 1000; i++) {
      const id = newUlid(i % 2 === 0 ? now : new Date(now.getTime() - 5), crypto.randomBytes);
      expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(id > previous).toBe(true);
      previous = id;
    }
    const later = newUlid(new Date(now.getTime() + 1000), crypto.randomBytes);
    expect(later > previous).toBe(true);
    // The first 10 characters are the time in milliseconds.
    const time = [...later.slice(0, 10)].reduce((acc, c) => acc * 32 + '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(c), 0);
    expect(time).toBe(now.getTime() + 1000);
  });
});
