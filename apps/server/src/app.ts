/**
 * The Valise server as a Fastify instance: built from injected dependencies (database, clock,
 * crypto, logger, bus) so tests run the real thing on controlled time, and main.ts runs it for real.
 */
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import { type CryptoProvider, DEFAULT_LABEL_POLICY, ErrorBody, Health, type LabelPolicy, type Organisation } from '@valise/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { sql } from 'kysely';
import pkg from '../package.json' with { type: 'json' };
import { auditEventRoutes } from './audit/event-routes.ts';
import { generateLogKeys, type LogKeys } from './audit/keys.ts';
import { auditLogRoutes } from './audit/routes.ts';
import { AuditLog } from './audit/service.ts';
import { type WitnessEndpoint, WitnessSubmitter } from './audit/witness-submitter.ts';
import { type Bus, InProcessBus } from './bus/bus.ts';
import type { ServiceContext } from './context.ts';
import type { Db, Dialect } from './db/schema.ts';
import { serverError } from './errors.ts';
import { registerAuthentication } from './http/authentication-hook.ts';
import { registerErrorHandling } from './http/errors.ts';
import { swaggerOptions } from './http/openapi.ts';
import { errors } from './http/schemas.ts';
import { registerWebApp } from './http/web-app.ts';
import { adminRoutes } from './identity/admin-routes.ts';
import { clearanceRoutes } from './identity/clearance-routes.ts';
import { identityRoutes } from './identity/routes.ts';
import { messagingRoutes } from './messaging/routes.ts';
import { websocketRoutes } from './messaging/ws.ts';
import { policyRoutes } from './policy/routes.ts';
import { pouchRoutes } from './pouch/routes.ts';
import { createServices, type Services } from './services.ts';
import { transparencyRoutes } from './transparency/routes.ts';
import { TransparencyService } from './transparency/service.ts';

export const SERVER_VERSION: string = pkg.version;

export interface ServerDeps {
  db: Db;
  dialect: Dialect;
  clock: () => Date;
  crypto: CryptoProvider;
  logger: FastifyBaseLogger;
  organisation: Organisation;
  /** The label policy (validated; main.ts reads DIR/label-policy.json); the protocol's default otherwise. */
  labelPolicy?: LabelPolicy;
  /** The built web app; served at / when it holds an index.html. */
  webRoot?: string;
  /** Fan-out between processes; in-process by default. */
  bus?: Bus;
  /** How long a WebSocket may take to send its auth frame (tests shorten it). */
  wsAuthTimeoutMs?: number;
  /** The audit log's signing keys (main.ts keeps them in DIR/log-keys.json); fresh ones otherwise. */
  logKeys?: LogKeys;
  /** Sign a new checkpoint this often when the log has grown; none when absent (tests ask on demand). */
  checkpointIntervalMs?: number;
  /** Witnesses asked to cosign each new checkpoint (c2sp.org/tlog-witness); none by default. */
  witnesses?: readonly WitnessEndpoint[];
  /** The transport to witnesses (tests inject one); the global fetch otherwise. */
  witnessFetch?: typeof fetch;
  /** Where pouch files are kept (main.ts: DIR/pouches; shared between processes on PostgreSQL); a temporary directory otherwise. */
  pouchDir?: string;
  /** The largest pouch accepted, in sealed bytes (default 64 GiB). */
  pouchMaxBytes?: number;
}

/** Requests without a route-specific limit (enrolment, admin, claims) stay small. */
const DEFAULT_BODY_LIMIT = 1024 * 1024;

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    auditLog: AuditLog;
    witnessSubmitter: WitnessSubmitter;
  }
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const ownBus = deps.bus === undefined;
  const bus = deps.bus ?? new InProcessBus();
  const ctx: ServiceContext = {
    db: deps.db,
    dialect: deps.dialect,
    clock: deps.clock,
    crypto: deps.crypto,
    organisation: deps.organisation,
    bus,
    labelPolicy: deps.labelPolicy ?? DEFAULT_LABEL_POLICY,
  };
  const services = createServices(ctx, {
    ...(deps.pouchDir !== undefined ? { pouchDir: deps.pouchDir } : {}),
    ...(deps.pouchMaxBytes !== undefined ? { pouchMaxBytes: deps.pouchMaxBytes } : {}),
  });

  const app = Fastify({
    loggerInstance: deps.logger,
    // Our own one-line request log below replaces Fastify's two lines per request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    // Reject rather than repair: no silently dropped properties, no "5" accepted for 5.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  app.decorate('services', services);
  const auditLog = await AuditLog.create({
    db: deps.db,
    crypto: deps.crypto,
    clock: deps.clock,
    domain: deps.organisation.domain,
    keys: deps.logKeys ?? generateLogKeys(deps.crypto.randomBytes),
  });
  app.decorate('auditLog', auditLog);
  const witnessSubmitter = new WitnessSubmitter({
    db: deps.db,
    log: auditLog,
    crypto: deps.crypto,
    clock: deps.clock,
    witnesses: deps.witnesses ?? [],
    logger: app.log,
    ...(deps.witnessFetch ? { fetch: deps.witnessFetch } : {}),
  });
  app.decorate('witnessSubmitter', witnessSubmitter);
  app.addHook('onClose', async () => witnessSubmitter.close());
  // The API speaks JSON (and octet-stream for attachments): plain text is refused with 415.
  app.removeContentTypeParser('text/plain');
  // Fastify's JSON parser (prototype poisoning refused), except that an empty body is "no body":
  // clients send `content-type: application/json` on body-less POSTs such as revocation. Routes
  // that need a body still refuse its absence through their schema.
  const strictJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else strictJson(request, body as string, done);
  });
  app.addSchema(ErrorBody);

  // One concise log line per request: method, path (no query), status, time. Never headers or bodies.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, path: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    // Never framed (clickjacking of a classified view); the page's own meta CSP restricts the rest,
    // and frame-ancestors is only honoured in a header.
    reply.header('content-security-policy', "frame-ancestors 'none'");
    reply.header('x-frame-options', 'DENY');
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });

  await app.register(fastifySwagger, swaggerOptions(SERVER_VERSION));
  await app.register(fastifyWebsocket, { options: { maxPayload: 4096 } });

  const spaFallback = await registerWebApp(app, deps.webRoot);
  registerErrorHandling(app, spaFallback ? { spaFallback } : {});
  registerAuthentication(app, services.auth);

  app.get(
    '/health',
    {
      schema: {
        tags: ['server'],
        summary: 'Liveness and readiness: 200 when the database answers',
        response: { 200: Health, ...errors(503) },
      },
    },
    async () => {
      try {
        await sql`select 1`.execute(deps.db);
      } catch {
        throw serverError('UNAVAILABLE', 'the database is not reachable');
      }
      return { status: 'ok' as const, version: SERVER_VERSION, organisation: deps.organisation };
    },
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(identityRoutes, { services });
  await app.register(adminRoutes, { services });
  await app.register(clearanceRoutes, { services });
  await app.register(policyRoutes, { services });
  await app.register(messagingRoutes, { services });
  await app.register(pouchRoutes, { pouches: services.pouches, custody: services.custody });
  app.addHook('onClose', async () => services.pouches.files.close());
  await app.register(websocketRoutes, { services, ...(deps.wsAuthTimeoutMs ? { authTimeoutMs: deps.wsAuthTimeoutMs } : {}) });

  await app.register(auditLogRoutes, { log: auditLog, witnesses: witnessSubmitter });
  await app.register(transparencyRoutes, { transparency: new TransparencyService(ctx, auditLog) });
  await app.register(auditEventRoutes, { db: deps.db, log: auditLog });
  if (deps.checkpointIntervalMs !== undefined) {
    const timer = setInterval(() => {
      auditLog.checkpoint().then(
        // Witnesses are asked after the checkpoint exists: they never hold it up.
        () => witnessSubmitter.cosignLatest(),
        (err: unknown) => app.log.error({ err }, 'checkpoint failed'),
      );
    }, deps.checkpointIntervalMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }

  if (ownBus) app.addHook('onClose', async () => bus.close());
  await app.ready();
  return app;
}
