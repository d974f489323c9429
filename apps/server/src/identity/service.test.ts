import { fromBase64Url, generateHybridKeyPair, hasCode, toBase64Url } from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, DIALECTS } from '../testing/databases.ts';
import {
  addPerson,
  authSignature,
  createWorld,
  crypto,
  enrolDevice,
  enrolmentProof,
  HQ,
  handle,
  member,
  type World,
} from '../testing/world.ts';

async function refused(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toSatisfy((err: unknown) => hasCode(err, code));
}

describe.each(DIALECTS)('identity on %s', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(dialect);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('enrols a device with a one-time code and refuses the code a second time', async () => {
    const person = await addPerson(world, 'alice');
    const { code, expiresAt } = await world.services.identity.issueEnrolmentCode(null, { person });
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/);
    expect(Date.parse(expiresAt) - world.clock.now().getTime()).toBe(7 * 24 * 3600 * 1000);
    const keys = await generateHybridKeyPair(crypto);
    // Typed in lower case without dashes: still the same code.
    const typed = code.replaceAll('-', '').toLowerCase();
    const req = { code: typed, deviceName: 'laptop', identityKey: toBase64Url(keys.publicKey), proof: await enrolmentProof(keys, code) };
    const res = await world.services.auth.enrol(req);
    expect(res.person.handle).toBe(person);
    expect(res.device.revokedAt).toBeNull();
    expect(res.device.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);

    const other = await generateHybridKeyPair(crypto);
    const before = await countRows(world.tdb.db);
    await refused(
      world.services.auth.enrol({ ...req, identityKey: toBase64Url(other.publicKey), proof: await enrolmentProof(other, code) }),
      'ENROLMENT_CODE_INVALID',
    );
    expect(await countRows(world.tdb.db)).toEqual(before);
  });

  it('refuses an expired code, a proof in the wrong context and a proof by another key', async () => {
    const person = await addPerson(world, 'bob');
    const keys = await generateHybridKeyPair(crypto);
    const identityKey = toBase64Url(keys.publicKey);

    const wrongContext = await world.services.identity.issueEnrolmentCode(null, { person });
    await refused(
      world.services.auth.enrol({
        code: wrongContext.code,
        deviceName: 'x',
        identityKey,
        proof: await enrolmentProof(keys, wrongContext.code, 'auth'),
      }),
      'SIGNATURE_INVALID',
    );
    const mallory = await generateHybridKeyPair(crypto);
    await refused(
      world.services.auth.enrol({
        code: wrongContext.code,
        deviceName: 'x',
        identityKey,
        proof: await enrolmentProof(mallory, wrongContext.code),
      }),
      'SIGNATURE_INVALID',
    );
    // The failed attempts did not spend the code.
    const ok = await world.services.auth.enrol({
      code: wrongContext.code,
      deviceName: 'x',
      identityKey,
      proof: await enrolmentProof(keys, wrongContext.code),
    });
    expect(ok.person.handle).toBe(person);

    const short = await world.services.identity.issueEnrolmentCode(null, { person, ttlSeconds: 60 });
    world.clock.advance(61_000);
    const k2 = await generateHybridKeyPair(crypto);
    await refused(
      world.services.auth.enrol({
        code: short.code,
        deviceName: 'y',
        identityKey: toBase64Url(k2.publicKey),
        proof: await enrolmentProof(k2, short.code),
      }),
      'ENROLMENT_CODE_INVALID',
    );
  });

  it('refuses to enrol the same identity key twice', async () => {
    const person = await addPerson(world, 'carol');
    const first = await enrolDevice(world, person);
    const { code } = await world.services.identity.issueEnrolmentCode(null, { person });
    await refused(
      world.services.auth.enrol({
        code,
        deviceName: 'again',
        identityKey: toBase64Url(first.keys.publicKey),
        proof: await enrolmentProof(first.keys, code),
      }),
      'CONFLICT',
    );
  });

  it('authenticates by challenge-response; challenges are one-time and expire after 60 s', async () => {
    const person = await addPerson(world, 'dave');
    const device = await enrolDevice(world, person);
    const { challenge } = await world.services.auth.challenge(device.deviceId);
    const signature = await authSignature(device.keys, fromBase64Url(challenge), device.deviceId);
    const { token, expiresAt } = await world.services.auth.token({ deviceId: device.deviceId, challenge, signature });
    expect(Date.parse(expiresAt) - world.clock.now().getTime()).toBe(3600_000);
    const actor = await world.services.auth.authenticate(token);
    expect(actor).toMatchObject({ deviceId: device.deviceId, person: { handle: person } });

    // Replay of the same challenge and signature.
    await refused(world.services.auth.token({ deviceId: device.deviceId, challenge, signature }), 'CHALLENGE_INVALID');

    const late = await world.services.auth.challenge(device.deviceId);
    world.clock.advance(60_001);
    const lateSig = await authSignature(device.keys, fromBase64Url(late.challenge), device.deviceId);
    await refused(
      world.services.auth.token({ deviceId: device.deviceId, challenge: late.challenge, signature: lateSig }),
      'CHALLENGE_INVALID',
    );

    // The session ends after an hour.
    world.clock.advance(3600_000);
    await refused(world.services.auth.authenticate(token), 'UNAUTHENTICATED');
  });

  it('refuses signatures in the wrong context, for another domain, or by another device', async () => {
    const person = await addPerson(world, 'erin');
    const device = await enrolDevice(world, person);
    const other = await enrolDevice(world, person, 'phone');
    const attempt = async (sign: (challenge: Uint8Array) => Promise<string>) => {
      const { challenge } = await world.services.auth.challenge(device.deviceId);
      return world.services.auth.token({ deviceId: device.deviceId, challenge, signature: await sign(fromBase64Url(challenge)) });
    };
    await refused(
      attempt((c) => authSignature(device.keys, c, device.deviceId, { context: 'message' })),
      'SIGNATURE_INVALID',
    );
    await refused(
      attempt((c) => authSignature(device.keys, c, device.deviceId, { domain: 'mfa.elsewhere.example' })),
      'SIGNATURE_INVALID',
    );
    await refused(
      attempt((c) => authSignature(other.keys, c, device.deviceId)),
      'SIGNATURE_INVALID',
    );
    // A challenge issued to one device cannot be answered for another.
    const { challenge } = await world.services.auth.challenge(device.deviceId);
    await refused(
      world.services.auth.token({
        deviceId: other.deviceId,
        challenge,
        signature: await authSignature(other.keys, fromBase64Url(challenge), other.deviceId),
      }),
      'CHALLENGE_INVALID',
    );
  });

  it('revokes a device: tokens stop working, no new challenge, no new token', async () => {
    const { device, token, actor } = await member(world, 'frank');
    const officer = await member(world, 'grace', ['user', 'security-officer']);
    const bystander = await member(world, 'heidi');
    await refused(world.services.identity.revokeDevice(bystander.actor, device.deviceId), 'FORBIDDEN');
    const { challenge } = await world.services.auth.challenge(device.deviceId);
    const revoked = await world.services.identity.revokeDevice(officer.actor, device.deviceId);
    expect(revoked.revokedAt).toBe(world.clock.now().toISOString());
    await refused(world.services.auth.authenticate(token), 'UNAUTHENTICATED');
    await refused(world.services.auth.challenge(device.deviceId), 'DEVICE_REVOKED');
    await refused(
      world.services.auth.token({
        deviceId: device.deviceId,
        challenge,
        signature: await authSignature(device.keys, fromBase64Url(challenge), device.deviceId),
      }),
      'CHALLENGE_INVALID',
    );
    // Revoking twice keeps the first revocation time.
    world.clock.advance(1000);
    expect((await world.services.identity.revokeDevice(officer.actor, device.deviceId)).revokedAt).toBe(revoked.revokedAt);
    // People may revoke their own devices.
    const own = await world.services.identity.revokeDevice(bystander.actor, bystander.device.deviceId);
    expect(own.revokedAt).not.toBeNull();
    expect(actor.deviceId).toBe(device.deviceId);
  });

  it('checks roles for administration', async () => {
    const admin = await member(world, 'ivan', ['admin']);
    const officer = await member(world, 'judy', ['security-officer']);
    const user = await member(world, 'mallory');
    await refused(world.services.identity.createUnit(user.actor, { handle: handle('embassy-x'), name: 'X', kind: 'embassy' }), 'FORBIDDEN');
    await refused(
      world.services.identity.createUnit(officer.actor, { handle: handle('embassy-x'), name: 'X', kind: 'embassy' }),
      'FORBIDDEN',
    );
    await world.services.identity.createUnit(admin.actor, { handle: handle('embassy-x'), name: 'X', kind: 'embassy' });
    await refused(world.services.identity.createUnit(admin.actor, { handle: handle('embassy-x'), name: 'X', kind: 'embassy' }), 'CONFLICT');
    await refused(
      world.services.identity.createUnit(admin.actor, { handle: 'embassy-y@other.example', name: 'Y', kind: 'embassy' }),
      'BAD_REQUEST',
    );

    const newPerson = {
      handle: handle('oscar'),
      name: 'Oscar',
      unit: HQ,
      roles: ['user' as const],
      clearance: 'SECRET',
      nationality: 'TST',
    };
    await refused(world.services.identity.createPerson(user.actor, newPerson), 'FORBIDDEN');
    await refused(world.services.identity.createPerson(officer.actor, { ...newPerson, roles: ['admin'] }), 'FORBIDDEN');
    await refused(world.services.identity.createPerson(officer.actor, { ...newPerson, clearance: 'COSMIC' }), 'BAD_REQUEST');
    await refused(world.services.identity.createPerson(officer.actor, { ...newPerson, unit: handle('nowhere') }), 'BAD_REQUEST');
    expect(await world.services.identity.createPerson(officer.actor, newPerson)).toMatchObject({ compartments: [] });
    await refused(world.services.identity.createPerson(admin.actor, newPerson), 'CONFLICT');

    await refused(world.services.identity.issueEnrolmentCode(user.actor, { person: newPerson.handle }), 'FORBIDDEN');
    await refused(world.services.identity.issueEnrolmentCode(officer.actor, { person: handle('nobody') }), 'NOT_FOUND');
    expect((await world.services.identity.issueEnrolmentCode(officer.actor, { person: newPerson.handle })).person).toBe(newPerson.handle);
    await refused(world.services.identity.listPeopleForAdmin(user.actor), 'FORBIDDEN');
    expect((await world.services.identity.membersOf(HQ)).map((p) => p.handle)).toContain(newPerson.handle);
  });
});
