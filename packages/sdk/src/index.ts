// The domain types and errors apps work with, so that apps need only the SDK.
export type { ClearanceProfile, Device, LabelLevel, LabelPolicy, Me, Organisation, Person, SecurityLabel, Unit } from '@valise/protocol';
export {
  clearanceDominates,
  DEFAULT_LABEL_POLICY,
  formatLabel,
  hasCode,
  LIMITS,
  levelRank,
  levelStyle,
  parseLabel,
  releasableCountries,
  ValiseError,
  writableCompartments,
  writableLevels,
} from '@valise/protocol';
export * from './admin.ts';
export * from './aead-cipher.ts';
export * from './api-client.ts';
export * from './client.ts';
export * from './labels.ts';
export type { LiveConnection, LiveEvent, WebSocketFactory } from './live.ts';
export type * from './records.ts';
export { PRECEDENCE_RANK } from './records.ts';
export type { CableInput, OutgoingAttachment, SendResult } from './send.ts';
export * from './storage.ts';
export type { SyncProblem, SyncResult } from './sync.ts';
