/**
 * The one place that turns failures into HTTP responses: `{ error: { code, message } }` with the
 * status of the code. Messages come from our own errors or are fixed per case; nothing echoes a
 * request body (JSON parse errors quote the input, so they get a fixed message), a token or a stack.
 */
import { ValiseError } from '@valise/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { statusOf } from '../errors.ts';

export interface HttpFailure {
  status: number;
  code: string;
  message: string;
}

const GENERIC_BY_STATUS: Record<number, { code: string; message: string }> = {
  400: { code: 'BAD_REQUEST', message: 'bad request' },
  401: { code: 'UNAUTHENTICATED', message: 'authentication required' },
  403: { code: 'FORBIDDEN', message: 'forbidden' },
  404: { code: 'NOT_FOUND', message: 'not found' },
  405: { code: 'METHOD_NOT_ALLOWED', message: 'method not allowed' },
  406: { code: 'BAD_REQUEST', message: 'not acceptable' },
  408: { code: 'BAD_REQUEST', message: 'request timed out' },
  409: { code: 'CONFLICT', message: 'conflict' },
  411: { code: 'BAD_REQUEST', message: 'content length required' },
  413: { code: 'PAYLOAD_TOO_LARGE', message: 'request body too large' },
  414: { code: 'BAD_REQUEST', message: 'URL too long' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported content type' },
  429: { code: 'TOO_MANY_REQUESTS', message: 'too many requests' },
  431: { code: 'BAD_REQUEST', message: 'request headers too large' },
};

/** Classify any thrown value. Unknown failures are 500 INTERNAL with a fixed message. */
export function describeFailure(error: unknown): HttpFailure {
  if (error instanceof ValiseError) {
    const status = statusOf(error.code);
    if (status !== undefined && status < 500) return { status, code: error.code, message: error.message };
    if (status !== undefined) return { status, code: error.code, message: status === 503 ? error.message : 'internal server error' };
    return { status: 500, code: 'INTERNAL', message: 'internal server error' };
  }
  const fe = error as Partial<FastifyError> & { validationContext?: string };
  if (fe?.validation) {
    return { status: 400, code: 'BAD_REQUEST', message: `invalid request: ${fe.message ?? 'schema validation failed'}` };
  }
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'request body is larger than this route accepts' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported content type' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'BAD_REQUEST', message: 'request body is empty but content-type is application/json' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'BAD_REQUEST', message: 'request body is not valid JSON' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'BAD_REQUEST', message: 'content-length does not match the body' };
    case 'FST_ERR_BAD_URL':
      return { status: 400, code: 'BAD_REQUEST', message: 'malformed URL' };
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    // e.g. a SyntaxError from the JSON parser: its message quotes the body, so never use it.
    if (error instanceof SyntaxError) return { status: 400, code: 'BAD_REQUEST', message: 'request body is not valid JSON' };
    const generic = GENERIC_BY_STATUS[status] ?? { code: 'BAD_REQUEST', message: 'bad request' };
    return { status, ...generic };
  }
  return { status: 500, code: 'INTERNAL', message: 'internal server error' };
}

export function sendFailure(reply: FastifyReply, failure: HttpFailure): FastifyReply {
  return reply
    .status(failure.status)
    .type('application/json; charset=utf-8')
    .send({ error: { code: failure.code, message: failure.message } });
}

export function registerErrorHandling(
  app: FastifyInstance,
  options: { spaFallback?: (request: FastifyRequest, reply: FastifyReply) => unknown },
): void {
  app.setErrorHandler((error, request, reply) => {
    const failure = describeFailure(error);
    if (failure.status >= 500) {
      // The log gets the error's own message, code and stack: never the request or its body.
      const e = error as Partial<Error & { code: unknown }>;
      request.log.error({ err: { type: e?.name, message: e?.message, code: e?.code, stack: e?.stack } }, 'request failed');
    }
    return sendFailure(reply, failure);
  });
  app.setNotFoundHandler((request, reply) => {
    if (options.spaFallback && (request.method === 'GET' || request.method === 'HEAD') && !request.url.startsWith('/api/')) {
      return options.spaFallback(request, reply);
    }
    const path = request.url.split('?')[0] ?? '';
    return sendFailure(reply, { status: 404, code: 'NOT_FOUND', message: `no route for ${request.method} ${path.slice(0, 200)}` });
  });
}
