/**
 * GET /api/v1/audit/events — opened audit-log events (audit/openings.ts): security officers see
 * all, others their own; with the checkpoint they are all below.
 */
import { API_PREFIX, AUDIT_EVENT_TYPES, AuditEventsResponse } from '@valise/protocol';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/schema.ts';
import { actorOf } from '../http/authentication-hook.ts';
import { BEARER, errors } from '../http/schemas.ts';
import { openAuditEvents } from './openings.ts';
import type { AuditLog } from './service.ts';

const AuditEventsQuerySchema = {
  type: 'object',
  properties: {
    from: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$', description: 'first log index (asc: at or after; desc: at or before)' },
    order: { type: 'string', enum: ['asc', 'desc'], description: 'asc (default, oldest first) or desc (newest first)' },
    limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: '1..1000 (default 100)' },
    type: { type: 'string', enum: [...AUDIT_EVENT_TYPES] },
  },
  additionalProperties: false,
} as const;

interface Query {
  from?: string;
  order?: 'asc' | 'desc';
  limit?: string;
  type?: string;
}

export async function auditEventRoutes(app: FastifyInstance, { db, log }: { db: Db; log: AuditLog }): Promise<void> {
  app.get<{ Querystring: Query }>(
    `${API_PREFIX}/audit/events`,
    {
      schema: {
        tags: ['audit log'],
        summary:
          'Opened audit-log events (index, canonical event, salt) below a signed checkpoint: every event for security officers, your own for others',
        security: BEARER,
        querystring: AuditEventsQuerySchema,
        response: { 200: AuditEventsResponse, ...errors(401) },
      },
    },
    (request) =>
      openAuditEvents(db, log, actorOf(request), {
        order: request.query.order ?? 'asc',
        ...(request.query.from !== undefined ? { from: Number(request.query.from) } : {}),
        ...(request.query.limit !== undefined ? { limit: Number(request.query.limit) } : {}),
        ...(request.query.type !== undefined ? { type: request.query.type } : {}),
      }),
  );
}
