/** The real server over a test world, driven with app.inject (no sockets) or on a loopback port. */
import { fromBase64Url, generateHybridKeyPair, toBase64Url } from '@valise/protocol';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { buildServer } from '../app.ts';
import type { Dialect } from '../db/schema.ts';
import { authSignature, createWorld, crypto, enrolmentProof, type TestDevice, type World } from './world.ts';

export interface TestServer {
  world: World;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function createTestServer(
  dialect: Dialect,
  options: { webRoot?: string; wsAuthTimeoutMs?: number } = {},
): Promise<TestServer> {
  const world = await createWorld(dialect);
  const app = await buildServer({
    db: world.tdb.db,
    dialect,
    clock: world.clock.now,
    crypto,
    logger: pino({ level: 'silent' }),
    organisation: world.ctx.organisation,
    labelPolicy: world.ctx.labelPolicy,
    bus: world.bus,
    ...options,
  });
  return {
    world,
    app,
    close: async () => {
      await app.close();
      await world.close();
    },
  };
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** One API call; `body` objects go as JSON, Uint8Array as application/octet-stream. */
export function call(
  app: FastifyInstance,
  method: Method,
  url: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: string | Buffer | undefined;
  if (options.body instanceof Uint8Array) {
    payload = Buffer.from(options.body);
    headers['content-type'] ??= 'application/octet-stream';
  } else if (typeof options.body === 'string') {
    payload = options.body;
    headers['content-type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  return app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
}

export function errorCode(res: LightMyRequestResponse): string | undefined {
  try {
    return (res.json() as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** Enrol over HTTP with a code and log in: the whole client side of identity, by hand. */
export async function enrolAndLoginOverHttp(app: FastifyInstance, code: string): Promise<{ device: TestDevice; token: string }> {
  const keys = await generateHybridKeyPair(crypto);
  const enrol = await call(app, 'POST', '/api/v1/enrol', {
    body: { code, deviceName: 'test device', identityKey: toBase64Url(keys.publicKey), proof: await enrolmentProof(keys, code) },
  });
  if (enrol.statusCode !== 200) throw new Error(`enrol failed: ${enrol.body}`);
  const { device } = enrol.json() as { device: { id: string; person: string } };
  const challenge = await call(app, 'POST', '/api/v1/auth/challenge', { body: { deviceId: device.id } });
  const c = (challenge.json() as { challenge: string }).challenge;
  const token = await call(app, 'POST', '/api/v1/auth/token', {
    body: { deviceId: device.id, challenge: c, signature: await authSignature(keys, fromBase64Url(c), device.id) },
  });
  if (token.statusCode !== 200) throw new Error(`token failed: ${token.body}`);
  return { device: { deviceId: device.id, person: device.person, keys }, token: (token.json() as { token: string }).token };
}
