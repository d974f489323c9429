/**
 * ULIDs (26 Crockford base32 characters: 48-bit millisecond time, 80 random bits). Written here
 * because it is a dozen lines and the clock and randomness must be injected (tests control time).
 */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type RandomBytes = (length: number) => Uint8Array;

/** Encode bytes as Crockford base32, 5 bits per character, most significant first. */
export function crockfordBase32(bytes: Uint8Array, characters: number): string {
  let out = '';
  let acc = 0n;
  for (const b of bytes) acc = (acc << 8n) | BigInt(b);
  const totalBits = BigInt(bytes.length * 8);
  for (let i = 0; i < characters; i++) {
    const shift = totalBits - BigInt((i + 1) * 5);
    const v = shift >= 0n ? (acc >> shift) & 31n : (acc << -shift) & 31n;
    out += CROCKFORD[Number(v)];
  }
  return out;
}

// Monotonic within this process: ids made in the same millisecond (or after the clock stepped
// back) increase, so "oldest first" by id is exact, e.g. for handing out key packages in order.
let lastTime = -1;
let lastRandom = 0n;
const RANDOM_MAX = (1n << 80n) - 1n;

/** A new ULID at `now`: time-ordered, and strictly increasing within this process. */
export function newUlid(now: Date, randomBytes: RandomBytes): string {
  let time = now.getTime();
  if (!Number.isSafeInteger(time) || time < 0) throw new RangeError('ULID time out of range');
  if (time <= lastTime && lastRandom < RANDOM_MAX) {
    time = lastTime;
    lastRandom += 1n;
  } else {
    let r = 0n;
    for (const b of randomBytes(10)) r = (r << 8n) | BigInt(b);
    // Leave headroom so increments within one millisecond do not overflow.
    lastRandom = r >> 1n;
    lastTime = time;
  }
  let timePart = '';
  let t = time;
  for (let i = 0; i < 10; i++) {
    timePart = CROCKFORD[t % 32] + timePart;
    t = Math.floor(t / 32);
  }
  const bytes = new Uint8Array(10);
  let r = lastRandom;
  for (let i = 9; i >= 0; i--) {
    bytes[i] = Number(r & 0xffn);
    r >>= 8n;
  }
  return timePart + crockfordBase32(bytes, 16);
}
