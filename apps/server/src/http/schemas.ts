/**
 * Route schema helpers. Bodies and responses use the protocol's TypeBox schemas; path and query
 * parameters are plain JSON Schema here. Query values arrive as strings and the validator does not
 * coerce types (so a JSON body can never smuggle "5" for 5), hence digit patterns.
 */

export const ERROR_REF = { $ref: 'ErrorBody#' } as const;

/** Every route documents the error body for the statuses it can return. */
export function errors(...statuses: number[]): Record<number, typeof ERROR_REF> {
  const out: Record<number, typeof ERROR_REF> = {};
  for (const s of [400, ...statuses]) out[s] = ERROR_REF;
  return out;
}

/** Authenticated routes: documented with the bearer scheme and 401. */
export const BEARER = [{ bearer: [] }];

const ULID = { type: 'string', pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' } as const;
const HANDLE = {
  type: 'string',
  maxLength: 320,
  pattern: '^[a-z0-9][a-z0-9._-]{0,62}@[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$',
} as const;
const GROUP_ID = { type: 'string', pattern: '^[A-Za-z0-9_-]*$', minLength: 22, maxLength: 86 } as const;

export const IdParams = { type: 'object', properties: { id: ULID }, required: ['id'], additionalProperties: false } as const;
export const HandleParams = { type: 'object', properties: { handle: HANDLE }, required: ['handle'], additionalProperties: false } as const;
export const ConversationParams = { type: 'object', properties: { id: GROUP_ID }, required: ['id'], additionalProperties: false } as const;
export const MessageParams = {
  type: 'object',
  properties: { id: GROUP_ID, messageId: ULID },
  required: ['id', 'messageId'],
  additionalProperties: false,
} as const;
export const BlobParams = {
  type: 'object',
  properties: { id: GROUP_ID, blobId: ULID },
  required: ['id', 'blobId'],
  additionalProperties: false,
} as const;

export const QueueQuery = {
  type: 'object',
  properties: {
    after: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$', description: 'return items with seq greater than this (default 0)' },
    limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: 'at most this many items, 1..1000 (default 100)' },
  },
  additionalProperties: false,
} as const;

export const EpochQuery = {
  type: 'object',
  properties: {
    epoch: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$', description: 'the epoch whose tree is wanted (default: the latest)' },
  },
  additionalProperties: false,
} as const;

export const SuiteQuery = {
  type: 'object',
  properties: { suite: { type: 'string', pattern: '^[1-9][0-9]{0,4}$', description: 'MLS cipher suite id' } },
  required: ['suite'],
  additionalProperties: false,
} as const;

/** base64url characters for `bytes` bytes, as the protocol's Base64Url schema counts them. */
export function base64Length(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}
