/** HTTP routes of labels and policy: the label policy, relabelling, two-person approvals, exports, security events and their alerts. */

import type { Static } from '@sinclair/typebox';
import {
  API_PREFIX,
  ApprovalDecisionResponse,
  AUDIT_EVENT_TYPES,
  ExportRequest,
  ExportResponse,
  type LabelApproval,
  LabelApprovals,
  LabelPolicyResponse,
  RelabelRequest,
  RelabelResponse,
  SecurityEvents,
} from '@valise/protocol';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../http/authentication-hook.ts';
import { BEARER, ConversationParams, errors, IdParams } from '../http/schemas.ts';
import type { Services } from '../services.ts';
import { alertRoutes } from './alerts.ts';

const ApprovalsQuery = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['pending', 'approved', 'rejected', 'superseded'] } },
  additionalProperties: false,
} as const;

const SecurityEventsQuery = {
  type: 'object',
  properties: {
    after: { type: 'string', pattern: '^[0-9A-HJKMNP-TV-Z]{26}$', description: 'events after this event id' },
    limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: '1..1000 (default 100)' },
    type: {
      type: 'string',
      enum: [...AUDIT_EVENT_TYPES],
    },
  },
  additionalProperties: false,
} as const;

export async function policyRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { policy } = services;
  await alertRoutes(app, { ctx: services.ctx });

  app.get(
    `${API_PREFIX}/label-policy`,
    {
      schema: {
        tags: ['policy'],
        summary: "The organisation's label policy: levels (lowest first) with banner colours, compartments, REL TO codes and groups",
        security: BEARER,
        response: { 200: LabelPolicyResponse, ...errors(401) },
      },
    },
    (request) => {
      actorOf(request);
      return policy.labelPolicy();
    },
  );

  app.post<{ Params: { id: string }; Body: Static<typeof RelabelRequest> }>(
    `${API_PREFIX}/conversations/:id/label`,
    {
      schema: {
        tags: ['policy'],
        summary: "Change a conversation's label",
        description:
          'Raising it: a member or security officer cleared for the new label, when every member is cleared too. Lowering or loosening it: a security officer cleared for the current label, with a justification of at least 10 characters; from the top level the answer is pending-approval until a second security officer approves.',
        security: BEARER,
        params: ConversationParams,
        body: RelabelRequest,
        response: { 200: RelabelResponse, ...errors(401, 403, 404, 409) },
      },
    },
    (request) => policy.relabel(actorOf(request), request.params.id, request.body),
  );

  app.get<{ Querystring: { status?: LabelApproval['status'] } }>(
    `${API_PREFIX}/approvals`,
    {
      schema: {
        tags: ['policy'],
        summary: 'Two-person approvals of label downgrades (security officers)',
        security: BEARER,
        querystring: ApprovalsQuery,
        response: { 200: LabelApprovals, ...errors(401, 403) },
      },
    },
    (request) => policy.approvals(actorOf(request), request.query.status),
  );

  app.post<{ Params: { id: string } }>(
    `${API_PREFIX}/approvals/:id/approve`,
    {
      schema: {
        tags: ['policy'],
        summary: 'Approve a pending downgrade as the second security officer; it is applied at once',
        security: BEARER,
        params: IdParams,
        response: { 200: ApprovalDecisionResponse, ...errors(401, 403, 404, 409) },
      },
    },
    (request) => policy.approve(actorOf(request), request.params.id),
  );

  app.post<{ Params: { id: string } }>(
    `${API_PREFIX}/approvals/:id/reject`,
    {
      schema: {
        tags: ['policy'],
        summary: 'Turn a pending downgrade down (security officers)',
        security: BEARER,
        params: IdParams,
        response: { 200: ApprovalDecisionResponse, ...errors(401, 403, 404, 409) },
      },
    },
    (request) => policy.reject(actorOf(request), request.params.id),
  );

  app.post<{ Body: Static<typeof ExportRequest> }>(
    `${API_PREFIX}/exports`,
    {
      schema: {
        tags: ['policy'],
        summary: 'Ask before exporting (saving to a file, printing): read access plus the export right; recorded',
        security: BEARER,
        body: ExportRequest,
        response: { 200: ExportResponse, ...errors(401, 403, 404) },
      },
    },
    (request) => policy.authoriseExport(actorOf(request), request.body),
  );

  app.get<{ Querystring: { after?: string; limit?: string; type?: string } }>(
    `${API_PREFIX}/admin/security-events`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Security events, oldest first (security officers)',
        security: BEARER,
        querystring: SecurityEventsQuery,
        response: { 200: SecurityEvents, ...errors(401, 403) },
      },
    },
    (request) =>
      policy.securityEvents(actorOf(request), {
        ...(request.query.after !== undefined ? { after: request.query.after } : {}),
        ...(request.query.limit !== undefined ? { limit: Number(request.query.limit) } : {}),
        ...(request.query.type !== undefined ? { type: request.query.type } : {}),
      }),
  );
}
