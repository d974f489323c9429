/**
 * Every /api/v1 route needs `Authorization: Bearer <token>` unless it is marked public (enrolment,
 * the challenge-response itself, and the WebSocket, which authenticates by its first frame so
 * tokens never appear in URLs). The check runs on request, before the body is read, so an
 * unauthenticated client cannot make the server parse megabytes.
 */
import { API_PREFIX } from '@valise/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { serverError } from '../errors.ts';
import type { Actor, AuthenticationService } from '../identity/authentication.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No bearer token needed. */
    public?: boolean;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export function registerAuthentication(app: FastifyInstance, auth: AuthenticationService): void {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request) => {
    // The matched route's pattern, not the URL: unknown paths (404) and the web app's catch-all are not API routes.
    if (!request.routeOptions.url?.startsWith(`${API_PREFIX}/`) || request.routeOptions.config.public) return;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_-]{1,200})$/i.exec(header) : null;
    if (!match?.[1]) throw serverError('UNAUTHENTICATED', 'this route needs Authorization: Bearer <session token>');
    request.actor = await auth.authenticate(match[1]);
  });
}

/** The authenticated caller; routes call this rather than trusting that the hook ran. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw serverError('UNAUTHENTICATED', 'this route needs Authorization: Bearer <session token>');
  return request.actor;
}
