/** HTTP routes of clearances: grants, revocations and a person's history (security officers). */

import type { Static } from '@sinclair/typebox';
import { API_PREFIX, ClearanceGrant, GrantClearanceRequest, PersonClearances, RevokeClearanceRequest } from '@valise/protocol';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../http/authentication-hook.ts';
import { BEARER, errors, HandleParams, IdParams } from '../http/schemas.ts';
import type { Services } from '../services.ts';

export async function clearanceRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { clearances } = services;

  app.post<{ Body: Static<typeof GrantClearanceRequest> }>(
    `${API_PREFIX}/admin/clearances`,
    {
      schema: {
        tags: ['admin'],
        summary: "Grant or change a person's clearance (security officers; not their own). The latest live grant is the effective one",
        security: BEARER,
        body: GrantClearanceRequest,
        response: { 200: ClearanceGrant, ...errors(401, 403, 404) },
      },
    },
    (request) => clearances.grant(actorOf(request), request.body),
  );

  app.post<{ Params: { id: string }; Body: Static<typeof RevokeClearanceRequest> }>(
    `${API_PREFIX}/admin/clearances/:id/revoke`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke a clearance grant, with a reason (security officers)',
        security: BEARER,
        params: IdParams,
        body: RevokeClearanceRequest,
        response: { 200: ClearanceGrant, ...errors(401, 403, 404, 409) },
      },
    },
    (request) => clearances.revoke(actorOf(request), request.params.id, request.body.reason),
  );

  app.get<{ Params: { handle: string } }>(
    `${API_PREFIX}/admin/people/:handle/clearances`,
    {
      schema: {
        tags: ['admin'],
        summary: "A person's effective clearance, every grant and every change (security officers)",
        security: BEARER,
        params: HandleParams,
        response: { 200: PersonClearances, ...errors(401, 403, 404) },
      },
    },
    (request) => clearances.history(actorOf(request), request.params.handle),
  );
}
