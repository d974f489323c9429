export * from './admin.ts';
export * from './aead-cipher.ts';
export * from './api-client.ts';
export * from './audit.ts';
export type { AuditEventsPage, AuditEventsQuery, VerifiedAuditEvent } from './audit-events.ts';
export * from './checkpoint-trust.ts';
export * from './client.ts';
export * from './domain.ts';
export type { DeviceAlert, MonitorResult } from './key-monitor.ts';
export * from './labels.ts';
export type { LiveConnection, LiveEvent, WebSocketFactory } from './live.ts';
export type {
  OpenedPouchDocument,
  OpenPouchOptionsSdk,
  PouchApi,
  PouchFileInput,
  PouchHandover,
  PouchProgress,
  PouchSealing,
  SdkOpenedPouch,
  SealPouchOptions,
} from './pouch.ts';
export type * from './pouch-transport.ts';
export * from './pouch-view.ts';
export type * from './records.ts';
export { PRECEDENCE_RANK } from './records.ts';
export type { CableInput, OutgoingAttachment, SendResult } from './send.ts';
export * from './storage.ts';
export type { SyncProblem, SyncResult } from './sync.ts';
export { keyFingerprint, lastVerifiedCheckpoint } from './transparency.ts';
