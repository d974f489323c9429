/**
 * Opened audit-log entries (version 1): an authorised reader gets each event's canonical text and
 * salt with its log index, recomputes the commitment SHA-256(salt || event) and the leaf (tagged
 * for key events, wire/transparency.ts), and checks the leaf's inclusion under a signed checkpoint.
 */
import { type Static, Type } from '@sinclair/typebox';
import { KeyEventOpening } from './transparency.ts';

export const AUDIT_EVENTS_MAX_LIMIT = 1000;

/** GET /api/v1/audit/events?from=I&order=asc|desc&limit=N&type=T */
export const AuditEventsResponse = Type.Object({
  /** The signed checkpoint every returned entry is below (index < size). */
  checkpoint: Type.String({ maxLength: 65_536 }),
  size: Type.Integer({ minimum: 0 }),
  events: Type.Array(KeyEventOpening, { maxItems: AUDIT_EVENTS_MAX_LIMIT }),
  /** Where to continue (pass as `from`), or null at the end. */
  next: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
});
export type AuditEventsResponse = Static<typeof AuditEventsResponse>;
