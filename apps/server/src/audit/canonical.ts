/**
 * The canonical encoding of a logged event and its commitment.
 *
 * Canonical JSON: object keys sorted by UTF-16 code unit order (JavaScript's default sort) at
 * every depth, no whitespace, strings and numbers as JSON.stringify writes them, encoded as
 * UTF-8. Only JSON values are allowed (no undefined, functions, non-finite numbers).
 * Commitment: SHA-256(salt || UTF-8(canonical JSON)), with a fresh 32-byte salt per entry, so the
 * log (which holds only commitments) reveals nothing about the events until one is opened.
 */
import { createHash } from 'node:crypto';

export const LOG_SALT_SIZE = 32;

/** Canonical JSON text of a JSON value (sorted keys, no whitespace). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no non-finite numbers');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
}

/** SHA-256(salt || UTF-8(canonicalText)): the 32-byte leaf data of one log entry. */
export function eventCommitment(salt: Uint8Array, canonicalText: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(salt).update(canonicalText, 'utf8').digest());
}
