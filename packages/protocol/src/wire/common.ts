/** Schema building blocks shared by every API document. */
import { FormatRegistry, type TSchema, Type } from '@sinclair/typebox';

// TypeBox checks formats only once they are registered. RFC 3339 date-time, as toISOString() writes it.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)));

/** Unpadded base64url bytes with a length bound (in encoded characters). */
export const Base64Url = (maxBytes: number, minBytes = 0) =>
  Type.String({
    pattern: '^[A-Za-z0-9_-]*$',
    minLength: Math.ceil((minBytes * 4) / 3),
    maxLength: Math.ceil((maxBytes * 4) / 3),
    description: `unpadded base64url, ${minBytes}..${maxBytes} bytes`,
  });

/** A federation-ready handle: `local@domain` (people and units alike). */
export const Handle = Type.String({
  pattern: '^[a-z0-9][a-z0-9._-]{0,62}@[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$',
  maxLength: 320,
  description: 'local@domain, lower case',
});

/** Server-assigned identifiers: 26 Crockford base32 characters (a ULID). */
export const Id = Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$', description: 'ULID' });

/** MLS group ids are 16..64 random bytes chosen by the creating client. */
export const GroupId = Base64Url(64, 16);

/** A security label in its canonical text form (the full label model comes with policy). */
export const LabelText = Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Z0-9][A-Z0-9 ,/()._-]*$' });

export const Precedence = Type.Union(
  [Type.Literal('FLASH'), Type.Literal('IMMEDIATE'), Type.Literal('PRIORITY'), Type.Literal('ROUTINE')],
  { description: 'cable precedence, FLASH highest' },
);

export const Timestamp = Type.String({ format: 'date-time' });

export const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) }, { $id: 'ErrorBody' });

export const Ok = Type.Object({ ok: Type.Literal(true) });

export function listOf<T extends TSchema>(item: T, max = 1000) {
  return Type.Array(item, { maxItems: max });
}
