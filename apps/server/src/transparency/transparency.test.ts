/**
 * Key transparency on the server: enrolments and revocations are tagged log entries, their
 * openings and inclusion proofs are served to enrolled devices only, alerts are recorded once,
 * and malformed or foreign requests are refused without changing anything.
 */
import {
  concatBytes,
  type DeviceKeyProofResponse,
  eventLeaf,
  fromBase64Url,
  fromStdBase64,
  isKeyEventLeaf,
  type KeyEventsResponse,
  leafHash,
  utf8,
  verifyInclusion,
} from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../audit/verify-full.ts';
import { bytesOf } from '../db/transactions.ts';
import { countRows, DIALECTS } from '../testing/databases.ts';
import { call, createTestServer, errorCode, type TestServer } from '../testing/http.ts';
import { crypto, enrolDevice, member } from '../testing/world.ts';

describe.each(DIALECTS)('key transparency routes on %s', (dialect) => {
  let server: TestServer;
  let alice: Awaited<ReturnType<typeof member>>;
  let bob: Awaited<ReturnType<typeof member>>;

  beforeAll(async () => {
    server = await createTestServer(dialect);
    alice = await member(server.world, 'alice');
    bob = await member(server.world, 'bob');
  });
  afterAll(async () => {
    await server?.close();
  });

  const leaves = async () =>
    (await server.world.tdb.db.selectFrom('log_entries').select(['idx', 'leaf']).orderBy('idx').execute()).map((r) => bytesOf(r.leaf));

  it('logs enrolments and revocations as tagged leaves and serves the openings of all of them', async () => {
    const phone = await enrolDevice(server.world, alice.person, 'phone');
    await server.world.services.identity.revokeDevice(alice.actor, phone.deviceId);
    await server.app.auditLog.checkpoint();
    const res = await call(server.app, 'GET', '/api/v1/transparency/key-events?from=0', { token: bob.token });
    expect(res.statusCode).toBe(200);
    const page = res.json() as KeyEventsResponse;
    const all = await leaves();
    const tagged = all.flatMap((l, i) => (isKeyEventLeaf(l) ? [i] : []));
    expect(page.events.map((e) => e.index)).toEqual(tagged);
    expect(page.more).toBe(false);
    for (const o of page.events) {
      const ev = JSON.parse(o.event) as { type: string; details: { deviceId: string; keyFingerprint: string } };
      const commitment = await crypto.sha256(concatBytes(fromBase64Url(o.salt), utf8(o.event)));
      expect(eventLeaf(ev.type, commitment)).toEqual(all[o.index]);
    }
    const kinds = page.events.map((o) => JSON.parse(o.event) as { type: string; details: { deviceId: string } });
    expect(kinds.filter((e) => e.details.deviceId === phone.deviceId).map((e) => e.type)).toEqual(['device-enrol', 'device-revoke']);
    const fp = Buffer.from(await crypto.sha256(phone.keys.publicKey)).toString('base64url');
    expect(kinds.find((e) => e.details.deviceId === phone.deviceId)).toMatchObject({
      details: { person: alice.person, keyFingerprint: fp },
    });
    // Pages: limit 1 from the first key event.
    const first = tagged[0] as number;
    const one = (await call(server.app, 'GET', `/api/v1/transparency/key-events?from=${first}&limit=1`, { token: bob.token })).json();
    expect(one).toMatchObject({ more: true, to: first + 1, events: [{ index: first }] });
    expect((await verifyStore(server.world.tdb.db)).ok).toBe(true);
  });

  it("serves a device's enrolment with an inclusion proof, checkpointing on demand", async () => {
    const tablet = await enrolDevice(server.world, bob.person, 'tablet');
    const res = await call(server.app, 'GET', `/api/v1/transparency/devices/${tablet.deviceId}`, { token: alice.token });
    expect(res.statusCode).toBe(200);
    const proof = res.json() as DeviceKeyProofResponse;
    const latest = await server.app.auditLog.latest();
    expect(proof.size).toBeGreaterThan(proof.enrol.index);
    expect(proof.size).toBeLessThanOrEqual(latest.size);
    expect(proof.revoke).toBeNull();
    expect(proof.checkpoint).toContain(`\n${proof.size}\n`);
    const leaf = (await leaves())[proof.enrol.index] as Uint8Array;
    const root = fromStdBase64(proof.checkpoint.split('\n')[2] as string, 'TEST');
    expect(
      verifyInclusion(
        leafHash(leaf),
        proof.enrol.index,
        proof.size,
        proof.enrol.proof.map((h) => fromStdBase64(h, 'TEST')),
        root,
      ),
    ).toBe(true);
    expect(JSON.parse(proof.enrol.event)).toMatchObject({ type: 'device-enrol', target: `device:${tablet.deviceId}` });
  });

  it('refuses unauthenticated and malformed requests', async () => {
    const before = await countRows(server.world.tdb.db);
    for (const url of ['/api/v1/transparency/key-events?from=0', `/api/v1/transparency/devices/${alice.device.deviceId}`]) {
      expect(errorCode(await call(server.app, 'GET', url))).toBe('UNAUTHENTICATED');
      expect(errorCode(await call(server.app, 'GET', url, { token: 'A'.repeat(43) }))).toBe('UNAUTHENTICATED');
    }
    expect(
      errorCode(await call(server.app, 'POST', '/api/v1/transparency/alerts', { body: { deviceId: alice.device.deviceId, index: 0 } })),
    ).toBe('UNAUTHENTICATED');
    const token = alice.token;
    for (const q of [
      '',
      '?from=-1',
      '?from=abc',
      '?from=01',
      '?from=0&limit=0',
      '?from=0&limit=1001',
      '?from=0&extra=1',
      '?from=99999999',
    ]) {
      const r = await call(server.app, 'GET', `/api/v1/transparency/key-events${q}`, { token });
      expect([r.statusCode, q]).toEqual([400, q]);
    }
    expect((await call(server.app, 'GET', '/api/v1/transparency/devices/not-a-ulid', { token })).statusCode).toBe(400);
    expect(errorCode(await call(server.app, 'GET', '/api/v1/transparency/devices/01ARZ3NDEKTSV4RRFFQ69G5FAV', { token }))).toBe(
      'NOT_FOUND',
    );
    for (const body of [
      {},
      { deviceId: alice.device.deviceId },
      { deviceId: alice.device.deviceId, index: -1 },
      { deviceId: 'x', index: 0 },
    ]) {
      expect((await call(server.app, 'POST', '/api/v1/transparency/alerts', { token, body })).statusCode).toBe(400);
    }
    expect(
      (
        await call(server.app, 'POST', '/api/v1/transparency/alerts', {
          token,
          body: { deviceId: alice.device.deviceId, index: 0, more: 1 },
        })
      ).statusCode,
    ).toBe(400);
    expect(await countRows(server.world.tdb.db)).toEqual(before);
  });

  it('records an alert once per reporting device, only about devices of its own person', async () => {
    const stranger = await enrolDevice(server.world, alice.person, 'unknown');
    const proof = (
      await call(server.app, 'GET', `/api/v1/transparency/devices/${stranger.deviceId}`, { token: alice.token })
    ).json() as DeviceKeyProofResponse;
    const body = { deviceId: stranger.deviceId, index: proof.enrol.index };
    const first = await call(server.app, 'POST', '/api/v1/transparency/alerts', { token: alice.token, body });
    expect(first.statusCode).toBe(200);
    const again = await call(server.app, 'POST', '/api/v1/transparency/alerts', { token: alice.token, body });
    expect(again.json()).toEqual(first.json());
    const events = await server.world.tdb.db.selectFrom('security_events').selectAll().where('type', '=', 'alert').execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      target: `device:${stranger.deviceId}`,
      actor_device: alice.device.deviceId,
      code: 'KT_UNKNOWN_DEVICE',
    });
    // Bob cannot raise alerts about alice's devices; an index that is not this device's enrolment is unknown.
    expect(errorCode(await call(server.app, 'POST', '/api/v1/transparency/alerts', { token: bob.token, body }))).toBe('FORBIDDEN');
    expect(
      errorCode(
        await call(server.app, 'POST', '/api/v1/transparency/alerts', { token: alice.token, body: { ...body, index: body.index + 1 } }),
      ),
    ).toBe('NOT_FOUND');
  });

  it('makes the operator store check notice a key event whose tag was removed', async () => {
    const db = server.world.tdb.db;
    const all = await leaves();
    const index = all.findIndex((l) => isKeyEventLeaf(l));
    await db
      .updateTable('log_entries')
      .set({ leaf: (all[index] as Uint8Array).slice(1) })
      .where('idx', '=', index)
      .execute();
    try {
      const report = await verifyStore(db);
      expect(report.ok).toBe(false);
      expect(report.problems[0]).toMatchObject({ table: 'log_entries', index });
    } finally {
      await db
        .updateTable('log_entries')
        .set({ leaf: all[index] as Uint8Array })
        .where('idx', '=', index)
        .execute();
    }
  });
});
