/**
 * HTTP routes of the pouch transport (docs/protocol.md, "Pouch transport, custody and tracking"):
 *
 * - POST /api/v1/pouches {header, size, expectedHours?} — announce a pouch; returns it and its upload URL
 * - GET|HEAD /api/v1/pouches/:id/upload — how many bytes the server holds (also in Upload-Offset)
 * - PUT /api/v1/pouches/:id/content, Upload-Offset: N — append a chunk (≤ 64 MiB) streamed to disk
 * - GET /api/v1/pouches/:id/content [Range] — the pouch with its custody receipts appended
 * - GET /api/v1/pouches?box=inbox|sent|missing — lists
 * - POST /api/v1/pouches/:id/receipts {receipt} — a hand-over, reported by the taker's device
 * - GET /api/v1/pouches/:id/track — status, hops, current holder, deadline, missing
 */
import { Readable } from 'node:stream';
import type { Static } from '@sinclair/typebox';
import {
  CreatePouchRequest,
  CreatePouchResponse,
  POUCH_LIMITS,
  PostReceiptRequest,
  PostReceiptResponse,
  Pouches,
  PouchTrack,
  PouchUploadStatus,
  ValiseError,
} from '@valise/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { serverError } from '../errors.ts';
import { actorOf } from '../http/authentication-hook.ts';
import { BEARER, base64Length, errors } from '../http/schemas.ts';
import type { CustodyService } from './custody-service.ts';
import { API_POUCHES, type PouchService } from './service.ts';

const PouchParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' } },
  required: ['id'],
  additionalProperties: false,
} as const;
const BoxQuery = {
  type: 'object',
  properties: { box: { type: 'string', enum: ['inbox', 'sent', 'missing'], description: 'default inbox' } },
  additionalProperties: false,
} as const;
const OffsetHeaders = {
  type: 'object',
  properties: {
    'upload-offset': {
      type: 'string',
      pattern: '^(0|[1-9][0-9]{0,15})$',
      description: 'where this chunk starts: the bytes the server holds',
    },
    'content-length': { type: 'string', pattern: '^[0-9]{1,16}$' },
  },
  required: ['upload-offset'],
} as const;
const RangeHeaders = {
  type: 'object',
  properties: { range: { type: 'string', maxLength: 64, description: 'bytes=N- or bytes=N-M' } },
} as const;

type IdPath = { id: string };

/** Put the offset to continue from, or the full length, on a refusal that needs it. */
function withRecoveryHeaders(reply: FastifyReply, err: unknown): never {
  if (err instanceof ValiseError) {
    const extra = err as ValiseError & { offset?: number; total?: number };
    if (extra.offset !== undefined) reply.header('upload-offset', String(extra.offset));
    if (extra.total !== undefined) reply.header('content-range', `bytes */${extra.total}`);
  }
  throw err;
}

export async function pouchRoutes(
  app: FastifyInstance,
  { pouches, custody }: { pouches: PouchService; custody: CustodyService },
): Promise<void> {
  // Chunks are streamed to disk as they arrive: the body is handed over as the raw stream, never buffered.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  app.post<{ Body: Static<typeof CreatePouchRequest> }>(
    API_POUCHES,
    {
      bodyLimit: base64Length(POUCH_LIMITS.headerBytes) + 4096,
      schema: {
        tags: ['pouches'],
        summary: 'Announce a pouch by its signed header (the calling device must be its sealer); returns its id and upload URL',
        description:
          'The header is checked (structure, marks signature by the calling device, sender unit, consignee unit, the policy allows the caller to send at the label, size limits). Announcing the same pouch again returns it as it stands, so a client can resume.',
        security: BEARER,
        body: CreatePouchRequest,
        response: { 200: CreatePouchResponse, ...errors(401, 403, 409, 413, 422) },
      },
    },
    (request) => pouches.create(actorOf(request), request.body),
  );

  app.get<{ Querystring: { box?: 'inbox' | 'sent' | 'missing' } }>(
    API_POUCHES,
    {
      schema: {
        tags: ['pouches'],
        summary: "Pouches: inbox (to the caller's unit, label allowed), sent (by the caller), missing (security officers, both units)",
        security: BEARER,
        querystring: BoxQuery,
        response: { 200: Pouches, ...errors(401, 403) },
      },
    },
    (request) => pouches.list(actorOf(request), request.query.box ?? 'inbox'),
  );

  app.get<{ Params: IdPath }>(
    `${API_POUCHES}/:id/upload`,
    {
      schema: {
        tags: ['pouches'],
        summary: 'How many bytes of the pouch the server holds (also as Upload-Offset); HEAD works too',
        security: BEARER,
        params: PouchParams,
        response: { 200: PouchUploadStatus, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const status = await pouches.uploadStatus(actorOf(request), request.params.id);
      reply.header('upload-offset', String(status.received));
      return status;
    },
  );

  app.put<{ Params: IdPath; Headers: { 'upload-offset': string; 'content-length'?: string } }>(
    `${API_POUCHES}/:id/content`,
    {
      schema: {
        tags: ['pouches'],
        summary: 'Append a chunk (application/octet-stream, at most 64 MiB) at Upload-Offset; the last one triggers verification',
        description:
          'A wrong offset is 409 POUCH_OFFSET_MISMATCH with the offset to continue from in Upload-Offset. When the last byte arrives the server verifies the whole pouch (structure, pouch digest, seal): it becomes available to the consignee unit, or is rejected (422, the protocol code) and its bytes are deleted.',
        security: BEARER,
        params: PouchParams,
        headers: OffsetHeaders,
        response: { 200: PouchUploadStatus, ...errors(401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const length = request.headers['content-length'];
      if (
        request.body !== undefined &&
        !(typeof request.body === 'object' && request.body !== null && Symbol.asyncIterator in request.body)
      ) {
        throw serverError('UNSUPPORTED_MEDIA_TYPE', 'a pouch chunk is sent as application/octet-stream');
      }
      const body = (request.body ?? []) as AsyncIterable<Uint8Array>;
      try {
        const status = await pouches.upload(
          actorOf(request),
          request.params.id,
          Number(request.headers['upload-offset']),
          length === undefined ? undefined : Number(length),
          body,
        );
        reply.header('upload-offset', String(status.received));
        return status;
      } catch (err) {
        return withRecoveryHeaders(reply, err);
      }
    },
  );

  app.get<{ Params: IdPath; Headers: { range?: string } }>(
    `${API_POUCHES}/:id/content`,
    {
      schema: {
        tags: ['pouches'],
        summary: 'Download the pouch with every custody receipt appended; Range: bytes=N- resumes',
        description:
          'For the sender and for members of the consignee unit whose clearance the label allows; anyone else is refused (403, recorded).',
        security: BEARER,
        params: PouchParams,
        headers: RangeHeaders,
        response: { ...errors(401, 403, 404, 409, 416) },
      },
    },
    async (request, reply) => {
      try {
        const d = await pouches.download(actorOf(request), request.params.id, request.headers.range);
        reply
          .status(d.status)
          .header('content-type', 'application/octet-stream')
          .header('accept-ranges', 'bytes')
          .header('content-length', String(d.end - d.start));
        if (d.status === 206) reply.header('content-range', `bytes ${d.start}-${d.end - 1}/${d.total}`);
        return reply.send(Readable.from(d.body));
      } catch (err) {
        return withRecoveryHeaders(reply, err);
      }
    },
  );

  app.post<{ Params: IdPath; Body: Static<typeof PostReceiptRequest> }>(
    `${API_POUCHES}/:id/receipts`,
    {
      bodyLimit: base64Length(POUCH_LIMITS.receiptBytes) + 4096,
      schema: {
        tags: ['pouches'],
        summary: "Record a hand-over: the custody receipt signed by the taker, reported by the taker's device",
        description:
          'The receipt must verify and chain to the last one the server holds (or the pouch digest); it is stored, appended to the audit log as a custody-handover event, and moves the next hop deadline.',
        security: BEARER,
        params: PouchParams,
        body: PostReceiptRequest,
        response: { 200: PostReceiptResponse, ...errors(401, 403, 404, 409, 422) },
      },
    },
    (request) => custody.postReceipt(actorOf(request), request.params.id, request.body),
  );

  app.get<{ Params: IdPath }>(
    `${API_POUCHES}/:id/track`,
    {
      schema: {
        tags: ['pouches'],
        summary: 'Where a pouch is: status, hops, current holder, next hop deadline, missing',
        description: "For the sender, the consignee unit's cleared members, the security officers of both units and its past holders.",
        security: BEARER,
        params: PouchParams,
        response: { 200: PouchTrack, ...errors(401, 403, 404) },
      },
    },
    (request) => custody.track(actorOf(request), request.params.id),
  );
}
