/**
 * Enrolment codes: 100 random bits shown as 4 groups of 5 Crockford base32 characters, e.g.
 * `7K3QX-M9D2A-0PZ4R-TB8WN`. People type them, so case and dashes do not matter; the normalised
 * form (upper case, no dashes) is what is hashed, stored and signed.
 */
import { normaliseEnrolmentCode as normaliseCodeText } from '@valise/protocol';
import { crockfordBase32, type RandomBytes } from '../ids.ts';

const CODE_CHARACTERS = 20;
const NORMALISED = /^[0-9A-HJKMNP-TV-Z]{20}$/;

/** A fresh code in its display form. */
export function generateEnrolmentCode(randomBytes: RandomBytes): string {
  // 13 bytes = 104 bits, of which the first 100 become the 20 characters.
  const chars = crockfordBase32(randomBytes(13), CODE_CHARACTERS);
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5)).join('-');
}

/** Upper-case and strip dashes; null when what remains is not exactly 20 code characters. */
export function normaliseEnrolmentCode(code: string): string | null {
  const normalised = normaliseCodeText(code);
  return NORMALISED.test(normalised) ? normalised : null;
}
