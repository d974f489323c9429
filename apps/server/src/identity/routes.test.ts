import { fromBase64Url, generateHybridKeyPair, toBase64Url } from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, DIALECTS } from '../testing/databases.ts';
import { call, createTestServer, enrolAndLoginOverHttp, errorCode, type TestServer } from '../testing/http.ts';
import { addPerson, authSignature, crypto, enrolmentProof, HQ, handle, member } from '../testing/world.ts';

describe.each(DIALECTS)('identity routes on %s', (dialect) => {
  let server: TestServer;
  let officer: Awaited<ReturnType<typeof member>>;
  let admin: Awaited<ReturnType<typeof member>>;
  let user: Awaited<ReturnType<typeof member>>;
  const rows = () => countRows(server.world.tdb.db);

  beforeAll(async () => {
    server = await createTestServer(dialect);
    officer = await member(server.world, 'rso', ['user', 'security-officer']);
    admin = await member(server.world, 'admin', ['admin']);
    user = await member(server.world, 'user');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('enrols and authenticates a device end to end over HTTP', async () => {
    const person = await addPerson(server.world, 'alice', ['user'], 'TOP SECRET');
    const issued = await call(server.app, 'POST', '/api/v1/admin/enrolment-codes', { token: officer.token, body: { person } });
    expect(issued.statusCode).toBe(200);
    const { code } = issued.json() as { code: string };
    const { device, token } = await enrolAndLoginOverHttp(server.app, code);
    const me = await call(server.app, 'GET', '/api/v1/me', { token });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      person: { handle: person, clearance: 'TOP SECRET', roles: ['user'] },
      device: { id: device.deviceId, person, revokedAt: null, identityKey: toBase64Url(device.keys.publicKey) },
      organisation: server.world.ctx.organisation,
    });
    const one = await call(server.app, 'GET', `/api/v1/devices/${device.deviceId}`, { token: user.token });
    expect(one.json()).toMatchObject({ id: device.deviceId, person, identityKey: toBase64Url(device.keys.publicKey) });
    expect(errorCode(await call(server.app, 'GET', '/api/v1/devices/01ARZ3NDEKTSV4RRFFQ69G5FAV', { token }))).toBe('NOT_FOUND');
    const devices = await call(server.app, 'GET', `/api/v1/directory/people/${encodeURIComponent(person)}/devices`, { token });
    expect((devices.json() as { id: string }[]).map((d) => d.id)).toEqual([device.deviceId]);
    expect((await call(server.app, 'GET', '/api/v1/directory/units', { token })).json()).toEqual([
      { handle: HQ, name: 'Headquarters', kind: 'headquarters' },
    ]);
    const members = await call(server.app, 'GET', `/api/v1/directory/units/${HQ}/members`, { token });
    expect((members.json() as { handle: string }[]).map((p) => p.handle)).toContain(person);
    expect(errorCode(await call(server.app, 'GET', `/api/v1/directory/units/${handle('nowhere')}/members`, { token }))).toBe('NOT_FOUND');
    expect((await call(server.app, 'GET', '/api/v1/directory/people', { token })).statusCode).toBe(200);
  });

  it('refuses a replayed enrolment code and a replayed challenge, and changes nothing', async () => {
    const person = await addPerson(server.world, 'bob');
    const { code } = await server.world.services.identity.issueEnrolmentCode(null, { person });
    const { device } = await enrolAndLoginOverHttp(server.app, code);
    const keys = await generateHybridKeyPair(crypto);
    const before = await rows();
    const replay = await call(server.app, 'POST', '/api/v1/enrol', {
      body: { code, deviceName: 'second', identityKey: toBase64Url(keys.publicKey), proof: await enrolmentProof(keys, code) },
    });
    expect(replay.statusCode).toBe(400);
    expect(errorCode(replay)).toBe('ENROLMENT_CODE_INVALID');
    expect(await rows()).toEqual(before);

    const challenge = (await call(server.app, 'POST', '/api/v1/auth/challenge', { body: { deviceId: device.deviceId } })).json() as {
      challenge: string;
    };
    const body = {
      deviceId: device.deviceId,
      challenge: challenge.challenge,
      signature: await authSignature(device.keys, fromBase64Url(challenge.challenge), device.deviceId),
    };
    expect((await call(server.app, 'POST', '/api/v1/auth/token', { body })).statusCode).toBe(200);
    const again = await call(server.app, 'POST', '/api/v1/auth/token', { body });
    expect(again.statusCode).toBe(401);
    expect(errorCode(again)).toBe('CHALLENGE_INVALID');
  });

  it('refuses a signature made in the wrong context', async () => {
    const person = await addPerson(server.world, 'carol');
    const { code } = await server.world.services.identity.issueEnrolmentCode(null, { person });
    const keys = await generateHybridKeyPair(crypto);
    const before = await rows();
    const res = await call(server.app, 'POST', '/api/v1/enrol', {
      body: { code, deviceName: 'laptop', identityKey: toBase64Url(keys.publicKey), proof: await enrolmentProof(keys, code, 'auth') },
    });
    expect(res.statusCode).toBe(401);
    expect(errorCode(res)).toBe('SIGNATURE_INVALID');
    expect(await rows()).toEqual(before);

    const { device } = await enrolAndLoginOverHttp(server.app, code);
    const c = (await call(server.app, 'POST', '/api/v1/auth/challenge', { body: { deviceId: device.deviceId } })).json() as {
      challenge: string;
    };
    const wrong = await call(server.app, 'POST', '/api/v1/auth/token', {
      body: {
        deviceId: device.deviceId,
        challenge: c.challenge,
        signature: await authSignature(device.keys, fromBase64Url(c.challenge), device.deviceId, { context: 'enrol' }),
      },
    });
    expect(errorCode(wrong)).toBe('SIGNATURE_INVALID');
  });

  it('answers malformed, oversized and mistyped requests with a clear 4xx and changes nothing', async () => {
    const person = await addPerson(server.world, 'dave');
    const { code } = await server.world.services.identity.issueEnrolmentCode(null, { person });
    const keys = await generateHybridKeyPair(crypto);
    const good = { code, deviceName: 'laptop', identityKey: toBase64Url(keys.publicKey), proof: await enrolmentProof(keys, code) };
    const before = await rows();
    const cases: { name: string; body: unknown; type?: string; status: number; code: string; message?: RegExp }[] = [
      { name: 'missing field', body: { ...good, proof: undefined }, status: 400, code: 'BAD_REQUEST', message: /proof/ },
      { name: 'extra field', body: { ...good, admin: true }, status: 400, code: 'BAD_REQUEST', message: /additional/ },
      {
        name: 'short key',
        body: { ...good, identityKey: good.identityKey.slice(0, 100) },
        status: 400,
        code: 'BAD_REQUEST',
        message: /identityKey/,
      },
      { name: 'bad code alphabet', body: { ...good, code: 'UUUUU-UUUUU-UUUUU-UUUUU' }, status: 400, code: 'BAD_REQUEST' },
      { name: 'wrong type', body: { ...good, deviceName: 7 }, status: 400, code: 'BAD_REQUEST', message: /deviceName/ },
      { name: 'array body', body: [good], status: 400, code: 'BAD_REQUEST' },
      { name: 'invalid JSON', body: '{"code": "SECRET-LEAK', status: 400, code: 'BAD_REQUEST', message: /not valid JSON/ },
      { name: 'empty JSON', body: '', status: 400, code: 'BAD_REQUEST', message: /body must be object/ },
      { name: 'proto poisoning', body: '{"__proto__": {"x": 1}}', status: 400, code: 'BAD_REQUEST' },
      { name: 'text body', body: 'hello', type: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { name: 'huge body', body: { ...good, deviceName: 'x'.repeat(2 * 1024 * 1024) }, status: 413, code: 'PAYLOAD_TOO_LARGE' },
    ];
    for (const c of cases) {
      const res = await call(server.app, 'POST', '/api/v1/enrol', {
        body: c.body,
        ...(c.type ? { headers: { 'content-type': c.type } } : {}),
      });
      expect(res.statusCode, c.name).toBe(c.status);
      expect(errorCode(res), c.name).toBe(c.code);
      const message = (res.json() as { error: { message: string } }).error.message;
      if (c.message) expect(message, c.name).toMatch(c.message);
      // Never echo the request: neither the code nor the invalid JSON's content.
      expect(message).not.toContain(code);
      expect(message).not.toContain('SECRET-LEAK');
    }
    expect(await rows()).toEqual(before);
    // The code still works afterwards.
    expect((await call(server.app, 'POST', '/api/v1/enrol', { body: good })).statusCode).toBe(200);
  });

  it('requires a valid bearer token on every API route but enrolment and authentication', async () => {
    const before = await rows();
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/v1/me'],
      ['GET', '/api/v1/directory/people'],
      ['GET', '/api/v1/admin/people'],
      ['POST', '/api/v1/admin/units', { handle: handle('embassy-x'), name: 'X', kind: 'embassy' }],
      ['POST', `/api/v1/devices/${user.device.deviceId}/revoke`],
      ['GET', '/api/v1/queue'],
      ['POST', '/api/v1/conversations', { id: toBase64Url(crypto.randomBytes(16)), kind: 'group', label: 'SECRET', suite: 1 }],
    ];
    const badTokens = [undefined, 'not-a-token', toBase64Url(crypto.randomBytes(32)), `${user.token}x`];
    for (const [method, url, body] of routes) {
      for (const token of badTokens) {
        const res = await call(server.app, method as 'GET' | 'POST', url, { ...(token ? { token } : {}), ...(body ? { body } : {}) });
        expect(res.statusCode, `${method} ${url}`).toBe(401);
        expect(errorCode(res)).toBe('UNAUTHENTICATED');
      }
    }
    const basic = await call(server.app, 'GET', '/api/v1/me', { headers: { authorization: `Basic ${user.token}` } });
    expect(errorCode(basic)).toBe('UNAUTHENTICATED');
    expect(await rows()).toEqual(before);
  });

  it('enforces roles on administration and revocation', async () => {
    const before = await rows();
    const unit = { handle: handle('embassy-sylvania'), name: 'Embassy in Sylvania', kind: 'embassy' };
    const forbidden = [
      call(server.app, 'POST', '/api/v1/admin/units', { token: user.token, body: unit }),
      call(server.app, 'POST', '/api/v1/admin/units', { token: officer.token, body: unit }),
      call(server.app, 'POST', '/api/v1/admin/people', {
        token: user.token,
        body: { handle: handle('eve'), name: 'Eve', unit: HQ, roles: ['user'], clearance: 'SECRET', nationality: 'TST' },
      }),
      call(server.app, 'POST', '/api/v1/admin/enrolment-codes', { token: user.token, body: { person: user.person } }),
      call(server.app, 'GET', '/api/v1/admin/people', { token: user.token }),
      call(server.app, 'POST', `/api/v1/devices/${officer.device.deviceId}/revoke`, { token: user.token }),
    ];
    for (const res of await Promise.all(forbidden)) {
      expect(res.statusCode).toBe(403);
      expect(errorCode(res)).toBe('FORBIDDEN');
    }
    expect(await rows()).toEqual(before);

    expect((await call(server.app, 'POST', '/api/v1/admin/units', { token: admin.token, body: unit })).json()).toEqual(unit);
    const person = {
      handle: handle('eve'),
      name: 'Eve',
      unit: unit.handle,
      roles: ['user'],
      clearance: 'CONFIDENTIAL',
      nationality: 'TST',
    };
    const created = await call(server.app, 'POST', '/api/v1/admin/people', { token: officer.token, body: person });
    expect(created.json()).toEqual({ ...person, compartments: [] });
    expect(errorCode(await call(server.app, 'POST', '/api/v1/admin/people', { token: officer.token, body: person }))).toBe('CONFLICT');
    const list = await call(server.app, 'GET', '/api/v1/admin/people', { token: officer.token });
    expect((list.json() as { handle: string }[]).map((p) => p.handle)).toContain(person.handle);
  });

  it('stops honouring the tokens of a revoked device at once', async () => {
    const victim = await member(server.world, 'frank');
    expect((await call(server.app, 'GET', '/api/v1/me', { token: victim.token })).statusCode).toBe(200);
    const res = await call(server.app, 'POST', `/api/v1/devices/${victim.device.deviceId}/revoke`, { token: officer.token });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { revokedAt: string | null }).revokedAt).not.toBeNull();
    const after = await call(server.app, 'GET', '/api/v1/me', { token: victim.token });
    expect(after.statusCode).toBe(401);
    expect(errorCode(after)).toBe('UNAUTHENTICATED');
    const challenge = await call(server.app, 'POST', '/api/v1/auth/challenge', { body: { deviceId: victim.device.deviceId } });
    expect(errorCode(challenge)).toBe('DEVICE_REVOKED');
    // Own device: allowed without any role.
    const own = await member(server.world, 'grace');
    const byOwner = await call(server.app, 'POST', `/api/v1/devices/${own.device.deviceId}/revoke`, {
      token: own.token,
      headers: { 'content-type': 'application/json' },
    });
    expect(byOwner.statusCode).toBe(200);
  });
});
