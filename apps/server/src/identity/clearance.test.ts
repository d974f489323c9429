/**
 * Clearances over HTTP (SQLite and PostgreSQL): grants and revocations by security officers only,
 * validated against the label policy, recorded in the history and as security events; the
 * effective clearance is the latest live grant, shown in person views; and, on a controlled clock,
 * a grant that expires lowers the person's clearance and stops their queue delivering what is
 * above it.
 */
import { DEFAULT_LABEL_POLICY, type PersonClearances, type QueueResponse } from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, DIALECTS } from '../testing/databases.ts';
import { call, createTestServer, errorCode, type TestServer } from '../testing/http.ts';
import { b64, enrolDevice, HQ, handle, login, member, newGroupId } from '../testing/world.ts';

type Member = Awaited<ReturnType<typeof member>>;
const HOUR = 3_600_000;

describe.each(DIALECTS)('clearances on %s', (dialect) => {
  let server: TestServer;
  let officer: Member;
  let officer2: Member;
  let user: Member;
  const rows = () => countRows(server.world.tdb.db);
  const api = (method: 'GET' | 'POST', url: string, token: string, body?: unknown) =>
    call(server.app, method, url, { token, ...(body !== undefined ? { body } : {}) });
  const inAWeek = () => new Date(server.world.clock.now().getTime() + 7 * 24 * HOUR).toISOString();
  const grantBody = (person: string, extra: Record<string, unknown> = {}) => ({
    person,
    level: 'TOP SECRET',
    compartments: ['NUCLEAR', 'CRYPTO'],
    nationality: 'FRD',
    expiresAt: inAWeek(),
    reason: 'posted to the crisis cell',
    ...extra,
  });
  const eventsOf = (type: string) =>
    server.world.tdb.db.selectFrom('security_events').selectAll().where('type', '=', type).orderBy('id').execute();

  beforeAll(async () => {
    server = await createTestServer(dialect);
    officer = await member(server.world, 'officer', ['user', 'security-officer'], 'TOP SECRET');
    officer2 = await member(server.world, 'officer2', ['user', 'security-officer'], 'TOP SECRET');
    user = await member(server.world, 'user', ['user'], 'CONFIDENTIAL');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves the label policy to authenticated devices', async () => {
    const res = await api('GET', '/api/v1/label-policy', user.token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(JSON.parse(JSON.stringify(DEFAULT_LABEL_POLICY)));
    expect((await call(server.app, 'GET', '/api/v1/label-policy')).statusCode).toBe(401);
  });

  it('grants, supersedes and revokes, showing the effective clearance everywhere and keeping every step', async () => {
    const grant = await api('POST', '/api/v1/admin/clearances', officer.token, grantBody(user.person, { mayExport: true }));
    expect(grant.statusCode, grant.body).toBe(200);
    expect(grant.json()).toMatchObject({
      person: user.person,
      level: 'TOP SECRET',
      compartments: ['CRYPTO', 'NUCLEAR'],
      nationality: 'FRD',
      mayExport: true,
      grantedBy: officer.person,
      reason: 'posted to the crisis cell',
      status: 'effective',
      revokedAt: null,
    });
    const grantId = (grant.json() as { id: string }).id;
    const me = (await api('GET', '/api/v1/me', user.token)).json() as {
      person: { clearance: string; compartments: string[]; nationality: string };
    };
    expect(me.person).toMatchObject({ clearance: 'TOP SECRET', compartments: ['CRYPTO', 'NUCLEAR'], nationality: 'FRD' });
    const directory = (await api('GET', '/api/v1/directory/people', officer.token)).json() as { handle: string; clearance: string }[];
    expect(directory.find((p) => p.handle === user.person)?.clearance).toBe('TOP SECRET');

    const revoked = await api('POST', `/api/v1/admin/clearances/${grantId}/revoke`, officer2.token, { reason: 'posting ended early' });
    expect(revoked.json()).toMatchObject({
      id: grantId,
      status: 'revoked',
      revokedBy: officer2.person,
      revokeReason: 'posting ended early',
    });
    // Back to the grant before it (CONFIDENTIAL, from when the person was created).
    expect(((await api('GET', '/api/v1/me', user.token)).json() as { person: { clearance: string } }).person.clearance).toBe(
      'CONFIDENTIAL',
    );
    expect(errorCode(await api('POST', `/api/v1/admin/clearances/${grantId}/revoke`, officer.token, { reason: 'again' }))).toBe('CONFLICT');

    const history = (
      await api('GET', `/api/v1/admin/people/${encodeURIComponent(user.person)}/clearances`, officer.token)
    ).json() as PersonClearances;
    expect(history.effective).toMatchObject({ level: 'CONFIDENTIAL', compartments: [], baseline: false, mayExport: false });
    expect(history.grants.map((g) => [g.level, g.status])).toEqual([
      ['CONFIDENTIAL', 'effective'],
      ['TOP SECRET', 'revoked'],
    ]);
    expect(history.history.map((h) => [h.action, h.actor])).toEqual([
      ['granted', null],
      ['granted', officer.person],
      ['revoked', officer2.person],
    ]);
    expect(history.history[1]?.details).toMatchObject({ level: 'TOP SECRET', supersedes: history.grants[0]?.id });
    expect((await eventsOf('clearance-grant')).some((e) => e.target === `person:${user.person}` && e.actor_person === officer.person)).toBe(
      true,
    );
    expect((await eventsOf('clearance-revoke')).at(-1)).toMatchObject({ actor_person: officer2.person, target: `person:${user.person}` });
  });

  it('refuses grants by others than security officers, to oneself, and outside the label policy, changing nothing', async () => {
    const before = await rows();
    const denials = (await eventsOf('access-denied')).length;
    const cases: [string, Record<string, unknown>, string, number][] = [
      [user.token, grantBody(user.person), 'FORBIDDEN', 403],
      [officer.token, grantBody(officer.person), 'FORBIDDEN', 403],
      [officer.token, grantBody(user.person, { level: 'COSMIC TOP SECRET' }), 'BAD_REQUEST', 400],
      [officer.token, grantBody(user.person, { compartments: ['CRISIS'] }), 'BAD_REQUEST', 400],
      [officer.token, grantBody(user.person, { expiresAt: server.world.clock.now().toISOString() }), 'BAD_REQUEST', 400],
      [officer.token, grantBody(user.person, { reason: '' }), 'BAD_REQUEST', 400],
      [officer.token, grantBody(user.person, { nationality: 'fr' }), 'BAD_REQUEST', 400],
      [officer.token, grantBody(handle('nobody')), 'NOT_FOUND', 404],
    ];
    for (const [token, body, code, status] of cases) {
      const res = await api('POST', '/api/v1/admin/clearances', token, body);
      expect(res.statusCode, res.body).toBe(status);
      expect(errorCode(res)).toBe(code);
    }
    for (const [method, url] of [
      ['POST', '/api/v1/admin/clearances/01ARZ3NDEKTSV4RRFFQ69G5FAV/revoke'],
      ['GET', `/api/v1/admin/people/${encodeURIComponent(officer.person)}/clearances`],
    ] as const) {
      expect(errorCode(await api(method, url, user.token, method === 'POST' ? { reason: 'mine now' } : undefined))).toBe('FORBIDDEN');
    }
    expect(errorCode(await api('POST', '/api/v1/admin/clearances/01ARZ3NDEKTSV4RRFFQ69G5FAV/revoke', officer.token, { reason: 'x' }))).toBe(
      'NOT_FOUND',
    );
    expect(await rows()).toEqual(before);
    // The four refusals by role are recorded.
    expect((await eventsOf('access-denied')).length).toBe(denials + 4);
  });

  it('lowers an expired clearance to the next live grant or the baseline, and stops delivering what is above it', async () => {
    const { clock, services } = server.world;
    const alice = await member(server.world, 'alice', ['user'], 'SECRET');
    // Ivy's only clearance, SECRET, expires in two hours.
    await services.identity.createPerson(
      null,
      { handle: handle('ivy'), name: 'Ivy', unit: HQ, roles: ['user'], clearance: 'SECRET', nationality: 'TST' },
      { grantedBy: officer.person, reason: 'temporary posting', expiresAt: new Date(clock.now().getTime() + 2 * HOUR) },
    );
    const ivyDevice = await enrolDevice(server.world, handle('ivy'));
    let ivy = await login(server.world, ivyDevice);

    const secret = newGroupId();
    const open = newGroupId();
    for (const [id, label] of [
      [secret, 'SECRET'],
      [open, 'UNCLASSIFIED'],
    ] as const) {
      expect((await api('POST', '/api/v1/conversations', alice.token, { id, kind: 'group', label, suite: 3 })).statusCode).toBe(200);
      const added = await api('POST', `/api/v1/conversations/${id}/commits`, alice.token, {
        epoch: 0,
        commit: b64('c'),
        welcome: b64('w'),
        ratchetTree: b64('t'),
        added: [ivyDevice.deviceId],
        removed: [],
      });
      expect(added.statusCode, added.body).toBe(200);
      expect(
        (
          await api('POST', `/api/v1/conversations/${id}/messages`, alice.token, {
            epoch: 1,
            ciphertext: b64(`in ${label}`),
            label,
            precedence: 'ROUTINE',
          })
        ).statusCode,
      ).toBe(200);
    }
    expect(await services.delivery.conversationsNoLongerReadable(handle('ivy'))).toEqual([]);

    clock.advance(3 * HOUR);
    ivy = await login(server.world, ivyDevice); // sessions last an hour
    const me = (await api('GET', '/api/v1/me', ivy.token)).json() as { person: { clearance: string } };
    expect(me.person.clearance).toBe('UNCLASSIFIED');
    expect(await services.delivery.conversationsNoLongerReadable(handle('ivy'))).toEqual([
      { conversationId: secret, deviceIds: [ivyDevice.deviceId] },
    ]);

    const page = (await api('GET', '/api/v1/queue', ivy.token)).json() as QueueResponse;
    expect(new Set(page.items.map((i) => i.conversationId))).toEqual(new Set([open]));
    expect(page.items.map((i) => i.type)).toEqual(['welcome', 'message']);
    expect(errorCode(await api('GET', `/api/v1/conversations/${secret}`, ivy.token))).toBe('LABEL_NOT_DOMINATED');
    expect((await api('GET', `/api/v1/conversations/${open}`, ivy.token)).statusCode).toBe(200);
    const withheld = (await eventsOf('access-denied')).filter(
      (e) => e.actor_person === handle('ivy') && e.target === `conversation:${secret}`,
    );
    expect(withheld.map((e) => JSON.parse(e.details).action)).toEqual(['deliver', 'read-conversation']);

    // A security officer renews the clearance: the conversation is readable again (new items reach her).
    const so = await login(server.world, officer.device);
    const renewed = await api('POST', '/api/v1/admin/clearances', so.token, {
      person: handle('ivy'),
      level: 'SECRET',
      compartments: [],
      nationality: 'TST',
      expiresAt: new Date(clock.now().getTime() + 30 * 24 * HOUR).toISOString(),
      reason: 'posting extended',
    });
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect((await api('GET', `/api/v1/conversations/${secret}`, ivy.token)).statusCode).toBe(200);
    const history = (
      await api('GET', `/api/v1/admin/people/${encodeURIComponent(handle('ivy'))}/clearances`, so.token)
    ).json() as PersonClearances;
    expect(history.grants.map((g) => g.status)).toEqual(['expired', 'effective']);
  });
});
