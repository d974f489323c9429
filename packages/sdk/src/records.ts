/** What the SDK keeps on the device, all of it inside the EncryptedStore. */
import type { AttachmentRef, ConversationKind, Organisation, Person } from '@valise/protocol';

export interface DeviceIdentityRecord {
  v: 1;
  serverUrl: string;
  deviceId: string;
  deviceName: string;
  person: Person;
  organisation: Organisation;
  /** Hybrid Ed25519 + ML-DSA-65 secret key (base64url, 64 bytes). Never leaves the device. */
  identitySecretKey: string;
  identityPublicKey: string;
  /** X-Wing pouch secret key (base64url, 32-byte seed) and public key; absent on devices enrolled before pouches. */
  pouchSecretKey?: string;
  pouchPublicKey?: string;
  enrolledAt: string;
}

export interface ConversationRecord {
  id: string;
  kind: ConversationKind;
  label: string;
  suite: number;
  /** base64url of the encoded MLS group state (holds private keys; encrypted at rest by the store). */
  group: string;
  /** False once this device has been removed from the group. */
  active: boolean;
  joinedAt: string;
}

export interface StoredMessage {
  id: string;
  conversationId: string;
  conversationKind: ConversationKind;
  kind: 'cable' | 'message';
  from: { person: string; deviceId: string };
  label: string;
  precedence: 'FLASH' | 'IMMEDIATE' | 'PRIORITY' | 'ROUTINE';
  subject: string;
  body: string;
  tags: string[];
  originator: string;
  action: string[];
  info: string[];
  attachments: AttachmentRef[];
  sentAt: string;
  receivedAt: string;
  read: boolean;
  /** True for the sender's own copy. */
  outgoing: boolean;
}

/** Precedence order, FLASH first. */
export const PRECEDENCE_RANK: Record<StoredMessage['precedence'], number> = { FLASH: 0, IMMEDIATE: 1, PRIORITY: 2, ROUTINE: 3 };
