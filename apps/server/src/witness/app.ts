/**
 * The witness over HTTP (c2sp.org/tlog-witness): `POST /add-checkpoint` with the spec's status
 * codes, a `text/x.tlog.size` body on 409, the cosignature lines on 200. The body is read as raw
 * bytes whatever its Content-Type (the spec names none). GET /vkey lists the witness's vkeys.
 */
import { MAX_ADD_CHECKPOINT_BYTES, TLOG_SIZE_CONTENT_TYPE } from '@valise/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Witness, type WitnessOptions } from './service.ts';

export interface WitnessAppOptions extends WitnessOptions {
  logger?: FastifyBaseLogger;
}

export async function createWitnessApp(options: WitnessAppOptions): Promise<{ app: FastifyInstance; witness: Witness }> {
  const witness = await Witness.create(options);
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : {}),
    bodyLimit: MAX_ADD_CHECKPOINT_BYTES,
    // Keep-alive, as the spec recommends to clients and witnesses.
    keepAliveTimeout: 60_000,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post('/add-checkpoint', async (request, reply) => {
    const body = request.body;
    const bytes = body instanceof Uint8Array ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : new Uint8Array(0);
    const outcome = await witness.addCheckpoint(bytes);
    reply.header('cache-control', 'no-store');
    switch (outcome.status) {
      case 200:
        return reply.code(200).type('text/plain; charset=utf-8').send(outcome.body);
      case 409:
        return reply.code(409).type(TLOG_SIZE_CONTENT_TYPE).send(`${outcome.size}\n`);
      default:
        request.log.info({ status: outcome.status, reason: outcome.message }, 'add-checkpoint refused');
        return reply.code(outcome.status).type('text/plain; charset=utf-8').send(`${outcome.message}\n`);
    }
  });
  app.get('/vkey', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(`${witness.vkeys.join('\n')}\n`));
  await app.ready();
  return { app, witness };
}
