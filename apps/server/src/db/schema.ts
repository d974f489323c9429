/**
 * The database schema as Kysely sees it. One schema for SQLite and PostgreSQL: times are integer
 * milliseconds since the epoch (portable, and ordered the same under every collation), binary
 * values are blob / bytea, lists are JSON text. Secrets (enrolment codes, challenges, session
 * tokens) are stored only as their SHA-256.
 */
import type { Kysely } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

export interface OrganisationTable {
  id: number;
  name: string;
  domain: string;
  created_at: number;
}

export interface UnitsTable {
  handle: string;
  name: string;
  kind: string;
  created_at: number;
}

export interface PeopleTable {
  handle: string;
  name: string;
  unit_handle: string;
  /** JSON array of Role. */
  roles: string;
  /** The person's own nationality: that of the baseline clearance (grants name theirs). */
  nationality: string;
  created_at: number;
}

export interface DevicesTable {
  id: string;
  person_handle: string;
  name: string;
  identity_key: Uint8Array;
  /** SHA-256 of identity_key: one device per key, and a short index. */
  identity_key_hash: Uint8Array;
  /** X-Wing pouch public key and the identity key's signature over it (migration 007); null for older devices. */
  pouch_key: Uint8Array | null;
  pouch_key_signature: Uint8Array | null;
  enrolled_at: number;
  revoked_at: number | null;
  /** The last queue sequence number handed out to this device. */
  queue_seq: number;
}

export interface EnrolmentCodesTable {
  code_hash: Uint8Array;
  person_handle: string;
  issued_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  device_id: string | null;
}

export interface AuthChallengesTable {
  challenge_hash: Uint8Array;
  device_id: string;
  expires_at: number;
}

export interface SessionsTable {
  token_hash: Uint8Array;
  device_id: string;
  created_at: number;
  expires_at: number;
}

export interface KeyPackagesTable {
  id: string;
  device_id: string;
  suite: number;
  key_package: Uint8Array;
  created_at: number;
  /** The key package's own notAfter, in ms (capped at Number.MAX_SAFE_INTEGER): claims skip it after. */
  not_after: number;
}

export interface ConversationsTable {
  id: string;
  kind: string;
  label: string;
  suite: number;
  epoch: number;
  created_by_person: string;
  created_by_device: string;
  created_at: number;
}

export interface ConversationMembersTable {
  conversation_id: string;
  device_id: string;
  person_handle: string;
  joined_epoch: number;
}

export interface RatchetTreesTable {
  conversation_id: string;
  epoch: number;
  tree: Uint8Array;
}

export interface PayloadsTable {
  id: string;
  conversation_id: string;
  type: string;
  epoch: number;
  sender_device_id: string;
  sender_person: string;
  label: string;
  precedence: string | null;
  data: Uint8Array;
  size: number;
  created_at: number;
}

export interface QueueTable {
  device_id: string;
  seq: number;
  payload_id: string;
}

export interface BlobsTable {
  id: string;
  conversation_id: string;
  uploader_device_id: string;
  size: number;
  data: Uint8Array;
  created_at: number;
}

/** A clearance grant (migration 003). Never deleted: revocation sets revoked_*; a newer grant supersedes. */
export interface ClearanceGrantsTable {
  id: string;
  person_handle: string;
  level: string;
  /** JSON array of compartment names, sorted. */
  compartments: string;
  nationality: string;
  /** 1 when the grant carries the export right (save to file, print). */
  may_export: number;
  /** The security officer who granted it; null for the server itself (set-up, migration). */
  granted_by: string | null;
  reason: string;
  granted_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  /** When the expiry sweep handled this grant's expiry (migration 004); null until it has expired and been swept. */
  expiry_swept_at: number | null;
}

/** Every grant and revocation of a clearance, in order; never deleted. */
export interface ClearanceHistoryTable {
  id: string;
  grant_id: string;
  person_handle: string;
  /** 'granted' | 'revoked'. */
  action: string;
  actor: string | null;
  reason: string;
  at: number;
  /** JSON: the grant as it stood after the change (level, compartments, nationality, expiry, export right, superseded grant). */
  details: string;
}

/** A two-person downgrade of a conversation's label waiting for (or given) a second security officer's approval. */
export interface LabelApprovalsTable {
  id: string;
  conversation_id: string;
  from_label: string;
  to_label: string;
  justification: string;
  requested_by: string;
  requested_by_device: string;
  requested_at: number;
  /** 'pending' | 'approved' | 'rejected' | 'superseded'. */
  status: string;
  decided_by: string | null;
  decided_at: number | null;
}

/**
 * A device that must be cut off from a conversation (migration 004): its person may no longer read
 * it, or the device was revoked. Until a member commits its removal, no message is accepted into
 * the conversation; the removing commit deletes the row.
 */
export interface PendingRemovalsTable {
  conversation_id: string;
  device_id: string;
  person_handle: string;
  /** 'clearance-expired' | 'clearance-revoked' | 'clearance-changed' | 'device-revoked'. */
  reason: string;
  created_at: number;
}

/** Security-relevant events: denials, label changes, clearance grants and revocations, approvals, exports. No content, no secrets. */
export interface SecurityEventsTable {
  id: string;
  at: number;
  type: string;
  actor_person: string | null;
  actor_device: string | null;
  target: string | null;
  code: string | null;
  /** JSON object. */
  details: string;
}

/** The audit log's size (one row, id 1): updating it serialises appends. */
export interface LogStateTable {
  id: number;
  size: number;
}

/** A leaf of the audit log: the commitment SHA-256(salt || canonical event JSON). */
export interface LogEntriesTable {
  idx: number;
  leaf: Uint8Array;
  created_at: number;
}

/** Complete subtree hashes of the audit log's tree: (Merkle level, index). */
export interface LogHashesTable {
  level: number;
  idx: number;
  hash: Uint8Array;
}

/** The opened events behind the commitments (access-controlled; never served under /log/). */
export interface LogEventsTable {
  idx: number;
  event_id: string;
  salt: Uint8Array;
  /** Canonical JSON of the event (see audit/canonical.ts). */
  event: string;
}

/** Every checkpoint the log has signed. */
export interface LogCheckpointsTable {
  size: number;
  root: Uint8Array;
  note: string;
  created_at: number;
}

/** A witness's verified cosignature line over the checkpoint of `size` (migration 006). */
export interface LogWitnessCosignaturesTable {
  witness: string;
  size: number;
  key_name: string;
  key_id: number;
  line: string;
  created_at: number;
}

/** A pouch in transit (migration 008); its bytes are a file under the pouch directory. */
export interface PouchesTable {
  /** The marks' pouch id, base64url. */
  id: string;
  seal_number: string;
  sender_person: string;
  sender_unit: string;
  sender_device: string;
  /** The sender device's hybrid public key, as on the marks. */
  sender_key: Uint8Array;
  consignee_unit: string;
  label: string;
  privacy_mark: string | null;
  item_count: number;
  /** Sealed size in bytes, without custody receipts. */
  size: number;
  header_length: number;
  /** SHA-256 of the header announced at creation: the uploaded bytes must start with it. */
  header_digest: Uint8Array;
  /** Bytes stored so far. */
  received: number;
  status: 'uploading' | 'available' | 'received' | 'rejected';
  rejection: string | null;
  pouch_digest: Uint8Array | null;
  created_at: number;
  available_at: number | null;
  /** How long each hop may take (ms). */
  hop_window_ms: number;
  expected_by: number | null;
  missing_at: number | null;
  /** Handle of the current holder (the sender's person until the first hand-over). */
  holder: string;
  hops: number;
}

/** A custody receipt as its taker signed it (migration 008). */
export interface PouchReceiptsTable {
  pouch: string;
  sequence: number;
  receipt: Uint8Array;
  receipt_digest: Uint8Array;
  taker_handle: string;
  taker_device: string;
  place: string;
  from_name: string;
  /** The hand-over's time as the receipt states it (ms). */
  at: number;
  recorded_at: number;
}

export interface DB {
  organisation: OrganisationTable;
  units: UnitsTable;
  people: PeopleTable;
  devices: DevicesTable;
  enrolment_codes: EnrolmentCodesTable;
  auth_challenges: AuthChallengesTable;
  sessions: SessionsTable;
  key_packages: KeyPackagesTable;
  conversations: ConversationsTable;
  conversation_members: ConversationMembersTable;
  ratchet_trees: RatchetTreesTable;
  payloads: PayloadsTable;
  queue: QueueTable;
  blobs: BlobsTable;
  clearance_grants: ClearanceGrantsTable;
  clearance_history: ClearanceHistoryTable;
  label_approvals: LabelApprovalsTable;
  security_events: SecurityEventsTable;
  pending_removals: PendingRemovalsTable;
  log_state: LogStateTable;
  log_entries: LogEntriesTable;
  log_hashes: LogHashesTable;
  log_events: LogEventsTable;
  log_checkpoints: LogCheckpointsTable;
  log_witness_cosignatures: LogWitnessCosignaturesTable;
  pouches: PouchesTable;
  pouch_receipts: PouchReceiptsTable;
}

export type Db = Kysely<DB>;
