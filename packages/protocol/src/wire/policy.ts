/**
 * The HTTP API of labels, clearances and policy (version 1): the label policy clients colour
 * banners with, clearance grants and their history, relabelling a conversation with two-person
 * approvals for the top level, export checks, and the security events security officers review.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Conversation } from './api.ts';
import { GroupId, Handle, Id, LabelText, listOf, Timestamp } from './common.ts';

// ---- the label policy (GET /api/v1/label-policy) ------------------------------------------------
const Colour = Type.String({ pattern: '^#[0-9a-f]{6}$' });
export const LabelPolicyResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  /** Lowest first; a level's rank is its index. */
  levels: Type.Array(Type.Object({ name: Type.String(), colour: Colour, textColour: Colour })),
  compartments: Type.Array(Type.Object({ name: Type.String(), description: Type.String() })),
  releasability: Type.Object({
    countries: Type.Array(Type.String()),
    groups: Type.Array(Type.Object({ name: Type.String(), members: Type.Array(Type.String()) })),
  }),
  privacyMarks: Type.Array(Type.String()),
});
export type LabelPolicyResponse = Static<typeof LabelPolicyResponse>;

// ---- clearances ---------------------------------------------------------------------------------
const Compartments = Type.Array(Type.String({ pattern: '^[A-Z0-9-]{1,64}$' }), { maxItems: 64, uniqueItems: true });
const Reason = Type.String({ minLength: 1, maxLength: 1000 });

export const GrantClearanceRequest = Type.Object(
  {
    person: Handle,
    level: Type.String({ minLength: 1, maxLength: 64 }),
    compartments: Compartments,
    nationality: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 3166-1 alpha-3' }),
    expiresAt: Timestamp,
    reason: Reason,
    /** The export right (save to file, print); default false. */
    mayExport: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type GrantClearanceRequest = Static<typeof GrantClearanceRequest>;

export const RevokeClearanceRequest = Type.Object({ reason: Reason }, { additionalProperties: false });

export const ClearanceGrant = Type.Object({
  id: Id,
  person: Handle,
  level: Type.String(),
  compartments: Type.Array(Type.String()),
  nationality: Type.String(),
  mayExport: Type.Boolean(),
  /** The security officer who granted it; null when the server did (set-up, migration). */
  grantedBy: Type.Union([Handle, Type.Null()]),
  reason: Type.String(),
  grantedAt: Timestamp,
  expiresAt: Timestamp,
  revokedAt: Type.Union([Timestamp, Type.Null()]),
  revokedBy: Type.Union([Handle, Type.Null()]),
  revokeReason: Type.Union([Type.String(), Type.Null()]),
  /** effective: the clearance the person holds now; superseded: a later grant replaced it. */
  status: Type.Union([Type.Literal('effective'), Type.Literal('superseded'), Type.Literal('expired'), Type.Literal('revoked')]),
});
export type ClearanceGrant = Static<typeof ClearanceGrant>;

/** What a person may read now: their latest unrevoked, unexpired grant, or the baseline (lowest level, no compartments). */
export const EffectiveClearanceView = Type.Object({
  level: Type.String(),
  compartments: Type.Array(Type.String()),
  nationality: Type.String(),
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  mayExport: Type.Boolean(),
  grantId: Type.Union([Id, Type.Null()]),
  baseline: Type.Boolean(),
});
export type EffectiveClearanceView = Static<typeof EffectiveClearanceView>;

export const ClearanceHistoryEntry = Type.Object({
  id: Id,
  grantId: Id,
  action: Type.Union([Type.Literal('granted'), Type.Literal('revoked')]),
  actor: Type.Union([Handle, Type.Null()]),
  reason: Type.String(),
  at: Timestamp,
  details: Type.Record(Type.String(), Type.Unknown()),
});

export const PersonClearances = Type.Object({
  person: Handle,
  effective: EffectiveClearanceView,
  grants: listOf(ClearanceGrant, 10000),
  history: listOf(ClearanceHistoryEntry, 20000),
});
export type PersonClearances = Static<typeof PersonClearances>;

// ---- relabelling and two-person approvals ------------------------------------------------------
export const RelabelRequest = Type.Object(
  {
    label: LabelText,
    /** Required (at least 10 characters) for a downgrade or declassification. */
    justification: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type RelabelRequest = Static<typeof RelabelRequest>;

export const LabelApproval = Type.Object({
  id: Id,
  conversationId: GroupId,
  fromLabel: LabelText,
  toLabel: LabelText,
  justification: Type.String(),
  requestedBy: Handle,
  requestedAt: Timestamp,
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected'), Type.Literal('superseded')]),
  decidedBy: Type.Union([Handle, Type.Null()]),
  decidedAt: Type.Union([Timestamp, Type.Null()]),
});
export type LabelApproval = Static<typeof LabelApproval>;
export const LabelApprovals = listOf(LabelApproval, 10000);

export const RelabelResponse = Type.Union([
  Type.Object({ status: Type.Literal('applied'), conversation: Conversation }),
  /** A downgrade from the top level waits for a second security officer (POST /approvals/:id/approve). */
  Type.Object({ status: Type.Literal('pending-approval'), approval: LabelApproval }),
]);
export type RelabelResponse = Static<typeof RelabelResponse>;

export const ApprovalDecisionResponse = Type.Object({ approval: LabelApproval, conversation: Type.Optional(Conversation) });
export type ApprovalDecisionResponse = Static<typeof ApprovalDecisionResponse>;

// ---- export (save to file, print) --------------------------------------------------------------
export const ExportRequest = Type.Object(
  {
    conversationId: GroupId,
    /** The message being exported, when it is one (recorded, never its content). */
    messageId: Type.Optional(Id),
    /** The label of what is exported: it must be dominated by the conversation's. */
    label: LabelText,
    kind: Type.Union([Type.Literal('file'), Type.Literal('print')]),
  },
  { additionalProperties: false },
);
export type ExportRequest = Static<typeof ExportRequest>;
export const ExportResponse = Type.Object({ allowed: Type.Literal(true), label: LabelText });

// ---- security events ----------------------------------------------------------------------------
/**
 * Every kind of event the server records (security_events) and commits to the audit log. The
 * names are part of the logged canonical form: add, never rename.
 */
export const AUDIT_EVENT_TYPES = [
  'access-denied',
  'label-change',
  'clearance-grant',
  'clearance-revoke',
  'approval',
  'export',
  // A member's devices must be cut off from a conversation (clearance lowered, expired or revoked,
  // device revoked), and the commit that cut them off.
  'removal-required',
  'removal-completed',
  // Message flow: a message or cable stored for delivery, taken from a device's queue, read.
  'send',
  'deliver',
  'read',
  // Key transparency: a device key published (enrolment) or withdrawn (revocation).
  'device-enrol',
  'device-revoke',
  // Devices added to or removed from a conversation's MLS group.
  'membership-change',
  // A pouch handed from one holder to the next (signed receipt).
  'custody-handover',
  // Raised by the system or reported by a device (e.g. a device its person did not enrol).
  'alert',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];
export const SecurityEventType = Type.Union(AUDIT_EVENT_TYPES.map((t) => Type.Literal(t)));
export const SecurityEvent = Type.Object({
  id: Id,
  at: Timestamp,
  type: SecurityEventType,
  actor: Type.Object({ person: Type.Union([Handle, Type.Null()]), device: Type.Union([Id, Type.Null()]) }),
  /** What it was about: "conversation:ID", "person:HANDLE", "grant:ID", "approval:ID". */
  target: Type.Union([Type.String(), Type.Null()]),
  /** The error code of a denial. */
  code: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
});
export type SecurityEvent = Static<typeof SecurityEvent>;
export const SecurityEvents = Type.Object({ events: listOf(SecurityEvent, 1000), more: Type.Boolean() });
export type SecurityEvents = Static<typeof SecurityEvents>;

// ---- alerts and their acknowledgement -----------------------------------------------------------
/**
 * A security officer acknowledges an alert (POST /api/v1/alerts/:id/acknowledge). The
 * acknowledgement is itself a security event of type 'alert' with this code, target "alert:ID"
 * and details {acknowledges, note}: in the audit log beside the alert, no new event type.
 */
export const ALERT_ACKNOWLEDGED = 'ALERT_ACKNOWLEDGED';

export const AcknowledgeAlertRequest = Type.Object(
  {
    /** What the officer checked or did (kept with the acknowledgement, shown to security officers). */
    note: Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S' }),
  },
  { additionalProperties: false },
);
export type AcknowledgeAlertRequest = Static<typeof AcknowledgeAlertRequest>;

export const AlertAcknowledgement = Type.Object({
  /** The acknowledgement's own security event. */
  id: Id,
  /** The alert's security event. */
  alert: Id,
  acknowledgedBy: Handle,
  at: Timestamp,
  note: Type.String(),
  /** True when the alert had been acknowledged before (this answer is that earlier acknowledgement). */
  already: Type.Boolean(),
});
export type AlertAcknowledgement = Static<typeof AlertAcknowledgement>;
