/**
 * The audit log over HTTP, under /log/ (C2SP tlog-tiles). Public, unauthenticated reads: the log
 * holds only salted commitments, so checkpoints, tiles, entry bundles and proofs reveal nothing
 * about the events; the events themselves stay in the access-controlled `log_events` table.
 *
 * - GET /log/checkpoint — the latest checkpoint, a signed note (text/plain; charset=utf-8), with
 *   the cosignature lines of the witnesses that cosigned it appended; with witnesses configured,
 *   the newest checkpoint whose witness round has finished (witness-submitter.ts servedSize).
 * - GET /log/vkey — the Ed25519 note verifier key (`name+hash+key`) on the first line and the
 *   ML-DSA-44 cosignature verifier key on the second; GET /log/vkey-mldsa — the second alone.
 * - GET /log/tile/<L>/<N>[.p/<W>], /log/tile/entries/<N>[.p/<W>] — application/octet-stream; full
 *   tiles are immutable and cacheable, partial ones are not; tiles beyond the latest checkpoint 404.
 * - GET /log/proof/inclusion?index=I&size=N → {"index","size","hashes":[std base64]}
 * - GET /log/proof/consistency?from=M&to=N → {"from","to","hashes":[std base64]}
 *   for sizes up to the latest checkpoint's.
 */
import { parseTilePath, TILE_WIDTH, toStdBase64, ValiseError } from '@valise/protocol';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { serverError } from '../errors.ts';
import { errors } from '../http/schemas.ts';
import type { AuditLog } from './service.ts';
import type { WitnessSubmitter } from './witness-submitter.ts';

const TREE_NUMBER = /^(0|[1-9][0-9]{0,15})$/;

function treeNumber(value: unknown, name: string): number {
  if (typeof value !== 'string' || !TREE_NUMBER.test(value) || !Number.isSafeInteger(Number(value))) {
    throw serverError('BAD_REQUEST', `${name} must be a decimal integer`);
  }
  return Number(value);
}

function noCache(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
}

export const auditLogRoutes: FastifyPluginAsync<{ log: AuditLog; witnesses?: WitnessSubmitter }> = async (app, { log, witnesses }) => {
  const tags = ['audit log'];
  const text = (description: string) => ({ 200: { description, type: 'string' }, ...errors(404) });
  const proof = (names: [string, string], description: string) => ({
    querystring: {
      type: 'object',
      properties: Object.fromEntries(names.map((n) => [n, { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$' }])),
      required: names,
      additionalProperties: false,
    },
    response: {
      200: {
        description,
        type: 'object',
        properties: {
          ...Object.fromEntries(names.map((n) => [n, { type: 'integer' }])),
          hashes: { type: 'array', items: { type: 'string', description: 'SHA-256 hash, standard base64' } },
        },
      },
      ...errors(404),
    },
  });
  app.get(
    '/log/checkpoint',
    {
      schema: {
        tags,
        summary: 'The latest checkpoint: a C2SP tlog-checkpoint in a signed note (Ed25519, ML-DSA-44 cosignature, witness cosignatures)',
        response: text('text/plain; charset=utf-8'),
      },
    },
    async (_request, reply) => {
      const servedSize = witnesses?.servedSize;
      const cp = (servedSize === undefined ? undefined : await log.checkpointAt(servedSize)) ?? (await log.latest());
      const cosignatures = witnesses ? await witnesses.cosignatureLines(cp.size) : '';
      noCache(reply);
      return reply.type('text/plain; charset=utf-8').send(cp.note + cosignatures);
    },
  );
  app.get(
    '/log/vkey',
    {
      schema: {
        tags,
        summary: "The log's verifier keys (name+hash+key): the Ed25519 note key, then the ML-DSA-44 cosignature key",
        response: text('text/plain'),
      },
    },
    async (_request, reply) => reply.type('text/plain; charset=utf-8').send(`${log.vkey}\n${log.vkeyMlDsa}\n`),
  );
  app.get(
    '/log/vkey-mldsa',
    { schema: { tags, summary: "The log's ML-DSA-44 cosignature verifier key alone", response: text('text/plain') } },
    async (_request, reply) => reply.type('text/plain; charset=utf-8').send(`${log.vkeyMlDsa}\n`),
  );
  app.get(
    '/log/tile/*',
    {
      schema: {
        tags,
        summary: 'C2SP tlog-tiles: hash tiles tile/<L>/<N>[.p/<W>] and entry bundles tile/entries/<N>[.p/<W>] (application/octet-stream)',
        response: text('tile bytes; full tiles are immutable'),
      },
    },
    async (request, reply) => {
      let ref: ReturnType<typeof parseTilePath>;
      try {
        ref = parseTilePath(`tile/${(request.params as { '*': string })['*']}`);
      } catch (err) {
        if (err instanceof ValiseError) throw serverError('NOT_FOUND', 'not a tile path');
        throw err;
      }
      const bytes = ref.level === 'entries' ? await log.entries(ref.index, ref.width) : await log.tile(ref.level, ref.index, ref.width);
      if (ref.width === TILE_WIDTH) reply.header('cache-control', 'public, max-age=31536000, immutable');
      else noCache(reply);
      return reply.type('application/octet-stream').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );
  app.get(
    '/log/proof/inclusion',
    {
      schema: {
        tags,
        summary: 'RFC 6962 inclusion proof of entry `index` in the tree of `size` entries',
        ...proof(['index', 'size'], 'audit path'),
      },
    },
    async (request, reply) => {
      const q = request.query as Record<string, unknown>;
      const index = treeNumber(q.index, 'index');
      const size = treeNumber(q.size, 'size');
      const hashes = await log.inclusionProof(index, size);
      noCache(reply);
      return { index, size, hashes: hashes.map(toStdBase64) };
    },
  );
  app.get(
    '/log/proof/consistency',
    {
      schema: {
        tags,
        summary: 'RFC 6962 consistency proof from the tree of `from` entries to the tree of `to`',
        ...proof(['from', 'to'], 'consistency proof'),
      },
    },
    async (request, reply) => {
      const q = request.query as Record<string, unknown>;
      const from = treeNumber(q.from, 'from');
      const to = treeNumber(q.to, 'to');
      const hashes = await log.consistencyProof(from, to);
      noCache(reply);
      return { from, to, hashes: hashes.map(toStdBase64) };
    },
  );
};
