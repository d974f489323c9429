/** HTTP routes of the delivery service: key packages, conversations, commits, messages, queue, blobs. */

import type { Static } from '@sinclair/typebox';
import {
  AckRequest,
  API_PREFIX,
  BlobResponse,
  ClaimKeyPackagesRequest,
  ClaimKeyPackagesResponse,
  CommitRequest,
  CommitResponse,
  Conversation,
  Conversations,
  CreateConversationRequest,
  KeyPackageCount,
  LIMITS,
  Ok,
  QueueResponse,
  RatchetTreeResponse,
  SendMessageRequest,
  SendMessageResponse,
  UploadKeyPackagesRequest,
} from '@valise/protocol';
import type { FastifyInstance } from 'fastify';
import { serverError } from '../errors.ts';
import { actorOf } from '../http/authentication-hook.ts';
import {
  BEARER,
  BlobParams,
  base64Length,
  ConversationParams,
  EpochQuery,
  errors,
  MessageParams,
  QueueQuery,
  SuiteQuery,
} from '../http/schemas.ts';
import type { Services } from '../services.ts';

/** JSON envelope allowance on top of the base64 fields of a body (ids, epoch, label, quotes). */
const ENVELOPE = 64 * 1024;
const ID_LIST = LIMITS.devicesPerCommit * 29;

export const BODY_LIMITS = {
  keyPackages: LIMITS.keyPackagesPerUpload * (base64Length(LIMITS.keyPackageBytes) + 3) + ENVELOPE,
  commit: 2 * base64Length(LIMITS.mlsMessageBytes) + base64Length(LIMITS.ratchetTreeBytes) + 2 * ID_LIST + ENVELOPE,
  message: base64Length(LIMITS.mlsMessageBytes) + ENVELOPE,
  blob: LIMITS.attachmentBytes,
} as const;

type ConversationPath = { id: string };

export async function messagingRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const ds = services.delivery;

  // Attachments are raw encrypted bytes, not JSON.
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: BODY_LIMITS.blob }, (_request, body, done) => {
    done(null, body);
  });

  // ---- key packages --------------------------------------------------------------------------------
  app.post<{ Body: Static<typeof UploadKeyPackagesRequest> }>(
    `${API_PREFIX}/key-packages`,
    {
      bodyLimit: BODY_LIMITS.keyPackages,
      schema: {
        tags: ['key-packages'],
        summary: "Upload MLS key packages for the calling device; returns the device's count for the suite",
        description:
          "Each package must parse and name this device, its person, the request's suite and a lifetime that holds now; otherwise the whole upload is refused (400 KEY_PACKAGE_INVALID) and nothing is stored.",
        security: BEARER,
        body: UploadKeyPackagesRequest,
        response: { 200: KeyPackageCount, ...errors(401, 409, 413) },
      },
    },
    (request) => ds.uploadKeyPackages(actorOf(request), request.body),
  );

  app.get<{ Querystring: { suite: string } }>(
    `${API_PREFIX}/key-packages/count`,
    {
      schema: {
        tags: ['key-packages'],
        summary: 'How many unclaimed, unexpired key packages the calling device has for a suite',
        security: BEARER,
        querystring: SuiteQuery,
        response: { 200: KeyPackageCount, ...errors(401) },
      },
    },
    (request) => {
      const suite = Number(request.query.suite);
      if (suite > 65535) throw serverError('BAD_REQUEST', 'suite must be 1..65535');
      return ds.keyPackageCount(actorOf(request), suite);
    },
  );

  app.post<{ Body: Static<typeof ClaimKeyPackagesRequest> }>(
    `${API_PREFIX}/key-packages/claim`,
    {
      schema: {
        tags: ['key-packages'],
        summary:
          'Claim one unexpired key package per device (each is handed out once); exhausted, unknown and revoked devices are listed as missing',
        security: BEARER,
        body: ClaimKeyPackagesRequest,
        response: { 200: ClaimKeyPackagesResponse, ...errors(401) },
      },
    },
    (request) => ds.claimKeyPackages(actorOf(request), request.body),
  );

  // ---- conversations -------------------------------------------------------------------------------
  app.post<{ Body: Static<typeof CreateConversationRequest> }>(
    `${API_PREFIX}/conversations`,
    {
      schema: {
        tags: ['conversations'],
        summary: "Create a conversation: the id is the client's MLS group id; the calling device is its only member, at epoch 0",
        security: BEARER,
        body: CreateConversationRequest,
        response: { 200: Conversation, ...errors(401, 409) },
      },
    },
    (request) => ds.createConversation(actorOf(request), request.body),
  );

  app.get(
    `${API_PREFIX}/conversations`,
    {
      schema: {
        tags: ['conversations'],
        summary: 'The conversations the calling device is a member of',
        security: BEARER,
        response: { 200: Conversations, ...errors(401) },
      },
    },
    (request) => ds.listConversations(actorOf(request)),
  );

  app.get<{ Params: ConversationPath }>(
    `${API_PREFIX}/conversations/:id`,
    {
      schema: {
        tags: ['conversations'],
        summary: 'A conversation (members only)',
        security: BEARER,
        params: ConversationParams,
        response: { 200: Conversation, ...errors(401, 403, 404) },
      },
    },
    (request) => ds.getConversation(actorOf(request), request.params.id),
  );

  app.post<{ Params: ConversationPath; Body: Static<typeof CommitRequest> }>(
    `${API_PREFIX}/conversations/:id/commits`,
    {
      bodyLimit: BODY_LIMITS.commit,
      schema: {
        tags: ['conversations'],
        summary: 'Post an MLS commit made in the current epoch (exactly one commit is accepted per epoch)',
        security: BEARER,
        params: ConversationParams,
        body: CommitRequest,
        response: { 200: CommitResponse, ...errors(401, 403, 404, 409, 413) },
      },
    },
    (request) => ds.commit(actorOf(request), request.params.id, request.body),
  );

  app.get<{ Params: ConversationPath; Querystring: { epoch?: string } }>(
    `${API_PREFIX}/conversations/:id/ratchet-tree`,
    {
      schema: {
        tags: ['conversations'],
        summary: 'The public ratchet tree of an epoch (default the latest; older ones while welcomes into them are queued), members only',
        security: BEARER,
        params: ConversationParams,
        querystring: EpochQuery,
        response: { 200: RatchetTreeResponse, ...errors(401, 403, 404) },
      },
    },
    (request) =>
      ds.ratchetTree(actorOf(request), request.params.id, request.query.epoch === undefined ? undefined : Number(request.query.epoch)),
  );

  app.post<{ Params: ConversationPath; Body: Static<typeof SendMessageRequest> }>(
    `${API_PREFIX}/conversations/:id/messages`,
    {
      bodyLimit: BODY_LIMITS.message,
      schema: {
        tags: ['conversations'],
        summary: 'Send an MLS application message made in the current epoch to every other member device',
        security: BEARER,
        params: ConversationParams,
        body: SendMessageRequest,
        response: { 200: SendMessageResponse, ...errors(401, 403, 404, 409, 413) },
      },
    },
    (request) => ds.sendMessage(actorOf(request), request.params.id, request.body),
  );

  app.post<{ Params: ConversationPath & { messageId: string } }>(
    `${API_PREFIX}/conversations/:id/messages/:messageId/read`,
    {
      schema: {
        tags: ['conversations'],
        summary: "Report that this device's person opened a message (recorded in the audit log as a read)",
        security: BEARER,
        params: MessageParams,
        response: { 200: Ok, ...errors(401, 403, 404) },
      },
    },
    (request) => ds.reportRead(actorOf(request), request.params.id, request.params.messageId),
  );

  // ---- attachments ---------------------------------------------------------------------------------
  app.post<{ Params: ConversationPath; Body: unknown }>(
    `${API_PREFIX}/conversations/:id/blobs`,
    {
      bodyLimit: BODY_LIMITS.blob,
      // Refuse non-members before reading up to 25 MB of body.
      onRequest: async (request) => {
        await ds.assertMember(actorOf(request), (request.params as Partial<ConversationPath>).id ?? '');
      },
      schema: {
        tags: ['conversations'],
        summary: 'Upload an encrypted attachment (application/octet-stream, at most 25 MB; members only)',
        security: BEARER,
        params: ConversationParams,
        response: { 200: BlobResponse, ...errors(401, 403, 404, 413, 415) },
      },
    },
    (request) => {
      if (!(request.body instanceof Uint8Array)) {
        throw serverError('UNSUPPORTED_MEDIA_TYPE', 'attachments are uploaded as application/octet-stream');
      }
      return ds.uploadBlob(actorOf(request), request.params.id, request.body);
    },
  );

  app.get<{ Params: { id: string; blobId: string } }>(
    `${API_PREFIX}/conversations/:id/blobs/:blobId`,
    {
      schema: {
        tags: ['conversations'],
        summary: 'Download an encrypted attachment as application/octet-stream (members only)',
        security: BEARER,
        params: BlobParams,
        response: errors(401, 403, 404),
      },
    },
    async (request, reply) => {
      const data = await ds.downloadBlob(actorOf(request), request.params.id, request.params.blobId);
      return reply
        .type('application/octet-stream')
        .header('cache-control', 'no-store')
        .send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    },
  );

  // ---- queue ---------------------------------------------------------------------------------------
  app.get<{ Querystring: { after?: string; limit?: string } }>(
    `${API_PREFIX}/queue`,
    {
      schema: {
        tags: ['queue'],
        summary: "The calling device's queue after a sequence number, in order",
        security: BEARER,
        querystring: QueueQuery,
        response: { 200: QueueResponse, ...errors(401) },
      },
    },
    (request) =>
      ds.queue(
        actorOf(request),
        request.query.after === undefined ? 0 : Number(request.query.after),
        request.query.limit === undefined ? undefined : Number(request.query.limit),
      ),
  );

  app.post<{ Body: Static<typeof AckRequest> }>(
    `${API_PREFIX}/queue/ack`,
    {
      schema: {
        tags: ['queue'],
        summary: "Acknowledge (delete) the calling device's queue items up to and including a sequence number",
        security: BEARER,
        body: AckRequest,
        response: { 200: Ok, ...errors(401) },
      },
    },
    (request) => ds.ack(actorOf(request), request.body.upTo),
  );
}
