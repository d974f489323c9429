/**
 * GET /api/v1/audit/events on SQLite and PostgreSQL: security officers open every event, others
 * only their own; each opening recomputes its leaf and is included under the returned checkpoint;
 * paging both ways; unauthenticated and malformed requests are refused and change nothing.
 */
import {
  type AuditEventsResponse,
  concatBytes,
  eventLeaf,
  fromBase64Url,
  leafHash,
  parseCheckpoint,
  parseSignedNote,
  utf8,
} from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSecurityEvent } from '../policy/security-events.ts';
import { DIALECTS } from '../testing/databases.ts';
import { call, createTestServer, errorCode, type TestServer } from '../testing/http.ts';
import { crypto, member } from '../testing/world.ts';
import { storedHashReader } from './store.ts';

describe.each(DIALECTS)('opened audit events on %s', (dialect) => {
  let server: TestServer;
  let officer: Awaited<ReturnType<typeof member>>;
  let user: Awaited<ReturnType<typeof member>>;
  const get = (url: string, token?: string) => call(server.app, 'GET', url, token === undefined ? {} : { token });

  beforeAll(async () => {
    server = await createTestServer(dialect);
    officer = await member(server.world, 'officer', ['user', 'security-officer']);
    user = await member(server.world, 'user');
    for (const [i, who] of [user, officer, user].entries()) {
      await recordSecurityEvent(server.world.tdb.db, server.world.ctx, {
        type: 'export',
        actor: { person: who.person, device: who.device.deviceId },
        target: `conversation:${i}`,
        code: null,
        details: { i },
      });
    }
  });
  afterAll(async () => server?.close());

  it('opens every event to a security officer, each matching its leaf under the returned checkpoint', async () => {
    const res = await get('/api/v1/audit/events?limit=1000', officer.token);
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json() as AuditEventsResponse;
    const { size, rootHash } = parseCheckpoint(parseSignedNote(page.checkpoint).text);
    expect(page.size).toBe(size);
    expect(page.events.length).toBe(size); // everything so far: enrolments and the exports
    const reader = storedHashReader(server.world.tdb.db);
    for (const o of page.events) {
      const type = (JSON.parse(o.event) as { type: string }).type;
      const leaf = eventLeaf(type, await crypto.sha256(concatBytes(fromBase64Url(o.salt), utf8(o.event))));
      expect(Buffer.from(leafHash(leaf))).toEqual(Buffer.from(await reader.hashAt(0, o.index)));
    }
    expect(rootHash.length).toBe(32);
    const types = page.events.map((o) => (JSON.parse(o.event) as { type: string }).type);
    expect(types.filter((t) => t === 'export')).toHaveLength(3);
    expect(types).toContain('device-enrol');
  });

  it('opens only their own events to others, and pages newest first', async () => {
    const own = (await get('/api/v1/audit/events?type=export', user.token)).json() as AuditEventsResponse;
    expect(own.events.map((o) => (JSON.parse(o.event) as { actor: { person: string } }).actor.person)).toEqual([user.person, user.person]);
    const newest = (await get('/api/v1/audit/events?order=desc&limit=1&type=export', officer.token)).json() as AuditEventsResponse;
    expect(newest.events).toHaveLength(1);
    expect(newest.next).not.toBeNull();
    const next = (
      await get(`/api/v1/audit/events?order=desc&limit=1&type=export&from=${newest.next}`, officer.token)
    ).json() as AuditEventsResponse;
    expect(next.events[0]!.index).toBeLessThan(newest.events[0]!.index);
  });

  it('refuses unauthenticated and malformed requests', async () => {
    expect((await get('/api/v1/audit/events')).statusCode).toBe(401);
    for (const q of ['limit=0', 'limit=1001', 'from=-1', 'order=up', 'type=gossip', 'since=3']) {
      const res = await get(`/api/v1/audit/events?${q}`, officer.token);
      expect(res.statusCode, q).toBe(400);
      expect(errorCode(res)).toBe('BAD_REQUEST');
    }
  });
});
