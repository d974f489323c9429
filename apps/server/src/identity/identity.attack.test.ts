/**
 * Attacks on enrolment, authentication, administration and revocation over HTTP. Each must be
 * refused with a clear code and change nothing (row counts and the victim's state are compared).
 */
import { fromBase64Url, generateHybridKeyPair, toBase64Url } from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, DIALECTS } from '../testing/databases.ts';
import { call, createTestServer, enrolAndLoginOverHttp, errorCode, type TestServer } from '../testing/http.ts';
import { authSignature, enrolmentProof, handle, login, member } from '../testing/world.ts';
import { CHALLENGE_TTL_MS, SESSION_TTL_MS } from './authentication.ts';

type Member = Awaited<ReturnType<typeof member>>;

describe.each(DIALECTS)('identity attacks on %s', (dialect) => {
  let server: TestServer;
  let admin: Member;
  let officer: Member;
  let alice: Member;
  let mallory: Member;
  const rows = () => countRows(server.world.tdb.db);

  beforeAll(async () => {
    server = await createTestServer(dialect);
    admin = await member(server.world, 'root', ['admin']);
    officer = await member(server.world, 'rso', ['security-officer']);
    alice = await member(server.world, 'alice');
    mallory = await member(server.world, 'mallory');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses enrolment codes to anyone but security officers and administrators', async () => {
    const before = await rows();
    const res = await call(server.app, 'POST', '/api/v1/admin/enrolment-codes', { token: mallory.token, body: { person: alice.person } });
    expect(res.statusCode).toBe(403);
    expect(errorCode(res)).toBe('FORBIDDEN');
    expect(await rows()).toEqual(before);
  });

  it('does not let a security officer issue a code for an administrator (and so become one)', async () => {
    const before = await rows();
    const res = await call(server.app, 'POST', '/api/v1/admin/enrolment-codes', { token: officer.token, body: { person: admin.person } });
    expect(res.statusCode).toBe(403);
    expect(errorCode(res)).toBe('FORBIDDEN');
    expect(await rows()).toEqual(before);
    // An administrator may, and a security officer still may for ordinary people.
    expect(
      (await call(server.app, 'POST', '/api/v1/admin/enrolment-codes', { token: admin.token, body: { person: admin.person } })).statusCode,
    ).toBe(200);
    expect(
      (await call(server.app, 'POST', '/api/v1/admin/enrolment-codes', { token: officer.token, body: { person: alice.person } }))
        .statusCode,
    ).toBe(200);
  });

  it('does not let a security officer create an administrator, nor a user create anyone', async () => {
    const before = await rows();
    const person = { handle: handle('eve'), name: 'Eve', unit: admin.actor.person.unit, clearance: 'SECRET', nationality: 'TST' };
    const asOfficer = await call(server.app, 'POST', '/api/v1/admin/people', {
      token: officer.token,
      body: { ...person, roles: ['admin'] },
    });
    expect(errorCode(asOfficer)).toBe('FORBIDDEN');
    const asUser = await call(server.app, 'POST', '/api/v1/admin/people', { token: mallory.token, body: { ...person, roles: ['user'] } });
    expect(errorCode(asUser)).toBe('FORBIDDEN');
    expect(errorCode(await call(server.app, 'GET', '/api/v1/admin/people', { token: mallory.token }))).toBe('FORBIDDEN');
    expect(await rows()).toEqual(before);
  });

  it("refuses to let one person revoke another's device, and leaves the victim working", async () => {
    const before = await rows();
    const res = await call(server.app, 'POST', `/api/v1/devices/${alice.device.deviceId}/revoke`, { token: mallory.token });
    expect(res.statusCode).toBe(403);
    expect(errorCode(res)).toBe('FORBIDDEN');
    expect(await rows()).toEqual(before);
    const me = await call(server.app, 'GET', '/api/v1/me', { token: alice.token });
    expect(me.statusCode).toBe(200);
    expect((me.json() as { device: { revokedAt: string | null } }).device.revokedAt).toBeNull();
  });

  it("refuses a challenge signed by another device's key, and spends the challenge", async () => {
    const { challenge } = await server.world.services.auth.challenge(alice.device.deviceId);
    const before = await rows();
    const forged = await call(server.app, 'POST', '/api/v1/auth/token', {
      body: {
        deviceId: alice.device.deviceId,
        challenge,
        signature: await authSignature(mallory.device.keys, fromBase64Url(challenge), alice.device.deviceId),
      },
    });
    expect(forged.statusCode).toBe(401);
    expect(errorCode(forged)).toBe('SIGNATURE_INVALID');
    // The attempt spent the challenge (one row fewer) and created no session.
    const after = await rows();
    expect(after.sessions).toBe(before.sessions);
    expect(after.auth_challenges).toBe(before.auth_challenges - 1);
    // Even Alice's own signature over it is now refused.
    const retry = await call(server.app, 'POST', '/api/v1/auth/token', {
      body: {
        deviceId: alice.device.deviceId,
        challenge,
        signature: await authSignature(alice.device.keys, fromBase64Url(challenge), alice.device.deviceId),
      },
    });
    expect(errorCode(retry)).toBe('CHALLENGE_INVALID');
  });

  it('refuses a challenge issued for one device when presented for another', async () => {
    const { challenge } = await server.world.services.auth.challenge(alice.device.deviceId);
    const before = await rows();
    const res = await call(server.app, 'POST', '/api/v1/auth/token', {
      body: {
        deviceId: mallory.device.deviceId,
        challenge,
        signature: await authSignature(mallory.device.keys, fromBase64Url(challenge), mallory.device.deviceId),
      },
    });
    expect(errorCode(res)).toBe('CHALLENGE_INVALID');
    expect(await rows()).toEqual(before);
  });

  it('refuses an expired challenge and an expired session', async () => {
    const fresh = await member(server.world, 'frank');
    const { challenge } = await server.world.services.auth.challenge(fresh.device.deviceId);
    server.world.clock.advance(CHALLENGE_TTL_MS + 1);
    const late = await call(server.app, 'POST', '/api/v1/auth/token', {
      body: {
        deviceId: fresh.device.deviceId,
        challenge,
        signature: await authSignature(fresh.device.keys, fromBase64Url(challenge), fresh.device.deviceId),
      },
    });
    expect(errorCode(late)).toBe('CHALLENGE_INVALID');
    server.world.clock.advance(SESSION_TTL_MS);
    const expired = await call(server.app, 'GET', '/api/v1/me', { token: fresh.token });
    expect(expired.statusCode).toBe(401);
    expect(errorCode(expired)).toBe('UNAUTHENTICATED');
    // Everyone else logs in again for the tests below.
    for (const m of [admin, officer, alice, mallory]) m.token = (await login(server.world, m.device)).token;
  });

  it('refuses look-alike tokens: wrong length, wrong alphabet, a token hash, another scheme', async () => {
    const before = await rows();
    const digest = toBase64Url(await server.world.ctx.crypto.sha256(fromBase64Url(alice.token)));
    for (const authorization of [
      `Bearer ${alice.token}A`,
      `Bearer ${alice.token.slice(0, -1)}`,
      `Bearer ${alice.token.slice(0, -1)}=`,
      `Bearer ${digest}`,
      `Basic ${alice.token}`,
      `Bearer  ${alice.token}`,
    ]) {
      const res = await call(server.app, 'GET', '/api/v1/me', { headers: { authorization } });
      expect(res.statusCode, authorization).toBe(401);
      expect(errorCode(res)).toBe('UNAUTHENTICATED');
      expect(res.body).not.toContain(alice.token);
    }
    expect(await rows()).toEqual(before);
  });

  it('spends an enrolment code once, even when a second key races for it, and never echoes it', async () => {
    const { code } = await server.world.services.identity.issueEnrolmentCode(null, { person: alice.person });
    const [k1, k2] = await Promise.all([generateHybridKeyPair(server.world.ctx.crypto), generateHybridKeyPair(server.world.ctx.crypto)]);
    const attempt = async (keys: typeof k1) =>
      call(server.app, 'POST', '/api/v1/enrol', {
        body: { code, deviceName: 'race', identityKey: toBase64Url(keys.publicKey), proof: await enrolmentProof(keys, code) },
      });
    const results = await Promise.all([attempt(k1), attempt(k2)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    const loser = results.find((r) => r.statusCode === 400);
    expect(loser && errorCode(loser)).toBe('ENROLMENT_CODE_INVALID');
    expect(loser?.body).not.toContain(code);
    expect(loser?.body).not.toContain(code.replaceAll('-', ''));
  });

  it("binds an enrolment to the code's person: the proof of another key does not transfer", async () => {
    const { code } = await server.world.services.identity.issueEnrolmentCode(null, { person: alice.person });
    const victimKeys = await generateHybridKeyPair(server.world.ctx.crypto);
    const attackerKeys = await generateHybridKeyPair(server.world.ctx.crypto);
    const before = await rows();
    // An attacker who saw the code and the victim's proof tries to bind their own key with it.
    const res = await call(server.app, 'POST', '/api/v1/enrol', {
      body: {
        code,
        deviceName: 'stolen',
        identityKey: toBase64Url(attackerKeys.publicKey),
        proof: await enrolmentProof(victimKeys, code),
      },
    });
    expect(errorCode(res)).toBe('SIGNATURE_INVALID');
    expect(await rows()).toEqual(before);
    // The code was not spent by the failed attempt: the rightful device still enrols.
    await enrolAndLoginOverHttp(server.app, code);
  });
});
