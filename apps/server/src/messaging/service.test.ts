import { type CommitRequest, fromBase64Url, fromUtf8, hasCode, MLS_SUITES, toBase64Url } from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../identity/authentication.ts';
import { countRows, DIALECTS } from '../testing/databases.ts';
import { keyPackagesOf, TEST_SUITE } from '../testing/key-packages.ts';
import { b64, createWorld, member, newGroupId, type World } from '../testing/world.ts';

async function refused(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toSatisfy((err: unknown) => hasCode(err, code));
}

const commitReq = (epoch: number, extra: Partial<CommitRequest> = {}): CommitRequest => ({
  epoch,
  commit: b64(`commit@${epoch}`),
  ratchetTree: b64(`tree@${epoch + 1}`),
  added: [],
  removed: [],
  ...extra,
});

const text = (payload: string) => fromUtf8(fromBase64Url(payload));

describe.each(DIALECTS)('delivery service on %s', (dialect) => {
  let world: World;
  let alice: Awaited<ReturnType<typeof member>>;
  let bob: Awaited<ReturnType<typeof member>>;
  let carol: Awaited<ReturnType<typeof member>>;
  let mallory: Awaited<ReturnType<typeof member>>;
  const ds = () => world.services.delivery;
  const queueOf = async (actor: Actor) => (await ds().queue(actor, 0, 1000)).items;

  beforeAll(async () => {
    world = await createWorld(dialect);
    alice = await member(world, 'alice');
    bob = await member(world, 'bob');
    carol = await member(world, 'carol');
    mallory = await member(world, 'mallory');
  });
  afterAll(async () => {
    await world?.close();
  });

  it('stores key packages per device and suite and hands each out once', async () => {
    const bobPackages = await keyPackagesOf(world, bob.device, 2);
    const [bobPq] = await keyPackagesOf(world, bob.device, 1, { suite: MLS_SUITES.postQuantum });
    const [carolPackage] = await keyPackagesOf(world, carol.device);
    expect(await ds().uploadKeyPackages(bob.actor, { suite: TEST_SUITE, keyPackages: bobPackages })).toEqual({
      suite: TEST_SUITE,
      count: 2,
    });
    await ds().uploadKeyPackages(bob.actor, { suite: MLS_SUITES.postQuantum, keyPackages: [bobPq!] });
    await ds().uploadKeyPackages(carol.actor, { suite: TEST_SUITE, keyPackages: [carolPackage!] });
    expect(await ds().keyPackageCount(bob.actor, TEST_SUITE)).toEqual({ suite: TEST_SUITE, count: 2 });

    const unknown = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    const first = await ds().claimKeyPackages(alice.actor, {
      suite: TEST_SUITE,
      deviceIds: [bob.device.deviceId, carol.device.deviceId, unknown],
    });
    expect(first.keyPackages).toEqual([
      { deviceId: bob.device.deviceId, keyPackage: bobPackages[0] },
      { deviceId: carol.device.deviceId, keyPackage: carolPackage },
    ]);
    expect(first.missing).toEqual([unknown]);
    const second = await ds().claimKeyPackages(alice.actor, { suite: TEST_SUITE, deviceIds: [bob.device.deviceId, carol.device.deviceId] });
    expect(second.keyPackages.map((k) => k.keyPackage)).toEqual([bobPackages[1]]);
    expect(second.missing).toEqual([carol.device.deviceId]);
    expect(await ds().keyPackageCount(bob.actor, TEST_SUITE)).toEqual({ suite: TEST_SUITE, count: 0 });
    expect(await ds().keyPackageCount(bob.actor, MLS_SUITES.postQuantum)).toEqual({ suite: MLS_SUITES.postQuantum, count: 1 });
    const pq = await ds().claimKeyPackages(alice.actor, { suite: MLS_SUITES.postQuantum, deviceIds: [bob.device.deviceId] });
    expect(pq.keyPackages).toEqual([{ deviceId: bob.device.deviceId, keyPackage: bobPq }]);
  });

  it('gives concurrent claims different key packages', async () => {
    const packages = await keyPackagesOf(world, carol.device, 10);
    await ds().uploadKeyPackages(carol.actor, { suite: TEST_SUITE, keyPackages: packages });
    const claims = await Promise.all(
      Array.from({ length: 12 }, () => ds().claimKeyPackages(alice.actor, { suite: TEST_SUITE, deviceIds: [carol.device.deviceId] })),
    );
    const got = claims.flatMap((c) => c.keyPackages.map((k) => k.keyPackage));
    expect(new Set(got).size).toBe(10);
    expect(got.sort()).toEqual([...packages].sort());
    expect(claims.filter((c) => c.missing.length === 1)).toHaveLength(2);
  });

  it('skips and deletes expired key packages when claiming, and leaves them out of the count', async () => {
    const frank = await member(world, 'frank');
    const day = 24 * 3600 * 1000;
    // Made 89 days ago: a day left of its 90, then two days pass.
    const [old] = await keyPackagesOf(world, frank.device, 1, { madeAtOffsetMs: -89 * day });
    const [fresh] = await keyPackagesOf(world, frank.device);
    await ds().uploadKeyPackages(frank.actor, { suite: TEST_SUITE, keyPackages: [old!, fresh!] });
    expect(await ds().keyPackageCount(frank.actor, TEST_SUITE)).toEqual({ suite: TEST_SUITE, count: 2 });
    world.clock.advance(2 * day);
    try {
      expect(await ds().keyPackageCount(frank.actor, TEST_SUITE)).toEqual({ suite: TEST_SUITE, count: 1 });
      const rowsBefore = (await countRows(world.tdb.db)).key_packages;
      const claim = await ds().claimKeyPackages(alice.actor, { suite: TEST_SUITE, deviceIds: [frank.device.deviceId] });
      // The older, expired package went first in line: it was deleted, and the fresh one handed out.
      expect(claim).toEqual({ keyPackages: [{ deviceId: frank.device.deviceId, keyPackage: fresh }], missing: [] });
      expect((await countRows(world.tdb.db)).key_packages).toBe(rowsBefore - 2);
      expect(await ds().claimKeyPackages(alice.actor, { suite: TEST_SUITE, deviceIds: [frank.device.deviceId] })).toEqual({
        keyPackages: [],
        missing: [frank.device.deviceId],
      });
    } finally {
      world.clock.advance(-2 * day);
    }
  });

  it("drops a device's expired key packages when it uploads, so they hold no place under the limit", async () => {
    const gina = await member(world, 'gina');
    const day = 24 * 3600 * 1000;
    const old = await keyPackagesOf(world, gina.device, 2, { madeAtOffsetMs: -89 * day });
    await ds().uploadKeyPackages(gina.actor, { suite: TEST_SUITE, keyPackages: old });
    world.clock.advance(2 * day);
    try {
      const fresh = await keyPackagesOf(world, gina.device);
      expect(await ds().uploadKeyPackages(gina.actor, { suite: TEST_SUITE, keyPackages: fresh })).toEqual({ suite: TEST_SUITE, count: 1 });
      const stored = await world.tdb.db.selectFrom('key_packages').select('id').where('device_id', '=', gina.device.deviceId).execute();
      expect(stored).toHaveLength(1);
    } finally {
      world.clock.advance(-2 * day);
    }
  });

  it('runs a conversation: create, add with a welcome, message, remove, acknowledge', async () => {
    const id = newGroupId();
    const created = await ds().createConversation(alice.actor, { id, kind: 'group', label: 'SECRET', suite: 1 });
    expect(created).toMatchObject({ id, epoch: 0, members: [{ deviceId: alice.device.deviceId, person: alice.person }] });
    await refused(ds().createConversation(bob.actor, { id, kind: 'group', label: 'SECRET', suite: 1 }), 'CONFLICT');
    await refused(ds().getConversation(bob.actor, id), 'NOT_A_MEMBER');
    await refused(ds().ratchetTree(alice.actor, id), 'NOT_FOUND');

    const before = await countRows(world.tdb.db);
    expect(
      await ds().commit(alice.actor, id, commitReq(0, { added: [bob.device.deviceId, carol.device.deviceId], welcome: b64('welcome@1') })),
    ).toEqual({ epoch: 1 });
    const after = await countRows(world.tdb.db);
    // One welcome stored once for two devices; the commit has no other recipient, so it is not kept.
    expect(after.payloads - before.payloads).toBe(1);
    expect(after.queue - before.queue).toBe(2);

    const conversation = await ds().getConversation(bob.actor, id);
    expect(conversation.epoch).toBe(1);
    expect(conversation.members.map((m) => m.person).sort()).toEqual([alice.person, bob.person, carol.person].sort());
    expect((await ds().listConversations(carol.actor)).map((c) => c.id)).toContain(id);
    expect((await ds().listConversations(mallory.actor)).map((c) => c.id)).not.toContain(id);
    expect(await ds().ratchetTree(carol.actor, id)).toEqual({ epoch: 1, ratchetTree: b64('tree@1') });

    const bobWelcome = (await queueOf(bob.actor)).filter((i) => i.conversationId === id);
    expect(bobWelcome).toMatchObject([
      { type: 'welcome', epoch: 1, label: 'SECRET', conversationKind: 'group', sender: { person: alice.person } },
    ]);
    expect(text(bobWelcome[0]!.payload)).toBe('welcome@1');
    expect(await queueOf(alice.actor)).toEqual([]);

    const sent = await ds().sendMessage(bob.actor, id, { epoch: 1, ciphertext: b64('hello'), label: 'SECRET', precedence: 'FLASH' });
    await refused(
      ds().sendMessage(bob.actor, id, { epoch: 0, ciphertext: b64('stale'), label: 'SECRET', precedence: 'ROUTINE' }),
      'EPOCH_MISMATCH',
    );
    await refused(
      ds().sendMessage(mallory.actor, id, { epoch: 1, ciphertext: b64('x'), label: 'SECRET', precedence: 'ROUTINE' }),
      'NOT_A_MEMBER',
    );
    const aliceQueue = await queueOf(alice.actor);
    expect(aliceQueue).toMatchObject([
      { type: 'message', messageId: sent.id, precedence: 'FLASH', epoch: 1, sender: { deviceId: bob.device.deviceId } },
    ]);
    expect((await queueOf(bob.actor)).some((i) => i.type === 'message')).toBe(false);
    const carolQueue = await queueOf(carol.actor);
    expect(carolQueue.map((i) => i.type)).toEqual(['welcome', 'message']);
    expect(carolQueue[1]!.seq).toBeGreaterThan(carolQueue[0]!.seq);

    // Alice removes Carol: Carol and Bob get the commit, Alice does not.
    await ds().commit(alice.actor, id, commitReq(1, { removed: [carol.device.deviceId] }));
    expect((await queueOf(carol.actor)).map((i) => i.type)).toEqual(['welcome', 'message', 'commit']);
    expect((await queueOf(bob.actor)).filter((i) => i.conversationId === id).map((i) => i.type)).toEqual(['welcome', 'commit']);
    await ds().sendMessage(alice.actor, id, { epoch: 2, ciphertext: b64('after carol left'), label: 'SECRET', precedence: 'ROUTINE' });
    expect((await queueOf(carol.actor)).map((i) => i.type)).toEqual(['welcome', 'message', 'commit']);
    await refused(ds().getConversation(carol.actor, id), 'NOT_A_MEMBER');
    await refused(ds().ratchetTree(carol.actor, id), 'NOT_A_MEMBER');

    // Acknowledgement deletes up to a sequence number, and a payload goes when its last reader acks.
    const bobItems = (await queueOf(bob.actor)).filter((i) => i.conversationId === id);
    await ds().ack(bob.actor, bobItems[0]!.seq);
    expect((await queueOf(bob.actor)).filter((i) => i.conversationId === id).map((i) => i.type)).toEqual(['commit', 'message']);
    const payloadsBefore = (await countRows(world.tdb.db)).payloads;
    const carolItems = await queueOf(carol.actor);
    await ds().ack(carol.actor, carolItems.at(-1)!.seq);
    expect(await queueOf(carol.actor)).toEqual([]);
    // The welcome (bob and carol acked) and Bob's message (alice has not acked) — one payload gone.
    expect((await countRows(world.tdb.db)).payloads).toBe(payloadsBefore - 1);
  });

  it('records the message flow in the audit log: membership, send, deliver, read; a refused read report records nothing', async () => {
    const db = world.tdb.db;
    const eventsSince = async (size: number) => {
      const rows = await db.selectFrom('log_events').select(['idx', 'event']).where('idx', '>=', size).orderBy('idx').execute();
      return rows.map(
        (r) => JSON.parse(r.event) as { type: string; target: string; actor: { device: string }; details: Record<string, unknown> },
      );
    };
    const logSize = async () => Number((await db.selectFrom('log_state').select('size').executeTakeFirstOrThrow()).size);
    const id = newGroupId();
    await ds().createConversation(alice.actor, { id, kind: 'group', label: 'SECRET', suite: 1 });
    // Bob's queue starts empty, so the delivery below covers exactly this conversation's items.
    const leftOver = await queueOf(bob.actor);
    if (leftOver.length > 0) await ds().ack(bob.actor, leftOver.at(-1)!.seq);
    const start = await logSize();
    await ds().commit(alice.actor, id, commitReq(0, { added: [bob.device.deviceId], welcome: b64('w') }));
    const sent = await ds().sendMessage(alice.actor, id, { epoch: 1, ciphertext: b64('m'), label: 'SECRET', precedence: 'IMMEDIATE' });
    const bobItems = (await queueOf(bob.actor)).filter((i) => i.conversationId === id);
    await ds().ack(bob.actor, bobItems.at(-1)!.seq);
    await ds().ack(bob.actor, bobItems.at(-1)!.seq); // nothing left: no second deliver event
    await ds().reportRead(bob.actor, id, sent.id);
    const events = await eventsSince(start);
    expect(events.map((e) => e.type)).toEqual(['membership-change', 'send', 'deliver', 'read']);
    const [membership, send, deliver, read] = events;
    expect(membership).toMatchObject({
      target: `conversation:${id}`,
      details: { epoch: 1, added: [{ device: bob.device.deviceId, person: bob.person }], removed: [] },
    });
    expect(send).toMatchObject({ actor: { device: alice.device.deviceId }, details: { message: sent.id, label: 'SECRET', recipients: 1 } });
    expect(deliver).toMatchObject({ actor: { device: bob.device.deviceId }, details: { items: bobItems.length } });
    expect(deliver!.details.payloads).toContain(sent.id);
    expect(read).toMatchObject({ actor: { device: bob.device.deviceId }, details: { message: sent.id } });
    // No content is logged: the ciphertext's bytes appear nowhere in the events.
    expect(JSON.stringify(events)).not.toContain(b64('m'));

    const size = await logSize();
    await refused(ds().reportRead(mallory.actor, id, sent.id), 'NOT_A_MEMBER');
    // The refusal itself is recorded (access-denied), nothing else.
    expect((await eventsSince(size)).map((e) => e.type)).toEqual(['access-denied']);
  });

  it('accepts exactly one commit per epoch, also when commits race', async () => {
    const id = newGroupId();
    await ds().createConversation(alice.actor, { id, kind: 'group', label: 'RESTRICTED', suite: 1 });
    await ds().commit(alice.actor, id, commitReq(0, { added: [bob.device.deviceId], welcome: b64('w') }));
    const results = await Promise.allSettled([
      ds().commit(alice.actor, id, commitReq(1)),
      ds().commit(bob.actor, id, commitReq(1)),
      ds().commit(alice.actor, id, commitReq(1)),
      ds().commit(bob.actor, id, commitReq(1)),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(hasCode(r.reason, 'EPOCH_MISMATCH')).toBe(true);
    expect((await ds().getConversation(alice.actor, id)).epoch).toBe(2);
    await refused(ds().commit(alice.actor, id, commitReq(1)), 'EPOCH_MISMATCH');
    await refused(ds().commit(alice.actor, id, commitReq(3)), 'EPOCH_MISMATCH');
  });

  it('refuses invalid membership changes and changes nothing', async () => {
    const id = newGroupId();
    await ds().createConversation(alice.actor, { id, kind: 'direct', label: 'SECRET', suite: 1 });
    const before = await countRows(world.tdb.db);
    const unknown = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    await refused(ds().commit(alice.actor, id, commitReq(0, { added: [unknown], welcome: b64('w') })), 'NOT_FOUND');
    await refused(ds().commit(alice.actor, id, commitReq(0, { added: [alice.device.deviceId], welcome: b64('w') })), 'CONFLICT');
    await refused(ds().commit(alice.actor, id, commitReq(0, { removed: [bob.device.deviceId] })), 'CONFLICT');
    await refused(ds().commit(alice.actor, id, commitReq(0, { removed: [alice.device.deviceId] })), 'BAD_REQUEST');
    await refused(ds().commit(alice.actor, id, commitReq(0, { added: [bob.device.deviceId] })), 'BAD_REQUEST');
    await refused(ds().commit(alice.actor, id, commitReq(0, { welcome: b64('w') })), 'BAD_REQUEST');
    await refused(ds().commit(mallory.actor, id, commitReq(0)), 'NOT_A_MEMBER');
    await refused(ds().commit(alice.actor, newGroupId(), commitReq(0)), 'NOT_FOUND');
    expect(await countRows(world.tdb.db)).toEqual(before);
    expect((await ds().getConversation(alice.actor, id)).epoch).toBe(0);
  });

  it('pages the queue in order with strictly increasing sequence numbers', async () => {
    const id = newGroupId();
    await ds().createConversation(alice.actor, { id, kind: 'group', label: 'SECRET', suite: 1 });
    await ds().commit(alice.actor, id, commitReq(0, { added: [mallory.device.deviceId], welcome: b64('w') }));
    for (let i = 0; i < 5; i++) {
      await ds().sendMessage(alice.actor, id, { epoch: 1, ciphertext: b64(`m${i}`), label: 'SECRET', precedence: 'ROUTINE' });
    }
    const page1 = await ds().queue(mallory.actor, 0, 3);
    expect(page1.items).toHaveLength(3);
    expect(page1.more).toBe(true);
    const page2 = await ds().queue(mallory.actor, page1.items.at(-1)!.seq, 3);
    expect(page2.more).toBe(false);
    const all = [...page1.items, ...page2.items];
    expect(all.map((i) => (i.type === 'message' ? text(i.payload) : i.type))).toEqual(['welcome', 'm0', 'm1', 'm2', 'm3', 'm4']);
    for (let i = 1; i < all.length; i++) expect(all[i]!.seq).toBeGreaterThan(all[i - 1]!.seq);
  });

  it('stops delivering to a revoked device and drops what it held', async () => {
    const erin = await member(world, 'erin');
    const officer = await member(world, 'oscar', ['security-officer']);
    const id = newGroupId();
    await ds().createConversation(alice.actor, { id, kind: 'group', label: 'SECRET', suite: 1 });
    await ds().uploadKeyPackages(erin.actor, { suite: TEST_SUITE, keyPackages: await keyPackagesOf(world, erin.device, 2) });
    const claimed = await ds().claimKeyPackages(alice.actor, { suite: TEST_SUITE, deviceIds: [erin.device.deviceId] });
    await ds().commit(
      alice.actor,
      id,
      commitReq(0, { added: [erin.device.deviceId], welcome: toBase64Url(fromBase64Url(claimed.keyPackages[0]!.keyPackage)) }),
    );
    await world.services.identity.revokeDevice(officer.actor, erin.device.deviceId);
    const rows = await world.tdb.db.selectFrom('queue').select('seq').where('device_id', '=', erin.device.deviceId).execute();
    expect(rows).toEqual([]);
    expect(await ds().claimKeyPackages(alice.actor, { suite: TEST_SUITE, deviceIds: [erin.device.deviceId] })).toEqual({
      keyPackages: [],
      missing: [erin.device.deviceId],
    });
    // Erin's device still holds the epoch's secrets: nothing is sent until a member removes it.
    const notForErin = { epoch: 1, ciphertext: b64('not for erin'), label: 'SECRET', precedence: 'ROUTINE' } as const;
    await refused(ds().sendMessage(alice.actor, id, notForErin), 'REMOVAL_PENDING');
    // A revoked device cannot be added, but can still be removed from the group.
    const other = newGroupId();
    await ds().createConversation(alice.actor, { id: other, kind: 'group', label: 'SECRET', suite: 1 });
    await refused(ds().commit(alice.actor, other, commitReq(0, { added: [erin.device.deviceId], welcome: b64('w') })), 'DEVICE_REVOKED');
    expect(await ds().commit(alice.actor, id, commitReq(1, { removed: [erin.device.deviceId] }))).toEqual({ epoch: 2 });
    await ds().sendMessage(alice.actor, id, { ...notForErin, epoch: 2 });
    expect(await world.tdb.db.selectFrom('queue').select('seq').where('device_id', '=', erin.device.deviceId).execute()).toEqual([]);
  });

  it('deletes a payload once every recipient has acknowledged it, also when they ack at the same moment', async () => {
    const id = newGroupId();
    await ds().createConversation(alice.actor, { id, kind: 'group', label: 'SECRET', suite: 1 });
    const dave = await member(world, 'dave');
    await ds().commit(alice.actor, id, commitReq(0, { added: [bob.device.deviceId, dave.device.deviceId], welcome: b64('w') }));
    for (const who of [alice, bob, dave]) await ds().ack(who.actor, Number.MAX_SAFE_INTEGER);
    const before = (await countRows(world.tdb.db)).payloads;
    await ds().sendMessage(alice.actor, id, { epoch: 1, ciphertext: b64('to both'), label: 'SECRET', precedence: 'ROUTINE' });
    expect((await countRows(world.tdb.db)).payloads).toBe(before + 1);
    await Promise.all([ds().ack(bob.actor, Number.MAX_SAFE_INTEGER), ds().ack(dave.actor, Number.MAX_SAFE_INTEGER)]);
    expect((await countRows(world.tdb.db)).payloads).toBe(before);
  });

  it('keeps the tree of an epoch while a welcome into it is queued', async () => {
    const id = newGroupId();
    const dave = await member(world, 'dave2');
    await ds().createConversation(alice.actor, { id, kind: 'group', label: 'SECRET', suite: 1 });
    await ds().commit(alice.actor, id, commitReq(0, { added: [bob.device.deviceId], welcome: b64('w1') }));
    await ds().commit(alice.actor, id, commitReq(1));
    // Bob has not processed his welcome yet: the epoch-1 tree stays, next to the latest.
    expect(await ds().ratchetTree(bob.actor, id, 1)).toEqual({ epoch: 1, ratchetTree: b64('tree@1') });
    expect(await ds().ratchetTree(bob.actor, id)).toEqual({ epoch: 2, ratchetTree: b64('tree@2') });
    await ds().ack(bob.actor, Number.MAX_SAFE_INTEGER);
    await ds().commit(alice.actor, id, commitReq(2, { added: [dave.device.deviceId], welcome: b64('w3') }));
    await refused(ds().ratchetTree(bob.actor, id, 1), 'NOT_FOUND');
    await refused(ds().ratchetTree(bob.actor, id, 2), 'NOT_FOUND');
    expect((await ds().ratchetTree(dave.actor, id, 3)).epoch).toBe(3);
  });

  it('keeps attachments for members only', async () => {
    const id = newGroupId();
    await ds().createConversation(alice.actor, { id, kind: 'group', label: 'SECRET', suite: 1 });
    const data = new Uint8Array(100_000).map((_, i) => i % 251);
    const blob = await ds().uploadBlob(alice.actor, id, data);
    expect(blob.size).toBe(100_000);
    expect(await ds().downloadBlob(alice.actor, id, blob.id)).toEqual(data);
    await refused(ds().downloadBlob(mallory.actor, id, blob.id), 'NOT_A_MEMBER');
    await refused(ds().uploadBlob(mallory.actor, id, data), 'NOT_A_MEMBER');
    await refused(ds().uploadBlob(alice.actor, id, new Uint8Array(0)), 'BAD_REQUEST');
    const other = newGroupId();
    await ds().createConversation(mallory.actor, { id: other, kind: 'group', label: 'SECRET', suite: 1 });
    // A member of another conversation cannot fetch this blob through it.
    await refused(ds().downloadBlob(mallory.actor, other, blob.id), 'NOT_FOUND');
  });
});
