/**
 * Cutting devices off from conversations, over HTTP (SQLite and PostgreSQL): a clearance grant
 * revoked or replaced by a lower one, a clearance that expires (found by the sweep on a controlled
 * clock) and a revoked device each leave pending removals and ONE removal-required item per
 * conversation for the remaining member devices only; until a member commits the removal nothing
 * is sent (409 REMOVAL_PENDING, nothing stored) and no commit that keeps the devices is accepted;
 * the removing commit clears them; a removed device gets nothing more of the conversation.
 */
import { decodeRemovalRequired, fromBase64Url, type QueueItem, type QueueResponse } from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, DIALECTS } from '../testing/databases.ts';
import { call, createTestServer, errorCode, type TestServer } from '../testing/http.ts';
import { b64, enrolDevice, HQ, handle, login, member, newGroupId, type TestDevice } from '../testing/world.ts';

type Member = Awaited<ReturnType<typeof member>>;
type Who = { token: string; device: TestDevice };
const HOUR = 3_600_000;

describe.each(DIALECTS)('removal of devices that may no longer read, on %s', (dialect) => {
  let server: TestServer;
  let officer: Member;
  const db = () => server.world.tdb.db;
  const rows = () => countRows(db());
  const api = (method: 'GET' | 'POST', url: string, who: Who, body?: unknown) =>
    call(server.app, method, url, { token: who.token, ...(body !== undefined ? { body } : {}) });
  const later = (hours: number) => new Date(server.world.clock.now().getTime() + hours * HOUR).toISOString();
  const queueOf = async (who: Who, conversationId?: string): Promise<QueueItem[]> => {
    const res = await api('GET', '/api/v1/queue?after=0&limit=1000', who);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as QueueResponse).items.filter((i) => conversationId === undefined || i.conversationId === conversationId);
  };
  const removalItems = async (who: Who, conversationId?: string) =>
    (await queueOf(who, conversationId)).filter((i) => i.type === 'removal-required');
  const pendingRows = (conversationId: string) =>
    db().selectFrom('pending_removals').selectAll().where('conversation_id', '=', conversationId).orderBy('device_id').execute();
  const eventsOf = (type: string, conversationId: string) =>
    db()
      .selectFrom('security_events')
      .selectAll()
      .where('type', '=', type)
      .where('target', '=', `conversation:${conversationId}`)
      .execute();
  const send = (who: Who, id: string, epoch: number, label = 'SECRET') =>
    api('POST', `/api/v1/conversations/${id}/messages`, who, { epoch, ciphertext: b64(`at ${epoch}`), label, precedence: 'ROUTINE' });
  const commit = (who: Who, id: string, epoch: number, extra: { added?: string[]; removed?: string[] } = {}) =>
    api('POST', `/api/v1/conversations/${id}/commits`, who, {
      epoch,
      commit: b64(`commit@${epoch}`),
      ratchetTree: b64(`tree@${epoch + 1}`),
      added: extra.added ?? [],
      removed: extra.removed ?? [],
      ...(extra.added?.length ? { welcome: b64(`welcome@${epoch}`) } : {}),
    });

  /** A conversation created by `creator` with the other devices added in one commit: at epoch 1. */
  async function conversation(creator: Who, label: string, others: TestDevice[]): Promise<string> {
    const id = newGroupId();
    const created = await api('POST', '/api/v1/conversations', creator, { id, kind: 'group', label, suite: 3 });
    expect(created.statusCode, created.body).toBe(200);
    const added = await commit(creator, id, 0, { added: others.map((d) => d.deviceId) });
    expect(added.statusCode, added.body).toBe(200);
    return id;
  }

  /** The security officer with a fresh session (the expiry test moves the clock past an hour). */
  const asOfficer = async (): Promise<Who> => ({ token: (await login(server.world, officer.device)).token, device: officer.device });

  async function grant(person: string, level: string, hours = 24 * 7): Promise<string> {
    const res = await api('POST', '/api/v1/admin/clearances', await asOfficer(), {
      person,
      level,
      compartments: [],
      nationality: 'TST',
      expiresAt: later(hours),
      reason: 'posting',
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { id: string }).id;
  }

  /** Sending and commits that keep the devices are refused with 409 REMOVAL_PENDING and change nothing. */
  async function expectBlocked(who: Who, id: string, epoch: number) {
    const before = await rows();
    const sent = await send(who, id, epoch);
    expect(sent.statusCode, sent.body).toBe(409);
    expect(errorCode(sent)).toBe('REMOVAL_PENDING');
    const update = await commit(who, id, epoch);
    expect(errorCode(update)).toBe('REMOVAL_PENDING');
    expect(await rows()).toEqual(before);
  }

  beforeAll(async () => {
    server = await createTestServer(dialect);
    officer = await member(server.world, 'officer', ['user', 'security-officer'], 'TOP SECRET');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('cuts off a person whose grant is revoked, from the conversations above their remaining clearance only', async () => {
    const w = server.world;
    const alice = await member(w, 'alice', ['user'], 'TOP SECRET');
    const bob = await member(w, 'bob');
    const carol = await member(w, 'carol', ['user'], 'CONFIDENTIAL');
    const secretGrant = await grant(carol.person, 'SECRET');
    const secret = await conversation(alice, 'SECRET', [bob.device, carol.device]);
    const confidential = await conversation(alice, 'CONFIDENTIAL', [bob.device, carol.device]);
    expect((await send(alice, secret, 1)).statusCode).toBe(200);
    const blob = await call(server.app, 'POST', `/api/v1/conversations/${secret}/blobs`, {
      token: alice.token,
      body: new Uint8Array([1, 2]),
    });
    const blobId = (blob.json() as { id: string }).id;

    const revoked = await api('POST', `/api/v1/admin/clearances/${secretGrant}/revoke`, await asOfficer(), { reason: 'posting ended' });
    expect(revoked.statusCode, revoked.body).toBe(200);

    // One pending removal, in the SECRET conversation only (Carol is still CONFIDENTIAL).
    expect(await pendingRows(secret)).toEqual([
      expect.objectContaining({ device_id: carol.device.deviceId, person_handle: carol.person, reason: 'clearance-revoked' }),
    ]);
    expect(await pendingRows(confidential)).toEqual([]);

    // One removal-required item for each remaining member, none for Carol.
    for (const who of [alice, bob]) {
      const items = await removalItems(who);
      expect(items).toHaveLength(1);
      const [item] = items;
      expect(item).toMatchObject({
        conversationId: secret,
        epoch: 1,
        label: 'SECRET',
        system: true,
        sender: { deviceId: carol.device.deviceId, person: carol.person },
      });
      expect(decodeRemovalRequired(fromBase64Url(item!.payload))).toEqual({
        deviceIds: [carol.device.deviceId],
        reason: 'clearance-revoked',
      });
    }
    // Everything else in the queues is sent by devices: no `system` on it.
    expect((await queueOf(bob)).filter((i) => i.type !== 'removal-required').every((i) => i.system === undefined)).toBe(true);
    expect(await removalItems(carol)).toEqual([]);
    const [triggered] = await eventsOf('removal-required', secret);
    expect(triggered).toMatchObject({ actor_person: officer.person, actor_device: officer.device.deviceId, code: null });
    expect(JSON.parse(triggered!.details)).toMatchObject({ reason: 'clearance-revoked', devices: [carol.device.deviceId], notified: 2 });

    await expectBlocked(alice, secret, 1);
    // The CONFIDENTIAL conversation goes on as before.
    expect((await send(alice, confidential, 1, 'CONFIDENTIAL')).statusCode).toBe(200);

    // Any remaining member may commit the removal: it clears the pending row and is recorded.
    const removed = await commit(bob, secret, 1, { removed: [carol.device.deviceId] });
    expect(removed.json()).toEqual({ epoch: 2 });
    expect(await pendingRows(secret)).toEqual([]);
    const [completed] = await eventsOf('removal-completed', secret);
    expect(completed).toMatchObject({ actor_person: bob.person, actor_device: bob.device.deviceId });
    expect(JSON.parse(completed!.details)).toMatchObject({ devices: [carol.device.deviceId], reasons: ['clearance-revoked'], epoch: 2 });

    // Messages flow again, to the remaining members only.
    const queuedForCarol = async () =>
      (await db().selectFrom('queue').select('seq').where('device_id', '=', carol.device.deviceId).execute()).length;
    const carolBefore = await queuedForCarol();
    expect((await send(alice, secret, 2)).statusCode).toBe(200);
    expect(await queuedForCarol()).toBe(carolBefore);
    expect((await queueOf(bob, secret)).some((i) => i.type === 'message' && i.epoch === 2)).toBe(true);
    // Carol's device can fetch nothing of the conversation any more, and cannot be added back.
    for (const url of [
      `/api/v1/conversations/${secret}`,
      `/api/v1/conversations/${secret}/ratchet-tree`,
      `/api/v1/conversations/${secret}/blobs/${blobId}`,
    ]) {
      expect(errorCode(await api('GET', url, carol))).toBe('NOT_A_MEMBER');
    }
    expect(await queueOf(carol, secret)).toEqual([]);
    expect(errorCode(await commit(alice, secret, 2, { added: [carol.device.deviceId] }))).toBe('LABEL_NOT_DOMINATED');
  });

  it('cuts off a person whose new grant is lower, and asks only once per conversation', async () => {
    const w = server.world;
    const alice = await member(w, 'anna', ['user'], 'TOP SECRET');
    const dan = await member(w, 'dan');
    const secret = await conversation(alice, 'SECRET', [dan.device]);
    const topSecret = await conversation(alice, 'TOP SECRET', []);
    await grant(dan.person, 'CONFIDENTIAL');
    expect(await pendingRows(secret)).toEqual([expect.objectContaining({ device_id: dan.device.deviceId, reason: 'clearance-changed' })]);
    expect(await removalItems(alice, secret)).toHaveLength(1);
    // Lowered once more: nothing new to ask (the removal is already pending).
    const delivery = async () => {
      const { pending_removals, payloads, queue } = await rows();
      return { pending_removals, payloads, queue };
    };
    const before = await delivery();
    await grant(dan.person, 'RESTRICTED');
    expect(await delivery()).toEqual(before);
    expect(await removalItems(alice, secret)).toHaveLength(1);
    expect(await eventsOf('removal-required', secret)).toHaveLength(1);
    expect(await pendingRows(topSecret)).toEqual([]);
  });

  it('cuts off a person whose clearance expires when the sweep runs, once however often it runs', async () => {
    const { clock, services } = server.world;
    const alice = await member(server.world, 'alma', ['user'], 'TOP SECRET');
    // Ivy's only clearance, SECRET, expires in two hours.
    await services.identity.createPerson(
      null,
      { handle: handle('ivy'), name: 'Ivy', unit: HQ, roles: ['user'], clearance: 'SECRET', nationality: 'TST' },
      { grantedBy: officer.person, reason: 'temporary posting', expiresAt: new Date(clock.now().getTime() + 2 * HOUR) },
    );
    const ivy = await enrolDevice(server.world, handle('ivy'));
    const secret = await conversation(alice, 'SECRET', [ivy]);
    const open = await conversation(alice, 'UNCLASSIFIED', [ivy]);
    expect((await services.clearances.sweepExpiredClearances()).people).not.toContain(handle('ivy'));
    expect(await pendingRows(secret)).toEqual([]);

    clock.advance(3 * HOUR);
    const fresh = { token: (await login(server.world, alice.device)).token, device: alice.device }; // sessions last an hour
    // Until the sweep runs, the policy alone keeps the content from Ivy; nothing is pending yet.
    expect(await pendingRows(secret)).toEqual([]);
    const swept = await services.clearances.sweepExpiredClearances();
    expect(swept.people).toContain(handle('ivy'));
    expect(await pendingRows(secret)).toEqual([expect.objectContaining({ device_id: ivy.deviceId, reason: 'clearance-expired' })]);
    expect(await pendingRows(open)).toEqual([]);
    const [item] = await removalItems(fresh, secret);
    expect(decodeRemovalRequired(fromBase64Url(item!.payload))).toEqual({ deviceIds: [ivy.deviceId], reason: 'clearance-expired' });
    const [event] = await eventsOf('removal-required', secret);
    expect(event).toMatchObject({ actor_person: null, actor_device: null });

    // Idempotent: sweeping again finds nothing and changes nothing.
    const before = await rows();
    expect(await services.clearances.sweepExpiredClearances()).toEqual({ grants: 0, people: [] });
    expect(await rows()).toEqual(before);
    expect(await eventsOf('removal-required', secret)).toHaveLength(1);

    await expectBlocked(fresh, secret, 1);
    expect((await send(fresh, open, 1, 'UNCLASSIFIED')).statusCode).toBe(200);
    expect((await commit(fresh, secret, 1, { removed: [ivy.deviceId] })).json()).toEqual({ epoch: 2 });
    expect((await send(fresh, secret, 2)).statusCode).toBe(200);
  });

  it("cuts a revoked device off from every conversation it is in, and asks the person's other devices too", async () => {
    const w = server.world;
    const alice = await member(w, 'amy', ['user'], 'TOP SECRET');
    const bob = await member(w, 'ben');
    const tablet = await enrolDevice(w, bob.person, 'tablet');
    const tabletSession = await login(w, tablet);
    const one = await conversation(alice, 'SECRET', [bob.device, tablet]);
    const two = await conversation(alice, 'RESTRICTED', [tablet]);

    const revoked = await api('POST', `/api/v1/devices/${tablet.deviceId}/revoke`, bob);
    expect(revoked.statusCode, revoked.body).toBe(200);
    for (const id of [one, two]) {
      expect(await pendingRows(id)).toEqual([expect.objectContaining({ device_id: tablet.deviceId, reason: 'device-revoked' })]);
      const [event] = await eventsOf('removal-required', id);
      expect(event).toMatchObject({ actor_person: bob.person, actor_device: bob.device.deviceId });
    }
    expect((await removalItems(alice)).map((i) => i.conversationId).sort()).toEqual([one, two].sort());
    const [bobsItem] = await removalItems(bob);
    expect(bobsItem).toMatchObject({ conversationId: one, sender: { deviceId: tablet.deviceId, person: bob.person }, system: true });
    // The revoked device holds nothing and can ask for nothing.
    expect(await db().selectFrom('queue').select('seq').where('device_id', '=', tablet.deviceId).execute()).toEqual([]);
    expect((await api('GET', '/api/v1/queue', { token: tabletSession.token, device: tablet })).statusCode).toBe(401);

    await expectBlocked(alice, one, 1);
    // Bob's laptop, a remaining member, removes his own tablet.
    expect((await commit(bob, one, 1, { removed: [tablet.deviceId] })).json()).toEqual({ epoch: 2 });
    expect((await send(alice, one, 2)).statusCode).toBe(200);
    expect((await send(alice, two, 1, 'RESTRICTED')).statusCode).toBe(409);
    expect((await commit(alice, two, 1, { removed: [tablet.deviceId] })).statusCode).toBe(200);
    expect((await send(alice, two, 2, 'RESTRICTED')).statusCode).toBe(200);
  });

  it('names every pending device in a later request, and wants them all removed by one commit', async () => {
    const w = server.world;
    const alice = await member(w, 'abby', ['user'], 'TOP SECRET');
    const bob = await member(w, 'bert');
    const cleo = await member(w, 'cleo');
    const tablet = await enrolDevice(w, bob.person, 'tablet');
    const id = await conversation(alice, 'SECRET', [bob.device, cleo.device, tablet]);
    await grant(cleo.person, 'CONFIDENTIAL');
    expect((await api('POST', `/api/v1/devices/${tablet.deviceId}/revoke`, await asOfficer())).statusCode).toBe(200);

    const items = await removalItems(alice, id);
    expect(items.map((i) => decodeRemovalRequired(fromBase64Url(i.payload)))).toEqual([
      { deviceIds: [cleo.device.deviceId], reason: 'clearance-changed' },
      { deviceIds: [cleo.device.deviceId, tablet.deviceId].sort(), reason: 'device-revoked' },
    ]);
    // Bob's laptop is told of both; Cleo (pending) of neither.
    expect(await removalItems(bob, id)).toHaveLength(2);
    expect(await removalItems(cleo, id)).toEqual([]);

    const partly = await commit(bob, id, 1, { removed: [cleo.device.deviceId] });
    expect(errorCode(partly)).toBe('REMOVAL_PENDING');
    expect((await commit(bob, id, 1, { removed: [cleo.device.deviceId, tablet.deviceId] })).json()).toEqual({ epoch: 2 });
    expect(await pendingRows(id)).toEqual([]);
    expect((await send(alice, id, 2)).statusCode).toBe(200);
  });

  it('does not let a cut-off device commit, nor its own removal be committed by itself', async () => {
    const w = server.world;
    const alice = await member(w, 'ada', ['user'], 'TOP SECRET');
    const finn = await member(w, 'finn');
    const id = await conversation(alice, 'SECRET', [finn.device]);
    await grant(finn.person, 'RESTRICTED');
    const before = await rows();
    expect(errorCode(await commit(finn, id, 1, { removed: [alice.device.deviceId] }))).toBe('LABEL_NOT_DOMINATED');
    expect(errorCode(await commit(alice, id, 1, { removed: [alice.device.deviceId] }))).toBe('BAD_REQUEST');
    expect(await rows()).toEqual(before);
    expect(await pendingRows(id)).toHaveLength(1);
  });
});
