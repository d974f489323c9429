/**
 * C2SP tlog-tiles entry bundles: a sequence of entries, each a big-endian uint16 length followed
 * by that many bytes. A full bundle holds 256 entries, a partial one 1–255.
 */
import { ValiseError } from '../errors.ts';
import { TILE_WIDTH } from './tiles.ts';

/** Largest entry an entry bundle can carry (uint16 length prefix). */
export const MAX_BUNDLE_ENTRY_SIZE = 0xffff;

/** Encode entries (at most 256, each at most 65,535 bytes) as an entry bundle. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length > TILE_WIDTH) throw new ValiseError('TLOG_BAD_BUNDLE', `an entry bundle holds at most ${TILE_WIDTH} entries`);
  let length = 0;
  for (const e of entries) {
    if (e.length > MAX_BUNDLE_ENTRY_SIZE) {
      throw new ValiseError('TLOG_ENTRY_TOO_LARGE', `log entries are limited to ${MAX_BUNDLE_ENTRY_SIZE} bytes`);
    }
    length += 2 + e.length;
  }
  const out = new Uint8Array(length);
  let o = 0;
  for (const e of entries) {
    out[o] = e.length >> 8;
    out[o + 1] = e.length & 0xff;
    out.set(e, o + 2);
    o += 2 + e.length;
  }
  return out;
}

/**
 * Decode an entry bundle strictly: every byte must belong to a complete entry, there are at most
 * 256 entries, and when `width` is given there must be exactly that many. Returns copies.
 */
export function decodeEntryBundle(bytes: Uint8Array, width?: number): Uint8Array[] {
  const entries: Uint8Array[] = [];
  let o = 0;
  while (o < bytes.length) {
    if (entries.length === TILE_WIDTH) throw new ValiseError('TLOG_BAD_BUNDLE', `entry bundle has more than ${TILE_WIDTH} entries`);
    if (o + 2 > bytes.length) throw new ValiseError('TLOG_BAD_BUNDLE', 'entry bundle ends inside a length prefix');
    const len = ((bytes[o] as number) << 8) | (bytes[o + 1] as number);
    if (o + 2 + len > bytes.length) throw new ValiseError('TLOG_BAD_BUNDLE', 'entry bundle ends inside an entry');
    entries.push(bytes.slice(o + 2, o + 2 + len));
    o += 2 + len;
  }
  if (width !== undefined && entries.length !== width) {
    throw new ValiseError('TLOG_BAD_BUNDLE', `entry bundle has ${entries.length} entries, expected ${width}`);
  }
  return entries;
}
