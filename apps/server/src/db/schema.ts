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
  clearance: string;
  /** JSON array of compartment names. */
  compartments: string;
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
}

export type Db = Kysely<DB>;
