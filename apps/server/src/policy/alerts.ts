/**
 * Acknowledging alerts: a security officer says they have looked at an alert (a device its person
 * did not enrol, a missing pouch…) and what they did. The acknowledgement is a security event of
 * type 'alert' with code ALERT_ACKNOWLEDGED and target "alert:ID", so it sits in the audit log next
 * to the alert it answers and no new event type is needed. Acknowledging twice returns the first
 * acknowledgement and records nothing.
 */
import type { Static } from '@sinclair/typebox';
import { AcknowledgeAlertRequest, ALERT_ACKNOWLEDGED, AlertAcknowledgement, API_PREFIX } from '@valise/protocol';
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.ts';
import type { SecurityEventsTable } from '../db/schema.ts';
import { serverError } from '../errors.ts';
import { actorOf } from '../http/authentication-hook.ts';
import { BEARER, errors, IdParams } from '../http/schemas.ts';
import type { Actor } from '../identity/authentication.ts';
import { requireRole } from '../identity/roles.ts';
import { actorOfEvent, recordingDenials, recordSecurityEvent } from './security-events.ts';

function acknowledgementOf(row: Pick<SecurityEventsTable, 'id' | 'at' | 'actor_person' | 'details'>, already: boolean) {
  const details = JSON.parse(row.details) as { acknowledges?: unknown; note?: unknown };
  return {
    id: row.id,
    alert: String(details.acknowledges),
    acknowledgedBy: row.actor_person ?? '',
    at: new Date(Number(row.at)).toISOString(),
    note: typeof details.note === 'string' ? details.note : '',
    already,
  };
}

/** Acknowledge the alert `alertId` (security officers): NOT_FOUND unless it is an alert; idempotent. */
export async function acknowledgeAlert(
  ctx: ServiceContext,
  actor: Actor,
  alertId: string,
  note: string,
): Promise<Static<typeof AlertAcknowledgement>> {
  return recordingDenials(ctx, actor, { action: 'acknowledge-alert', target: `alert:${alertId}` }, async () => {
    requireRole(actor, 'security-officer');
    return ctx.db.transaction().execute(async (trx) => {
      // Locking the alert's row serialises two officers acknowledging at once (PostgreSQL; SQLite writes are serial).
      let q = trx.selectFrom('security_events').select(['id', 'type', 'code']).where('id', '=', alertId);
      if (ctx.dialect === 'postgres') q = q.forUpdate();
      const alert = await q.executeTakeFirst();
      if (alert?.type !== 'alert' || alert.code === ALERT_ACKNOWLEDGED) throw serverError('NOT_FOUND', 'no such alert');
      const earlier = await trx
        .selectFrom('security_events')
        .select(['id', 'at', 'actor_person', 'details'])
        .where('type', '=', 'alert')
        .where('code', '=', ALERT_ACKNOWLEDGED)
        .where('target', '=', `alert:${alertId}`)
        .orderBy('id')
        .executeTakeFirst();
      if (earlier) return acknowledgementOf(earlier, true);
      const at = ctx.clock();
      const details = { acknowledges: alertId, note: note.trim() };
      const id = await recordSecurityEvent(
        trx,
        { ...ctx, clock: () => at },
        { type: 'alert', actor: actorOfEvent(actor), target: `alert:${alertId}`, code: ALERT_ACKNOWLEDGED, details },
      );
      return acknowledgementOf({ id, at: at.getTime(), actor_person: actor.person.handle, details: JSON.stringify(details) }, false);
    });
  });
}

export async function alertRoutes(app: FastifyInstance, { ctx }: { ctx: ServiceContext }): Promise<void> {
  app.post<{ Params: { id: string }; Body: Static<typeof AcknowledgeAlertRequest> }>(
    `${API_PREFIX}/alerts/:id/acknowledge`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Acknowledge an alert with a note of what was checked or done (security officers; idempotent)',
        description:
          'Recorded as an alert security event with code ALERT_ACKNOWLEDGED and target alert:ID. Acknowledging an acknowledged alert returns the first acknowledgement (already: true) and records nothing.',
        security: BEARER,
        params: IdParams,
        body: AcknowledgeAlertRequest,
        response: { 200: AlertAcknowledgement, ...errors(401, 403, 404) },
      },
    },
    (request) => acknowledgeAlert(ctx, actorOf(request), request.params.id, request.body.note),
  );
}
