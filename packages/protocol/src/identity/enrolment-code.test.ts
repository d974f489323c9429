import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseEnrolmentCode } from './enrolment-code.ts';

describe('enrolment code normalisation (Crockford base32)', () => {
  it('ignores case, dashes and spaces, and reads look-alikes as digits', () => {
    expect(normaliseEnrolmentCode('7k3qx-m9d2a 0pz4r-tb8wn')).toBe('7K3QXM9D2A0PZ4RTB8WN');
    expect(normaliseEnrolmentCode('OIL-oil')).toBe('011011');
  });
  it('is idempotent', () => {
    fc.assert(fc.property(fc.string(), (s) => normaliseEnrolmentCode(normaliseEnrolmentCode(s)) === normaliseEnrolmentCode(s)));
  });
});
