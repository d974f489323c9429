import { ValiseError } from './errors.ts';

const textEncoder = new TextEncoder();
// ignoreBOM: keep a leading U+FEFF instead of silently dropping it, so that distinct byte strings
// never decode to the same text (a BOM-prefixed credential name must not equal the plain one).
// A variable, not a literal: platform.d.ts declares only `fatal`, though every TextDecoder
// (WHATWG Encoding) takes `ignoreBOM`.
const decoderOptions = { fatal: true, ignoreBOM: true };
const textDecoder = new TextDecoder('utf-8', decoderOptions);

/** UTF-8 encode a string. */
export function utf8(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/** UTF-8 decode bytes, refusing invalid sequences; a leading byte-order mark is kept as U+FEFF. */
export function fromUtf8(bytes: Uint8Array): string {
  try {
    return textDecoder.decode(bytes);
  } catch (cause) {
    throw new ValiseError('BAD_ENCODING', 'bytes are not valid UTF-8', { cause });
  }
}

/** Concatenate byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Compare two byte arrays in time that depends only on their lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < B64URL.length; i++) B64URL_LOOKUP[B64URL.charCodeAt(i)] = i;

/** Encode bytes as unpadded base64url (RFC 4648 §5), the form used on the wire. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!;
  }
  return out;
}

/** Decode unpadded base64url; rejects any other alphabet, padding or a dangling character. */
export function fromBase64Url(text: string): Uint8Array {
  if (text.length % 4 === 1) throw new ValiseError('BAD_ENCODING', 'invalid base64url length');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? (B64URL_LOOKUP[c] as number) : -1;
    if (v < 0) throw new ValiseError('BAD_ENCODING', 'invalid base64url character');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // Non-zero leftover bits mean a non-canonical encoding: refuse, so one value has one spelling.
  if ((acc & ((1 << bits) - 1)) !== 0) throw new ValiseError('BAD_ENCODING', 'non-canonical base64url');
  return out;
}

/** Lower-case hexadecimal. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Decode lower- or upper-case hexadecimal. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new ValiseError('BAD_ENCODING', 'invalid hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * `length` random bytes for an identifier shown in base64url, drawn again while that form would
 * begin with '-' (a first byte 0xF8–0xFB): such an id typed on a command line reads as an option.
 * Costs at most a few redraws (1 in 64 each) and under 0.03 bits of the id's entropy.
 */
export function randomIdBytes(randomBytes: (n: number) => Uint8Array, length: number): Uint8Array {
  for (;;) {
    const bytes = randomBytes(length);
    if (length === 0 || (bytes[0] as number) >> 2 !== 62) return bytes;
  }
}
