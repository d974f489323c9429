import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestServer, type TestServer } from '../testing/http.ts';
import { b64, member, newGroupId } from '../testing/world.ts';

type Frame = { type: string; seq?: number; code?: string };

/** A client that records frames and the close, and lets tests wait for them with a deadline. */
class Client {
  readonly frames: Frame[] = [];
  closed: { code: number } | null = null;
  readonly socket: WebSocket;
  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data) => this.frames.push(JSON.parse(String(data)) as Frame));
    this.socket.on('close', (code) => {
      this.closed = { code };
    });
  }
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }
  async until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

describe('the WebSocket notifier', () => {
  let server: TestServer;
  let url: string;
  const clients: Client[] = [];
  const connect = async () => {
    const c = new Client(url);
    clients.push(c);
    await c.opened();
    return c;
  };

  beforeAll(async () => {
    server = await createTestServer('sqlite', { wsAuthTimeoutMs: 300 });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    url = `ws://127.0.0.1:${(server.app.server.address() as AddressInfo).port}/api/v1/ws`;
  });
  afterAll(async () => {
    for (const c of clients) c.socket.terminate();
    await server?.close();
  });

  it('authenticates by the first frame, then notifies of queued items', async () => {
    const alice = await member(server.world, 'alice');
    const bob = await member(server.world, 'bob');
    const ws = await connect();
    ws.socket.send(JSON.stringify({ type: 'auth', token: bob.token }));
    await ws.until(() => ws.frames.some((f) => f.type === 'ready'), 'ready');

    const id = newGroupId();
    const ds = server.world.services.delivery;
    await ds.createConversation(alice.actor, { id, kind: 'direct', label: 'SECRET', suite: 1 });
    await ds.commit(alice.actor, id, {
      epoch: 0,
      commit: b64('c'),
      welcome: b64('w'),
      ratchetTree: b64('t'),
      added: [bob.device.deviceId],
      removed: [],
    });
    await ds.sendMessage(alice.actor, id, { epoch: 1, ciphertext: b64('m'), label: 'SECRET', precedence: 'ROUTINE' });
    await ws.until(() => ws.frames.filter((f) => f.type === 'queue').length === 2, 'two queue notices');
    const seqs = ws.frames.filter((f) => f.type === 'queue').map((f) => f.seq!);
    expect(seqs[1]).toBeGreaterThan(seqs[0]!);
  });

  it('refuses a bad first frame, a bad token and silence', async () => {
    const bad = await connect();
    bad.socket.send('{"type":"hello"}');
    await bad.until(() => bad.closed !== null, 'close');
    expect(bad.frames).toEqual([{ type: 'error', code: 'BAD_REQUEST', message: expect.any(String) }]);
    expect(bad.closed?.code).toBe(1008);

    const wrong = await connect();
    wrong.socket.send(JSON.stringify({ type: 'auth', token: 'A'.repeat(43) }));
    await wrong.until(() => wrong.closed !== null, 'close');
    expect(wrong.frames[0]).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED' });

    const silent = await connect();
    await silent.until(() => silent.closed !== null, 'close after the auth timeout');
    expect(silent.frames[0]).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED' });
  });

  it('closes the socket of a device when it is revoked', async () => {
    const carol = await member(server.world, 'carol');
    const ws = await connect();
    ws.socket.send(JSON.stringify({ type: 'auth', token: carol.token }));
    await ws.until(() => ws.frames.some((f) => f.type === 'ready'), 'ready');
    await server.world.services.identity.revokeDevice(carol.actor, carol.device.deviceId);
    await ws.until(() => ws.closed !== null, 'close');
    expect(ws.frames.at(-1)).toMatchObject({ type: 'error', code: 'DEVICE_REVOKED' });
    expect(server.world.bus.subscribedDevices).toBeLessThanOrEqual(1);
  });
});
