/**
 * HTTP routes of key transparency (authenticated; any enrolled device of the organisation):
 * - GET  /api/v1/transparency/key-events?from=I[&to=J][&limit=N] — openings of the key events
 * - GET  /api/v1/transparency/devices/:id — a device's openings with inclusion proofs
 * - POST /api/v1/transparency/alerts {deviceId, index} — "my person did not enrol this device"
 */
import type { Static } from '@sinclair/typebox';
import { API_PREFIX, DeviceAlertRequest, DeviceAlertResponse, DeviceKeyProofResponse, KeyEventsResponse } from '@valise/protocol';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../http/authentication-hook.ts';
import { BEARER, errors, IdParams } from '../http/schemas.ts';
import type { TransparencyService } from './service.ts';

const TREE_INDEX = '^(0|[1-9][0-9]{0,14})$';

export const KeyEventsQuery = {
  type: 'object',
  properties: {
    from: { type: 'string', pattern: TREE_INDEX, description: 'first log index to scan' },
    to: { type: 'string', pattern: TREE_INDEX, description: 'scan up to this index, exclusive (default: the latest checkpoint size)' },
    limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: 'at most this many openings, 1..1000 (default 500)' },
  },
  required: ['from'],
  additionalProperties: false,
} as const;

export async function transparencyRoutes(app: FastifyInstance, { transparency }: { transparency: TransparencyService }): Promise<void> {
  app.get<{ Querystring: { from: string; to?: string; limit?: string } }>(
    `${API_PREFIX}/transparency/key-events`,
    {
      schema: {
        tags: ['transparency'],
        summary: 'Openings (index, canonical event, salt) of every device key enrolment and revocation in a range of the audit log',
        security: BEARER,
        querystring: KeyEventsQuery,
        response: { 200: KeyEventsResponse, ...errors(401) },
      },
    },
    (request) =>
      transparency.keyEvents(actorOf(request), {
        from: Number(request.query.from),
        ...(request.query.to !== undefined ? { to: Number(request.query.to) } : {}),
        ...(request.query.limit !== undefined ? { limit: Number(request.query.limit) } : {}),
      }),
  );

  app.get<{ Params: { id: string } }>(
    `${API_PREFIX}/transparency/devices/:id`,
    {
      schema: {
        tags: ['transparency'],
        summary: "A device's published enrolment (and revocation) with inclusion proofs against a signed checkpoint",
        security: BEARER,
        params: IdParams,
        response: { 200: DeviceKeyProofResponse, ...errors(401, 404, 503) },
      },
    },
    (request) => transparency.deviceProof(actorOf(request), request.params.id),
  );

  app.post<{ Body: Static<typeof DeviceAlertRequest> }>(
    `${API_PREFIX}/transparency/alerts`,
    {
      schema: {
        tags: ['transparency'],
        summary: 'Report a device of your own person that you did not enrol (recorded as an alert security event)',
        security: BEARER,
        body: DeviceAlertRequest,
        response: { 200: DeviceAlertResponse, ...errors(401, 403, 404) },
      },
    },
    (request) => transparency.reportAlert(actorOf(request), request.body),
  );
}
