/**
 * Standard, padded base64 (RFC 4648 §4), the encoding of every C2SP note format. Strict: one
 * spelling per value (padding required, non-zero trailing bits refused), so that a signature line,
 * a verifier key or a root hash has exactly one text form.
 */
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import { ValiseError } from '../errors.ts';

const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;

/** Encode bytes as padded standard base64. */
export function toStdBase64(bytes: Uint8Array): string {
  const unpadded = toBase64Url(bytes).replaceAll('-', '+').replaceAll('_', '/');
  return unpadded + '='.repeat((4 - (unpadded.length % 4)) % 4);
}

/** Decode canonical padded standard base64; anything else throws ValiseError(`code`). */
export function fromStdBase64(text: string, code: string): Uint8Array {
  if (text.length % 4 !== 0 || !STANDARD.test(text)) throw new ValiseError(code, 'invalid base64');
  const unpadded = text.replace(/=+$/, '');
  if ((4 - (unpadded.length % 4)) % 4 !== text.length - unpadded.length) throw new ValiseError(code, 'invalid base64 padding');
  try {
    return fromBase64Url(unpadded.replaceAll('+', '-').replaceAll('/', '_'));
  } catch (cause) {
    throw new ValiseError(code, 'invalid base64', { cause });
  }
}
