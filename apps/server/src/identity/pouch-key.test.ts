/**
 * Device pouch keys at enrolment: the X-Wing public key travels with the identity key, signed by it
 * (context "pouch-key") and covered by the enrolment proof; the device row and the directory carry
 * it; the published enrolment event names its fingerprint. A request the identity key did not make
 * changes nothing.
 */
import {
  enrolmentProofMessage,
  generateHybridKeyPair,
  generateXWingKeyPair,
  type HybridKeyPair,
  normaliseEnrolmentCode,
  signHybrid,
  toBase64Url,
} from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, DIALECTS } from '../testing/databases.ts';
import { call, createTestServer, errorCode, type TestServer } from '../testing/http.ts';
import { addPerson, crypto, enrolmentProof, member } from '../testing/world.ts';

async function pouchEnrolment(code: string, keys: HybridKeyPair, options: { signer?: HybridKeyPair; proofCoversPouchKey?: boolean } = {}) {
  const pouch = await generateXWingKeyPair(crypto);
  const normalised = normaliseEnrolmentCode(code) ?? code;
  const proofMessage = enrolmentProofMessage(
    normalised,
    keys.publicKey,
    options.proofCoversPouchKey === false ? undefined : pouch.publicKey,
  );
  return {
    pouch,
    body: {
      code,
      deviceName: 'laptop',
      identityKey: toBase64Url(keys.publicKey),
      pouchKey: toBase64Url(pouch.publicKey),
      pouchKeySignature: toBase64Url(await signHybrid(crypto, (options.signer ?? keys).secretKey, 'pouch-key', pouch.publicKey)),
      proof: toBase64Url(await signHybrid(crypto, keys.secretKey, 'enrol', proofMessage)),
    },
  };
}

describe.each(DIALECTS)('device pouch keys on %s', (dialect) => {
  let server: TestServer;
  let reader: Awaited<ReturnType<typeof member>>;

  beforeAll(async () => {
    server = await createTestServer(dialect);
    reader = await member(server.world, 'reader');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('stores, serves and publishes the pouch key sent at enrolment', async () => {
    const person = await addPerson(server.world, 'alice');
    const { code } = await server.world.services.identity.issueEnrolmentCode(null, { person });
    const keys = await generateHybridKeyPair(crypto);
    const { pouch, body } = await pouchEnrolment(code, keys);
    const res = await call(server.app, 'POST', '/api/v1/enrol', { body });
    expect(res.statusCode).toBe(200);
    const { device } = res.json() as { device: { id: string; pouchKey: string; pouchKeySignature: string } };
    expect(device.pouchKey).toBe(body.pouchKey);
    expect(device.pouchKeySignature).toBe(body.pouchKeySignature);

    const served = await call(server.app, 'GET', `/api/v1/devices/${device.id}`, { token: reader.token });
    expect(served.json()).toMatchObject({ pouchKey: body.pouchKey, pouchKeySignature: body.pouchKeySignature });
    const listed = await call(server.app, 'GET', `/api/v1/directory/people/${encodeURIComponent(person)}/devices`, { token: reader.token });
    expect((listed.json() as { pouchKey?: string }[])[0]?.pouchKey).toBe(body.pouchKey);

    const proof = await call(server.app, 'GET', `/api/v1/transparency/devices/${device.id}`, { token: reader.token });
    const event = JSON.parse((proof.json() as { enrol: { event: string } }).enrol.event) as { details: Record<string, string> };
    expect(event.details).toMatchObject({
      deviceId: device.id,
      person,
      keyFingerprint: toBase64Url(await crypto.sha256(keys.publicKey)),
      pouchKeyFingerprint: toBase64Url(await crypto.sha256(pouch.publicKey)),
    });
  });

  it('still enrols a device without a pouch key, and publishes none for it', async () => {
    const person = await addPerson(server.world, 'bob');
    const { code } = await server.world.services.identity.issueEnrolmentCode(null, { person });
    const keys = await generateHybridKeyPair(crypto);
    const res = await call(server.app, 'POST', '/api/v1/enrol', {
      body: { code, deviceName: 'old client', identityKey: toBase64Url(keys.publicKey), proof: await enrolmentProof(keys, code) },
    });
    expect(res.statusCode).toBe(200);
    const { device } = res.json() as { device: { id: string; pouchKey?: string } };
    expect(device.pouchKey).toBeUndefined();
    const proof = await call(server.app, 'GET', `/api/v1/transparency/devices/${device.id}`, { token: reader.token });
    expect(JSON.parse((proof.json() as { enrol: { event: string } }).enrol.event).details.pouchKeyFingerprint).toBeUndefined();
  });

  it('refuses a pouch key the identity key did not sign or the proof does not cover, and changes nothing', async () => {
    const person = await addPerson(server.world, 'carol');
    const { code } = await server.world.services.identity.issueEnrolmentCode(null, { person });
    const keys = await generateHybridKeyPair(crypto);
    const before = await countRows(server.world.tdb.db);
    const other = await generateHybridKeyPair(crypto);
    const substituted = await pouchEnrolment(code, keys, { signer: other });
    expect(errorCode(await call(server.app, 'POST', '/api/v1/enrol', { body: substituted.body }))).toBe('SIGNATURE_INVALID');
    const uncovered = await pouchEnrolment(code, keys, { proofCoversPouchKey: false });
    expect(errorCode(await call(server.app, 'POST', '/api/v1/enrol', { body: uncovered.body }))).toBe('SIGNATURE_INVALID');
    const { pouchKeySignature: _dropped, ...half } = (await pouchEnrolment(code, keys)).body;
    expect(errorCode(await call(server.app, 'POST', '/api/v1/enrol', { body: half }))).toBe('BAD_REQUEST');
    const short = (await pouchEnrolment(code, keys)).body;
    expect(errorCode(await call(server.app, 'POST', '/api/v1/enrol', { body: { ...short, pouchKey: short.pouchKey.slice(0, 100) } }))).toBe(
      'BAD_REQUEST',
    );
    expect(await countRows(server.world.tdb.db)).toEqual(before);
    // The code is still good for a correct request.
    expect((await call(server.app, 'POST', '/api/v1/enrol', { body: (await pouchEnrolment(code, keys)).body })).statusCode).toBe(200);
  });
});
