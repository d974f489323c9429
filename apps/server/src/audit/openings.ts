/**
 * Opening logged events to those allowed to audit them: security officers see every event; anyone
 * else only the events they did themselves (as actor). Each comes with its log index, canonical
 * text and salt, all below the returned signed checkpoint, so the reader checks each against its
 * commitment and its inclusion itself (packages/sdk/src/audit-events.ts).
 */
import { type AuditEventsResponse, toBase64Url } from '@valise/protocol';
import type { Db } from '../db/schema.ts';
import { bytesOf } from '../db/transactions.ts';
import type { Actor } from '../identity/authentication.ts';
import type { AuditLog } from './service.ts';
import { logSize } from './store.ts';

export const AUDIT_EVENTS_DEFAULT_LIMIT = 100;

export interface AuditEventsQuery {
  /** First index to return (asc: index ≥ from; desc: index ≤ from). Default: the start or the end. */
  from?: number;
  order: 'asc' | 'desc';
  limit?: number;
  type?: string;
}

export async function openAuditEvents(db: Db, log: AuditLog, actor: Actor, query: AuditEventsQuery): Promise<AuditEventsResponse> {
  // A checkpoint covering everything appended so far, so every event returned can be proven.
  let cp = await log.latest();
  if (cp.size < (await logSize(db))) cp = await log.checkpoint();
  const limit = query.limit ?? AUDIT_EVENTS_DEFAULT_LIMIT;
  let q = db
    .selectFrom('log_events')
    .innerJoin('security_events', 'security_events.id', 'log_events.event_id')
    .select(['log_events.idx as idx', 'log_events.salt as salt', 'log_events.event as event'])
    .where('log_events.idx', '<', cp.size)
    .orderBy('log_events.idx', query.order)
    .limit(limit + 1);
  if (!actor.person.roles.includes('security-officer')) q = q.where('security_events.actor_person', '=', actor.person.handle);
  if (query.type !== undefined) q = q.where('security_events.type', '=', query.type);
  if (query.from !== undefined) q = q.where('log_events.idx', query.order === 'asc' ? '>=' : '<=', query.from);
  const rows = await q.execute();
  const events = rows.slice(0, limit).map((r) => ({ index: Number(r.idx), event: r.event, salt: toBase64Url(bytesOf(r.salt)) }));
  const after = rows[limit];
  return { checkpoint: cp.note, size: cp.size, events, next: after === undefined ? null : Number(after.idx) };
}
