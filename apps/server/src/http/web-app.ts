/**
 * Serves the built web app (apps/web's output) from `webRoot` at /, with the single-page-app
 * fallback: any GET outside /api that matches no file gets index.html, so client-side routes
 * survive a reload.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export type SpaFallback = (request: FastifyRequest, reply: FastifyReply) => unknown;

/** Register static serving when `webRoot` holds an index.html; returns the fallback, or undefined. */
export async function registerWebApp(app: FastifyInstance, webRoot: string | undefined): Promise<SpaFallback | undefined> {
  if (!webRoot || !existsSync(join(webRoot, 'index.html'))) return undefined;
  await app.register(fastifyStatic, { root: webRoot, prefix: '/', index: 'index.html', schemaHide: true });
  return (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html');
}
