/**
 * The Valise HTTP API, version 1: one TypeBox schema per request and response. The server
 * validates every request against these and publishes them as OpenAPI; the SDK takes its types
 * from them. Binary values travel as unpadded base64url. Every route under /api/v1 except
 * enrolment and authentication needs `Authorization: Bearer <session token>`.
 */
import { type Static, Type } from '@sinclair/typebox';
import { concatBytes, utf8 } from '../bytes.ts';
import { HYBRID_PUBLIC_KEY_LENGTH, HYBRID_SIGNATURE_LENGTH } from '../identity/hybrid.ts';
import { XWING_PUBLIC_KEY_LENGTH } from '../pouch/xwing.ts';
import { Base64Url, GroupId, Handle, Id, LabelText, listOf, Precedence, Timestamp } from './common.ts';

export const API_PREFIX = '/api/v1';

// ---- limits (also the server's request limits) -------------------------------------------------
export const LIMITS = {
  /** An MLS message (commit, welcome, application) on the wire. */
  mlsMessageBytes: 4 * 1024 * 1024,
  /** A serialized ratchet tree: 1,000 PQ leaves take about 8 MB. */
  ratchetTreeBytes: 16 * 1024 * 1024,
  // A post-quantum (suite 87) key package is about 17.8 KB: ML-DSA-87 and X-Wing keys are large.
  keyPackageBytes: 32 * 1024,
  keyPackagesPerUpload: 100,
  attachmentBytes: 25 * 1024 * 1024,
  devicesPerCommit: 1000,
} as const;

// ---- roles, people, units, devices ------------------------------------------------------------
export const Role = Type.Union([Type.Literal('user'), Type.Literal('security-officer'), Type.Literal('admin')]);
export type Role = Static<typeof Role>;

export const UnitKind = Type.Union([
  Type.Literal('headquarters'),
  Type.Literal('embassy'),
  Type.Literal('mission'),
  Type.Literal('department'),
]);

export const Unit = Type.Object({ handle: Handle, name: Type.String({ maxLength: 200 }), kind: UnitKind });
export type Unit = Static<typeof Unit>;

export const Person = Type.Object({
  handle: Handle,
  name: Type.String({ maxLength: 200 }),
  unit: Handle,
  roles: Type.Array(Role, { maxItems: 3 }),
  clearance: Type.String({ maxLength: 64, description: 'name of the clearance level, e.g. SECRET' }),
  compartments: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }),
  nationality: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 3166-1 alpha-3' }),
});
export type Person = Static<typeof Person>;

export const Device = Type.Object({
  id: Id,
  person: Handle,
  name: Type.String({ maxLength: 100 }),
  identityKey: Base64Url(HYBRID_PUBLIC_KEY_LENGTH, HYBRID_PUBLIC_KEY_LENGTH),
  /** The device's X-Wing pouch public key (absent for devices enrolled before pouches). */
  pouchKey: Type.Optional(Base64Url(XWING_PUBLIC_KEY_LENGTH, XWING_PUBLIC_KEY_LENGTH)),
  /** Hybrid signature by the identity key, context "pouch-key", over the pouch key: the server cannot substitute it. */
  pouchKeySignature: Type.Optional(Base64Url(HYBRID_SIGNATURE_LENGTH, HYBRID_SIGNATURE_LENGTH)),
  enrolledAt: Timestamp,
  revokedAt: Type.Union([Timestamp, Type.Null()]),
});
export type Device = Static<typeof Device>;

export const Organisation = Type.Object({ name: Type.String(), domain: Type.String() });
export type Organisation = Static<typeof Organisation>;

export const Health = Type.Object({ status: Type.Literal('ok'), version: Type.String(), organisation: Organisation });

// ---- enrolment and authentication -------------------------------------------------------------
/** Enrolment codes: 4 groups of 5 Crockford base32 characters (100 bits), dashes optional. */
export const EnrolmentCode = Type.String({ pattern: '^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z-]{20,32}$', maxLength: 32 });

export const EnrolRequest = Type.Object(
  {
    code: EnrolmentCode,
    deviceName: Type.String({ minLength: 1, maxLength: 100 }),
    identityKey: Base64Url(HYBRID_PUBLIC_KEY_LENGTH, HYBRID_PUBLIC_KEY_LENGTH),
    /** The device's X-Wing pouch public key, generated on the device (optional only for older clients). */
    pouchKey: Type.Optional(Base64Url(XWING_PUBLIC_KEY_LENGTH, XWING_PUBLIC_KEY_LENGTH)),
    /** Hybrid signature, context "pouch-key", over pouchKey; required with pouchKey. */
    pouchKeySignature: Type.Optional(Base64Url(HYBRID_SIGNATURE_LENGTH, HYBRID_SIGNATURE_LENGTH)),
    /** Hybrid signature, context "enrol", over enrolmentProofMessage(code, identityKey, pouchKey): proves key possession. */
    proof: Base64Url(HYBRID_SIGNATURE_LENGTH, HYBRID_SIGNATURE_LENGTH),
  },
  { additionalProperties: false },
);
export type EnrolRequest = Static<typeof EnrolRequest>;

/**
 * What the enrolment proof signs (context "enrol"): utf8(normalised code) || identity key, then
 * the pouch key when the device sends one, so the whole request is bound to the code's holder.
 */
export function enrolmentProofMessage(code: string, identityKey: Uint8Array, pouchKey?: Uint8Array): Uint8Array {
  return pouchKey ? concatBytes(utf8(code), identityKey, pouchKey) : concatBytes(utf8(code), identityKey);
}
export const EnrolResponse = Type.Object({ device: Device, person: Person, organisation: Organisation });
export type EnrolResponse = Static<typeof EnrolResponse>;

export const ChallengeRequest = Type.Object({ deviceId: Id }, { additionalProperties: false });
export const ChallengeResponse = Type.Object({ challenge: Base64Url(32, 32), expiresAt: Timestamp });
export type ChallengeResponse = Static<typeof ChallengeResponse>;

export const TokenRequest = Type.Object(
  {
    deviceId: Id,
    challenge: Base64Url(32, 32),
    /** Hybrid signature, context "auth", over challenge || utf8(deviceId) || utf8(server domain). */
    signature: Base64Url(HYBRID_SIGNATURE_LENGTH, HYBRID_SIGNATURE_LENGTH),
  },
  { additionalProperties: false },
);
export type TokenRequest = Static<typeof TokenRequest>;
export const TokenResponse = Type.Object({ token: Type.String(), expiresAt: Timestamp });
export type TokenResponse = Static<typeof TokenResponse>;

export const Me = Type.Object({ person: Person, device: Device, organisation: Organisation });
export type Me = Static<typeof Me>;

// ---- administration ---------------------------------------------------------------------------
export const CreateUnitRequest = Type.Object(
  { handle: Handle, name: Type.String({ minLength: 1, maxLength: 200 }), kind: UnitKind },
  { additionalProperties: false },
);
export const CreatePersonRequest = Type.Object(
  {
    handle: Handle,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    unit: Handle,
    roles: Type.Array(Role, { minItems: 1, maxItems: 3, uniqueItems: true }),
    clearance: Type.String({ minLength: 1, maxLength: 64 }),
    compartments: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z0-9-]{1,64}$' }), { maxItems: 64, uniqueItems: true })),
    nationality: Type.String({ pattern: '^[A-Z]{3}$' }),
  },
  { additionalProperties: false },
);
export type CreatePersonRequest = Static<typeof CreatePersonRequest>;
export const IssueEnrolmentCodeRequest = Type.Object(
  { person: Handle, ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 30 * 24 * 3600 })) },
  { additionalProperties: false },
);
export const EnrolmentCodeResponse = Type.Object({ person: Handle, code: Type.String(), expiresAt: Timestamp });
export type EnrolmentCodeResponse = Static<typeof EnrolmentCodeResponse>;

// ---- MLS key packages -------------------------------------------------------------------------
export const Suite = Type.Integer({ minimum: 1, maximum: 65535, description: 'MLS cipher suite id' });

export const UploadKeyPackagesRequest = Type.Object(
  {
    suite: Suite,
    keyPackages: Type.Array(Base64Url(LIMITS.keyPackageBytes, 1), { minItems: 1, maxItems: LIMITS.keyPackagesPerUpload }),
  },
  { additionalProperties: false },
);
export const KeyPackageCount = Type.Object({ suite: Suite, count: Type.Integer() });
export const ClaimKeyPackagesRequest = Type.Object(
  { suite: Suite, deviceIds: Type.Array(Id, { minItems: 1, maxItems: LIMITS.devicesPerCommit, uniqueItems: true }) },
  { additionalProperties: false },
);
export const ClaimKeyPackagesResponse = Type.Object({
  keyPackages: Type.Array(Type.Object({ deviceId: Id, keyPackage: Base64Url(LIMITS.keyPackageBytes) })),
  /** Devices that had no key package left for this suite. */
  missing: Type.Array(Id),
});
export type ClaimKeyPackagesResponse = Static<typeof ClaimKeyPackagesResponse>;

// ---- conversations (MLS groups) and the delivery service --------------------------------------
export const ConversationKind = Type.Union([Type.Literal('direct'), Type.Literal('group'), Type.Literal('cable')]);
export type ConversationKind = Static<typeof ConversationKind>;

export const CreateConversationRequest = Type.Object(
  { id: GroupId, kind: ConversationKind, label: LabelText, suite: Suite },
  { additionalProperties: false },
);
export const Conversation = Type.Object({
  id: GroupId,
  kind: ConversationKind,
  label: LabelText,
  suite: Suite,
  epoch: Type.Integer({ minimum: 0 }),
  members: Type.Array(Type.Object({ deviceId: Id, person: Handle })),
  createdBy: Handle,
  createdAt: Timestamp,
});
export type Conversation = Static<typeof Conversation>;

export const CommitRequest = Type.Object(
  {
    /** The epoch the commit was made in; the server accepts exactly one commit per epoch. */
    epoch: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    commit: Base64Url(LIMITS.mlsMessageBytes, 1),
    welcome: Type.Optional(Base64Url(LIMITS.mlsMessageBytes, 1)),
    /** The public ratchet tree after the commit, served to joiners instead of inlining it in the Welcome. */
    ratchetTree: Base64Url(LIMITS.ratchetTreeBytes, 1),
    added: Type.Array(Id, { maxItems: LIMITS.devicesPerCommit, uniqueItems: true }),
    removed: Type.Array(Id, { maxItems: LIMITS.devicesPerCommit, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type CommitRequest = Static<typeof CommitRequest>;
export const CommitResponse = Type.Object({ epoch: Type.Integer() });

export const RatchetTreeResponse = Type.Object({ epoch: Type.Integer(), ratchetTree: Base64Url(LIMITS.ratchetTreeBytes) });

export const SendMessageRequest = Type.Object(
  {
    epoch: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    /** An MLS PrivateMessage carrying the encrypted MessageContent. */
    ciphertext: Base64Url(LIMITS.mlsMessageBytes, 1),
    /** The label and precedence in clear, the pouch's "visible external marks"; bound inside the ciphertext too. */
    label: LabelText,
    precedence: Precedence,
  },
  { additionalProperties: false },
);
export type SendMessageRequest = Static<typeof SendMessageRequest>;
export const SendMessageResponse = Type.Object({ id: Id });

/**
 * `removal-required`: the server tells the remaining members that some devices may no longer read
 * the conversation (clearance expired or revoked, device revoked). Its payload is base64url JSON
 * `RemovalRequired`. The server refuses new messages into the conversation (409 REMOVAL_PENDING)
 * until a member has committed their removal, so nothing new is ever encrypted to them.
 */
export const QueueItemType = Type.Union([
  Type.Literal('welcome'),
  Type.Literal('commit'),
  Type.Literal('message'),
  Type.Literal('removal-required'),
]);

export const RemovalRequired = Type.Object(
  {
    deviceIds: Type.Array(Id, { minItems: 1, maxItems: LIMITS.devicesPerCommit, uniqueItems: true }),
    reason: Type.String({ maxLength: 200 }),
  },
  { additionalProperties: false },
);
export type RemovalRequired = Static<typeof RemovalRequired>;
export const QueueItem = Type.Object({
  /** Per-device, strictly increasing. */
  seq: Type.Integer({ minimum: 1 }),
  type: QueueItemType,
  conversationId: GroupId,
  conversationKind: ConversationKind,
  epoch: Type.Integer(),
  payload: Base64Url(LIMITS.mlsMessageBytes),
  /**
   * Who the item is from. On `removal-required` items, which the server itself writes (`system`),
   * no device sent anything: the sender names the first device the request is about, and its person.
   */
  sender: Type.Object({ deviceId: Id, person: Handle }),
  /** True on items the server originates (`removal-required`), absent on everything a device sent. */
  system: Type.Optional(Type.Literal(true)),
  /** Present on messages. */
  messageId: Type.Optional(Id),
  label: LabelText,
  precedence: Type.Optional(Precedence),
  receivedAt: Timestamp,
});
export type QueueItem = Static<typeof QueueItem>;
export const QueueResponse = Type.Object({ items: Type.Array(QueueItem), more: Type.Boolean() });
export type QueueResponse = Static<typeof QueueResponse>;
// Bounded so every number fits the databases' 64-bit integers exactly: an unbounded JSON integer
// (1e20) reached PostgreSQL as out of range for bigint and came back as a 500 instead of a 400.
export const AckRequest = Type.Object(
  { upTo: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
  { additionalProperties: false },
);

export const BlobResponse = Type.Object({ id: Id, size: Type.Integer() });

/** Frames on the WebSocket at /api/v1/ws. The first client frame must be auth, within 10 s. */
export const WsClientFrame = Type.Union([Type.Object({ type: Type.Literal('auth'), token: Type.String({ maxLength: 200 }) })]);
export type WsServerFrame =
  | { type: 'ready' }
  | { type: 'queue'; seq: number }
  /** A pouch was delivered to your unit, handed over, or reported missing (pull GET /pouches/:id/track). */
  | { type: 'pouch'; id: string; event: 'delivered' | 'handover' | 'missing' }
  | { type: 'error'; code: string; message: string };

// ---- lists ---------------------------------------------------------------------------------------
export const People = listOf(Person, 10000);
export const Units = listOf(Unit, 1000);
export const Devices = listOf(Device, 1000);
export const Conversations = listOf(Conversation, 10000);
