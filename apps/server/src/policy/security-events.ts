/**
 * Security events: denials, label changes, clearance grants and revocations, two-person approvals,
 * exports, removals of devices from conversations (required, completed). Every one goes through
 * `recordSecurityEvent`, the one place that writes them, and that also appends each to the audit
 * log (audit/: a salted commitment as the leaf, tagged 'K' for key events, the canonical event in
 * `log_events`), in the same transaction. They name who, what and why, never content, keys, tokens or justification texts.
 */
import { type AuditEventType, eventLeaf, type SecurityEvent, ValiseError } from '@valise/protocol';
import type { Insertable } from 'kysely';
import { type BatchWriter, inBatch } from '../audit/appender.ts';
import { canonicalJson, eventCommitment, LOG_SALT_SIZE } from '../audit/canonical.ts';
import { appendEntries, type LogAppend } from '../audit/store.ts';
import type { ServiceContext } from '../context.ts';
import type { Db, SecurityEventsTable } from '../db/schema.ts';
import { statusOf } from '../errors.ts';
import type { Actor } from '../identity/authentication.ts';
import { newUlid } from '../ids.ts';

export type SecurityEventType = AuditEventType;

export interface SecurityEventInput {
  type: SecurityEventType;
  actor: { person: string | null; device: string | null };
  /** What it was about, e.g. "conversation:ID", "person:HANDLE", "grant:ID". */
  target: string | null;
  code: string | null;
  details: Record<string, unknown>;
}

export function actorOfEvent(actor: Actor | null): SecurityEventInput['actor'] {
  return { person: actor?.person.handle ?? null, device: actor?.deviceId ?? null };
}

type SecurityEventRow = Insertable<SecurityEventsTable>;

interface RecordedEvent {
  row: SecurityEventRow;
  entry: LogAppend;
}

/** Events rows and their log entries, in order: one multi-row insert and one append per batch. */
const writeEvents: BatchWriter<RecordedEvent> = async (tx, events) => {
  for (let i = 0; i < events.length; i += 200) {
    await tx
      .insertInto('security_events')
      .values(events.slice(i, i + 200).map((e) => e.row))
      .execute();
  }
  await appendEntries(
    tx,
    events.map((e) => e.entry),
    events.at(-1)!.row.at,
  );
};

/**
 * Append a security event and its log entry; `db` may be a transaction, so both commit with the
 * change they record. Outside a transaction, concurrent events are group-committed (audit/appender.ts).
 */
export async function recordSecurityEvent(
  db: Db,
  ctx: Pick<ServiceContext, 'clock' | 'crypto'>,
  event: SecurityEventInput,
): Promise<string> {
  const now = ctx.clock();
  const id = newUlid(now, ctx.crypto.randomBytes);
  const row: SecurityEventRow = {
    id,
    at: now.getTime(),
    type: event.type,
    actor_person: event.actor.person,
    actor_device: event.actor.device,
    target: event.target,
    code: event.code,
    details: JSON.stringify(event.details),
  };
  // The logged form is the one listSecurityEvents returns (details as stored, re-parsed).
  const logged: SecurityEvent = {
    id,
    at: now.toISOString(),
    type: event.type,
    actor: { person: event.actor.person, device: event.actor.device },
    target: event.target,
    code: event.code,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
  const canonical = canonicalJson(logged);
  const salt = ctx.crypto.randomBytes(LOG_SALT_SIZE);
  // Key events (device enrolment, revocation) get a tagged 33-byte leaf so monitors find them all.
  const entry: LogAppend = { leaf: eventLeaf(event.type, eventCommitment(salt, canonical)), event: { id, salt, canonical } };
  const recorded: RecordedEvent = { row, entry };
  if (db.isTransaction) await writeEvents(db, [recorded]);
  else await inBatch(db, writeEvents, recorded);
  return id;
}

/**
 * Run `work` and, when it is refused with a 403, record the refusal as an access-denied event
 * before passing the error on. The event is written after `work` has returned, outside any
 * transaction it used: the refused change rolls back, the record of the attempt stays.
 */
export async function recordingDenials<T>(
  ctx: ServiceContext,
  actor: Actor,
  what: { action: string; target: string | null },
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ValiseError && statusOf(err.code) === 403) {
      await recordSecurityEvent(ctx.db, ctx, {
        type: 'access-denied',
        actor: actorOfEvent(actor),
        target: what.target,
        code: err.code,
        details: { action: what.action, message: err.message },
      });
    }
    throw err;
  }
}

export const SECURITY_EVENTS_DEFAULT_LIMIT = 100;

/** Security events after `after` (an event id), oldest first; optionally of one type. */
export async function listSecurityEvents(
  db: Db,
  query: { after?: string; limit?: number; type?: string },
): Promise<{ events: SecurityEvent[]; more: boolean }> {
  const limit = query.limit ?? SECURITY_EVENTS_DEFAULT_LIMIT;
  let q = db
    .selectFrom('security_events')
    .selectAll()
    .orderBy('id')
    .limit(limit + 1);
  if (query.after !== undefined) q = q.where('id', '>', query.after);
  if (query.type !== undefined) q = q.where('type', '=', query.type);
  const rows = await q.execute();
  return {
    more: rows.length > limit,
    events: rows.slice(0, limit).map((r) => ({
      id: r.id,
      at: new Date(r.at).toISOString(),
      type: r.type as SecurityEvent['type'],
      actor: { person: r.actor_person, device: r.actor_device },
      target: r.target,
      code: r.code,
      details: JSON.parse(r.details) as Record<string, unknown>,
    })),
  };
}
