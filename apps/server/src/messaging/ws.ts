/**
 * The WebSocket at /api/v1/ws tells a device when something was queued for it; the device then
 * pulls with GET /queue, so this channel carries no content. The first client frame must be
 * `{type:"auth", token}` within 10 s (tokens never go into URLs, where proxies log them). The
 * socket is closed when the session expires or the device is revoked.
 */
import { API_PREFIX, hasCode, type WsServerFrame } from '@valise/protocol';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { Services } from '../services.ts';

export const WS_AUTH_TIMEOUT_MS = 10_000;
/** Close code for policy violations (RFC 6455 §7.4.1). */
const POLICY_VIOLATION = 1008;
const MAX_TIMER_MS = 2 ** 31 - 1;

function parseAuthFrame(data: unknown): string | null {
  let frame: unknown;
  try {
    frame = JSON.parse(String(data));
  } catch {
    return null;
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return null;
  const { type, token, ...rest } = frame as Record<string, unknown>;
  if (type !== 'auth' || typeof token !== 'string' || token.length > 200 || Object.keys(rest).length > 0) return null;
  return token;
}

export async function websocketRoutes(
  app: FastifyInstance,
  { services, authTimeoutMs = WS_AUTH_TIMEOUT_MS }: { services: Services; authTimeoutMs?: number },
): Promise<void> {
  const { auth, ctx } = services;

  app.get(
    `${API_PREFIX}/ws`,
    {
      websocket: true,
      config: { public: true },
      schema: {
        tags: ['queue'],
        summary: 'WebSocket: send {type:"auth",token} first (within 10 s); then receive {type:"ready"} and {type:"queue",seq} notices',
      },
    },
    (socket: WebSocket, request) => {
      let state: 'waiting' | 'authenticating' | 'ready' | 'closed' = 'waiting';
      const cleanups: (() => void)[] = [];
      const send = (frame: WsServerFrame) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
      };
      const fail = (code: string, message: string) => {
        if (state === 'closed') return;
        send({ type: 'error', code, message });
        state = 'closed';
        socket.close(POLICY_VIOLATION, code);
      };
      const authTimer = setTimeout(() => fail('UNAUTHENTICATED', 'no auth frame within 10 seconds'), authTimeoutMs);
      cleanups.push(() => clearTimeout(authTimer));

      socket.on('message', (data, isBinary) => {
        if (state !== 'waiting') {
          if (state === 'ready') fail('BAD_REQUEST', 'the server expects no frames after auth');
          return;
        }
        const token = isBinary ? null : parseAuthFrame(data);
        if (token === null) {
          fail('BAD_REQUEST', 'the first frame must be {"type":"auth","token":"..."}');
          return;
        }
        state = 'authenticating';
        clearTimeout(authTimer);
        auth.authenticate(token).then(
          (actor) => {
            if (state !== 'authenticating') return;
            state = 'ready';
            send({ type: 'ready' });
            cleanups.push(
              ctx.bus.subscribe(actor.deviceId, (event) => {
                if (event.type === 'queue') send({ type: 'queue', seq: event.seq });
                else if (event.type === 'pouch') send({ type: 'pouch', id: event.pouch, event: event.event });
                else if (event.type === 'revoked') fail('DEVICE_REVOKED', 'this device has been revoked');
              }),
            );
            const sessionLeft = Math.min(MAX_TIMER_MS, Math.max(0, actor.sessionExpiresAt - ctx.clock().getTime()));
            const expiry = setTimeout(() => fail('UNAUTHENTICATED', 'the session has expired: authenticate again'), sessionLeft);
            cleanups.push(() => clearTimeout(expiry));
          },
          (err: unknown) => {
            if (hasCode(err, 'UNAUTHENTICATED')) fail('UNAUTHENTICATED', 'missing, expired or revoked session token');
            else {
              request.log.error({ err: { message: (err as Error)?.message } }, 'websocket authentication failed');
              fail('INTERNAL', 'internal server error');
            }
          },
        );
      });
      socket.on('close', () => {
        state = 'closed';
        for (const cleanup of cleanups.splice(0)) cleanup();
      });
      socket.on('error', () => socket.terminate());
    },
  );
}
