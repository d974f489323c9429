/**
 * The pouch transport API (version 1): announcing a pouch, uploading its bytes in resumable
 * chunks, delivery to the consignee unit, custody receipts and tracking. The pouch itself is the
 * valise-pouch/v1 file (docs/pouch-format.md); its id on the server is the marks' 16-byte pouch
 * id in base64url, so anyone holding the file can name it. Also the sizes every party computes
 * from a header the same way.
 */
import { type Static, Type } from '@sinclair/typebox';
import {
  CHUNK_SIZE,
  DIGEST_LENGTH,
  MAX_MARKS_LENGTH,
  MAX_RECEIPT_LENGTH,
  POUCH_ID_LENGTH,
  SIGNATURE_LENGTH,
  TAG_LENGTH,
} from '../pouch/format.ts';
import { XWING_CIPHERTEXT_LENGTH } from '../pouch/xwing.ts';
import { Base64Url, Handle, LabelText, listOf, Timestamp } from './common.ts';

export const POUCH_LIMITS = {
  /** A pouch header: magic, marks, up to 1024 recipient entries, commitment, marks signature. */
  headerBytes: 16 + 4 + MAX_MARKS_LENGTH + 2 + 1024 * (2 + 255 + XWING_CIPHERTEXT_LENGTH + 48) + 32 + SIGNATURE_LENGTH,
  /** Bytes in one upload request: a pouch of gigabytes is many requests. */
  uploadChunkBytes: 64 * 1024 * 1024,
  receiptBytes: MAX_RECEIPT_LENGTH,
  /** The next hop's deadline: 1 minute to 90 days after the announcement or the last hand-over. */
  minExpectedHours: 1 / 60,
  maxExpectedHours: 90 * 24,
  defaultExpectedHours: 72,
} as const;

/** The server's id of a pouch: the marks' pouch id (16 bytes) in unpadded base64url. */
export const PouchId = Type.String({ pattern: '^[A-Za-z0-9_-]{22}$', description: "the marks' pouch id, base64url" });

export const PouchStatus = Type.Union(
  [Type.Literal('uploading'), Type.Literal('available'), Type.Literal('received'), Type.Literal('rejected')],
  {
    description:
      'uploading: announced, bytes arriving; available: verified and delivered to the consignee unit; received: a member of the consignee unit signed for it; rejected: its bytes did not verify',
  },
);
export type PouchStatus = Static<typeof PouchStatus>;

export const CreatePouchRequest = Type.Object(
  {
    /** The pouch's bytes from offset 0 to the end of the marks signature. */
    header: Base64Url(POUCH_LIMITS.headerBytes, 1),
    /** The sealed pouch's size in bytes (without custody receipts): must match what the header implies. */
    size: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    /** Hours the next hop may take before the pouch is reported missing (default 72). */
    expectedHours: Type.Optional(Type.Number({ minimum: POUCH_LIMITS.minExpectedHours, maximum: POUCH_LIMITS.maxExpectedHours })),
  },
  { additionalProperties: false },
);
export type CreatePouchRequest = Static<typeof CreatePouchRequest>;

export const PouchSummary = Type.Object({
  id: PouchId,
  sealNumber: Type.String(),
  sender: Type.Object({ person: Handle, unit: Handle, device: Type.String() }),
  consigneeUnit: Handle,
  label: LabelText,
  privacyMark: Type.Union([Type.String(), Type.Null()]),
  itemCount: Type.Integer(),
  /** Sealed bytes (without receipts). */
  size: Type.Integer(),
  /** Bytes the server holds so far. */
  received: Type.Integer(),
  status: PouchStatus,
  /** Why the bytes were refused (a POUCH_… code), when rejected. */
  rejection: Type.Union([Type.String(), Type.Null()]),
  /** Hex SHA-256 pouch digest, once verified. */
  pouchDigest: Type.Union([Type.String({ pattern: '^[0-9a-f]{64}$' }), Type.Null()]),
  createdAt: Timestamp,
  availableAt: Type.Union([Timestamp, Type.Null()]),
  /** The current holder: the sender's person until the first hand-over, then the last taker. */
  holder: Handle,
  hops: Type.Integer(),
  /** When the next hop is due; null once the consignee unit holds it. */
  expectedBy: Type.Union([Timestamp, Type.Null()]),
  /** Set when the next hop was overdue and the pouch was reported missing. */
  missingSince: Type.Union([Timestamp, Type.Null()]),
});
export type PouchSummary = Static<typeof PouchSummary>;

export const CreatePouchResponse = Type.Object({
  pouch: PouchSummary,
  /** Where to PUT the bytes (with Upload-Offset). */
  uploadUrl: Type.String(),
});
export type CreatePouchResponse = Static<typeof CreatePouchResponse>;

export const PouchUploadStatus = Type.Object({ id: PouchId, size: Type.Integer(), received: Type.Integer(), status: PouchStatus });
export type PouchUploadStatus = Static<typeof PouchUploadStatus>;

export const Pouches = Type.Object({ pouches: listOf(PouchSummary, 1000) });
export type Pouches = Static<typeof Pouches>;

export const PostReceiptRequest = Type.Object({ receipt: Base64Url(POUCH_LIMITS.receiptBytes, 1) }, { additionalProperties: false });
export type PostReceiptRequest = Static<typeof PostReceiptRequest>;

export const PouchHop = Type.Object({
  sequence: Type.Integer(),
  at: Timestamp,
  place: Type.String(),
  from: Type.String({ description: 'the previous holder as the taker named it' }),
  taker: Type.Object({ handle: Type.String(), device: Type.String() }),
  /** Hex SHA-256 of the receipt, as in the audit log. */
  receiptDigest: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  recordedAt: Timestamp,
});
export type PouchHop = Static<typeof PouchHop>;

export const PouchTrack = Type.Object({ pouch: PouchSummary, hops: listOf(PouchHop, 100000), missing: Type.Boolean() });
export type PouchTrack = Static<typeof PouchTrack>;

export const PostReceiptResponse = Type.Object({ hop: PouchHop, pouch: PouchSummary });
export type PostReceiptResponse = Static<typeof PostReceiptResponse>;

// ---- sizes from a header ------------------------------------------------------------------------

const MAGIC_LENGTH = 16;

/**
 * How long a pouch header is, from its first bytes: the length, or undefined when `prefix` is too
 * short to tell yet (read more and ask again). Does not check the header: inspectPouch does.
 */
export function pouchHeaderLength(prefix: Uint8Array): number | undefined {
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  let at = MAGIC_LENGTH;
  if (prefix.length < at + 4) return undefined;
  const marksLength = view.getUint32(at);
  if (marksLength > MAX_MARKS_LENGTH) return at + 4; // refused by inspectPouch
  at += 4 + marksLength;
  if (prefix.length < at + 2) return undefined;
  const count = view.getUint16(at);
  at += 2;
  for (let i = 0; i < count; i++) {
    if (prefix.length < at + 2) return undefined;
    at += 2 + view.getUint16(at) + XWING_CIPHERTEXT_LENGTH + 48;
  }
  return at + 32 + SIGNATURE_LENGTH;
}

/** The size of a sealed pouch (no receipts) with this header length and payload length (from the marks). */
export function sealedPouchSize(headerLength: number, payloadLength: number): number {
  const chunks = Math.max(1, Math.ceil(payloadLength / CHUNK_SIZE));
  return headerLength + POUCH_ID_LENGTH + payloadLength + TAG_LENGTH * chunks + DIGEST_LENGTH + SIGNATURE_LENGTH;
}
