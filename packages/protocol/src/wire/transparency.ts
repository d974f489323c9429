/**
 * Key transparency (version 1): every device key enrolment and revocation is an audit-log entry
 * whose leaf is tagged, so monitors find every key event from the public entry bundles alone, and
 * clients check a device's enrolment is in a verified checkpoint before encrypting to it.
 *
 * Leaf format: a key event's leaf is 33 bytes, 0x4B ('K') || commitment; every other leaf is the
 * 32-byte commitment alone. Commitment = SHA-256(salt || UTF-8(canonical event JSON)).
 */
import { type Static, Type } from '@sinclair/typebox';
import { Base64Url, Handle, Id, listOf, Timestamp } from './common.ts';

/** The event types that are key events (tagged leaves). */
export const KEY_EVENT_TYPES = ['device-enrol', 'device-revoke'] as const;
export type KeyEventType = (typeof KEY_EVENT_TYPES)[number];

/** First byte of a key event's leaf. */
export const KEY_EVENT_LEAF_TAG = 0x4b;
/** Length of a key event's leaf: the tag and a 32-byte commitment. */
export const KEY_EVENT_LEAF_SIZE = 33;
/** Length of every other leaf: the commitment alone. */
export const EVENT_COMMITMENT_SIZE = 32;

export function isKeyEventType(type: string): type is KeyEventType {
  return (KEY_EVENT_TYPES as readonly string[]).includes(type);
}

/** The leaf data of an event of `type` with this commitment ('K' || commitment for key events). */
export function eventLeaf(type: string, commitment: Uint8Array): Uint8Array {
  if (!isKeyEventType(type)) return commitment;
  const leaf = new Uint8Array(KEY_EVENT_LEAF_SIZE);
  leaf[0] = KEY_EVENT_LEAF_TAG;
  leaf.set(commitment, 1);
  return leaf;
}

/** True for a 33-byte leaf tagged 'K'. */
export function isKeyEventLeaf(leaf: Uint8Array): boolean {
  return leaf.length === KEY_EVENT_LEAF_SIZE && leaf[0] === KEY_EVENT_LEAF_TAG;
}

/**
 * The details of a key event as logged. keyFingerprint: base64url SHA-256 of the hybrid public key;
 * pouchKeyFingerprint (enrolments of devices that have one): base64url SHA-256 of the X-Wing pouch key.
 */
export interface KeyEventDetails {
  deviceId: string;
  person: string;
  keyFingerprint: string;
  pouchKeyFingerprint?: string;
  enrolledAt?: string;
  revokedAt?: string;
}

/** One opened log entry: its index, canonical event text and salt. */
export const KeyEventOpening = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  /** The canonical JSON text of the security event, exactly as committed. */
  event: Type.String({ maxLength: 65_536 }),
  salt: Base64Url(32, 32),
});
export type KeyEventOpening = Static<typeof KeyEventOpening>;

export const KEY_EVENTS_MAX_LIMIT = 1000;

/** GET /api/v1/transparency/key-events?from=I&to=J&limit=N */
export const KeyEventsResponse = Type.Object({
  events: listOf(KeyEventOpening, KEY_EVENTS_MAX_LIMIT),
  /** The scan covered entries from `from` up to (not including) `to` when `more` is false. */
  to: Type.Integer({ minimum: 0 }),
  more: Type.Boolean(),
});
export type KeyEventsResponse = Static<typeof KeyEventsResponse>;

/** An opening with its inclusion proof (standard base64 hashes, as /log/proof/inclusion serves them). */
export const KeyEventProof = Type.Object({
  ...KeyEventOpening.properties,
  proof: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }),
});
export type KeyEventProof = Static<typeof KeyEventProof>;

/** GET /api/v1/transparency/devices/:id */
export const DeviceKeyProofResponse = Type.Object({
  deviceId: Id,
  /** The signed checkpoint note the proofs are against. */
  checkpoint: Type.String({ maxLength: 65_536 }),
  size: Type.Integer({ minimum: 0 }),
  enrol: KeyEventProof,
  revoke: Type.Union([KeyEventProof, Type.Null()]),
});
export type DeviceKeyProofResponse = Static<typeof DeviceKeyProofResponse>;

/** POST /api/v1/transparency/alerts: a device of `deviceId`'s person did not enrol it. */
export const DeviceAlertRequest = Type.Object(
  {
    deviceId: Id,
    /** Log index of the device's enrolment event. */
    index: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  },
  { additionalProperties: false },
);
export type DeviceAlertRequest = Static<typeof DeviceAlertRequest>;

export const DeviceAlertResponse = Type.Object({ id: Id, person: Handle, at: Timestamp });
export type DeviceAlertResponse = Static<typeof DeviceAlertResponse>;
