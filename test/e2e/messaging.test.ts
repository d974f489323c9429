/**
 * End to end through the real server process and the real SDK: cables and group conversations
 * between two embassies, non-members, removed devices, offline queues, live pushes.
 */
import { decodeGroup, decryptMessage, fromBase64Url, hasCode, type QueueResponse } from '@valise/protocol';
import type { ValiseClient } from '@valise/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolClient } from '../helpers/clients.ts';
import { demoPerson, type RunningServer, startDemoServer, waitFor } from '../helpers/server.ts';

let server: RunningServer;
let alice: ValiseClient; // embassy A
let bob: ValiseClient; // embassy B
let carol: ValiseClient; // HQ, not a member of the conversations below
let officer: ValiseClient;

beforeAll(async () => {
  server = await startDemoServer();
  const embassies = [...new Set(server.people.filter((p) => p.unit.startsWith('embassy-')).map((p) => p.unit))];
  expect(embassies.length).toBeGreaterThanOrEqual(2);
  const a = demoPerson(server, (p) => p.unit === embassies[0] && p.roles.includes('user') && !p.roles.includes('security-officer'));
  const b = demoPerson(server, (p) => p.unit === embassies[1] && p.roles.includes('user') && !p.roles.includes('security-officer'));
  const c = demoPerson(
    server,
    (p) => p.unit.startsWith('hq') && p.handle !== a.handle && p.handle !== b.handle && !p.roles.includes('security-officer'),
  );
  const so = demoPerson(server, (p) => p.roles.includes('security-officer'));
  [alice, bob, carol, officer] = await Promise.all([
    enrolClient(server.url, a.code, 'alice-laptop'),
    enrolClient(server.url, b.code, 'bob-laptop'),
    enrolClient(server.url, c.code, 'carol-laptop'),
    enrolClient(server.url, so.code, 'officer-laptop'),
  ]);
});

afterAll(async () => {
  for (const c of [alice, bob, carol, officer]) c?.close();
  await server?.stop();
});

describe('cables between two embassies', () => {
  it('delivers a labelled cable that only the addressees can read', async () => {
    const sent = await alice.sendCable({
      to: [bob.identity.person.handle],
      subject: 'Démarche on fisheries',
      body: 'Please deliver the attached démarche to the foreign ministry today.',
      label: 'CONFIDENTIAL//REL TO FRD',
      precedence: 'IMMEDIATE',
      tags: ['FISH', 'ECON'],
    });
    const synced = await bob.sync();
    expect(synced.problems).toEqual([]);
    const inbox = await bob.inbox();
    const row = inbox.find((m) => m.id === sent.id);
    expect(row).toMatchObject({
      subject: 'Démarche on fisheries',
      from: alice.identity.person.handle,
      label: 'CONFIDENTIAL//REL TO FRD',
      precedence: 'IMMEDIATE',
    });
    const full = await bob.read(sent.id);
    expect(full.body).toBe('Please deliver the attached démarche to the foreign ministry today.');
    expect(full.tags).toEqual(['FISH', 'ECON']);
    expect(full.action).toEqual([bob.identity.person.handle]);

    // Carol is not an addressee: nothing arrives, the message is unknown to her device, and the
    // server refuses her the conversation.
    await carol.sync();
    await expect(carol.read(sent.id)).rejects.toSatisfy((e) => hasCode(e, 'MESSAGE_NOT_FOUND'));
    await expect(carol.core.api.get(`/conversations/${sent.conversationId}`)).rejects.toSatisfy(
      (e) => hasCode(e, 'NOT_A_MEMBER') || hasCode(e, 'FORBIDDEN') || hasCode(e, 'NOT_FOUND'),
    );
  });

  it('expands a unit addressee to its enrolled people', async () => {
    const sent = await alice.sendCable({
      to: [bob.identity.person.unit],
      subject: 'To the whole embassy',
      body: 'All staff.',
      label: 'RESTRICTED',
    });
    expect(sent.recipients).toContain(bob.identity.person.handle);
    await bob.sync();
    expect((await bob.read(sent.id)).subject).toBe('To the whole embassy');
  });
});

describe('group conversations', () => {
  let conversationId: string;
  let bobTablet: ValiseClient;

  it('lets members of two embassies talk, with a second device of the same person', async () => {
    const code = await officer.admin.issueEnrolmentCode(bob.identity.person.handle);
    bobTablet = await enrolClient(server.url, code.code, 'bob-tablet');
    const conv = await alice.createConversation({ kind: 'group', with: [bob.identity.person.handle], label: 'SECRET//REL TO FRD' });
    conversationId = conv.id;
    expect(conv.devices).toBe(2); // both of Bob's devices
    await alice.sendMessage(conversationId, { body: 'first message' });
    await Promise.all([bob.sync(), bobTablet.sync()]);
    await bob.sendMessage(conversationId, { body: 'reply from the laptop' });
    await Promise.all([alice.sync(), bobTablet.sync()]);
    const aliceInbox = await alice.inbox();
    expect(aliceInbox.some((m) => m.from === bob.identity.person.handle && m.conversationId === conversationId)).toBe(true);
    const tabletBodies = await Promise.all(
      (await bobTablet.inbox()).filter((m) => m.conversationId === conversationId).map((m) => bobTablet.read(m.id)),
    );
    expect(tabletBodies.map((m) => m.body).sort()).toEqual(['first message', 'reply from the laptop']);
  });

  it('cuts a removed device off from everything sent after its removal', async () => {
    // Keep the tablet's group state as it was before removal: even holding it, the tablet must not
    // be able to decrypt what follows (forward secrecy of the new epoch), not merely not receive it.
    const before = await bobTablet.core.store.getJson<{ group: string }>(`conv/${conversationId}`);
    expect(before).toBeDefined();
    await alice.removeDevices(conversationId, [bobTablet.identity.deviceId]);
    await alice.sendMessage(conversationId, { body: 'after the tablet was removed' });

    // Capture the ciphertext as it sits in Bob's laptop queue, before the laptop drains it.
    const page = await bob.core.api.get<QueueResponse>('/queue?after=0&limit=100');
    const item = page.items.filter((i) => i.type === 'message' && i.conversationId === conversationId).at(-1);
    expect(item).toBeDefined();
    const oldState = decodeGroup(fromBase64Url(before!.group));
    await expect(decryptMessage(bobTablet.core.mls, oldState, fromBase64Url(item!.payload))).rejects.toThrow();

    await bob.sync();
    expect((await bob.inbox()).some((m) => m.conversationId === conversationId)).toBe(true);
    const tabletSync = await bobTablet.sync();
    expect(tabletSync.messages).toEqual([]);
    const conv = (await bobTablet.conversations()).find((c) => c.id === conversationId);
    expect(conv?.active).toBe(false);
    await expect(bobTablet.sendMessage(conversationId, { body: 'still here?' })).rejects.toSatisfy((e) => hasCode(e, 'NOT_A_MEMBER'));
  });
});

describe('offline and live delivery', () => {
  it('keeps the queue for an offline device and delivers it in order on reconnect', async () => {
    const conv = await alice.createConversation({ kind: 'direct', with: [carol.identity.person.handle], label: 'UNCLASSIFIED' });
    for (let i = 1; i <= 3; i++) await alice.sendMessage(conv.id, { body: `queued ${i}` });
    const result = await carol.sync();
    expect(result.joined).toContain(conv.id);
    expect(result.messages.map((m) => m.body)).toEqual(['queued 1', 'queued 2', 'queued 3']);
    // Acknowledged: a second sync finds nothing new.
    expect((await carol.sync()).messages).toEqual([]);
  });

  it('pushes to an online device over the WebSocket', async () => {
    const received: string[] = [];
    const live = bob.connect((ev) => {
      if (ev.type === 'synced') for (const m of ev.result.messages) received.push(m.body);
    });
    await waitFor('the live connection', async () => (live ? true : undefined));
    const conv = await alice.createConversation({ kind: 'direct', with: [bob.identity.person.handle], label: 'RESTRICTED' });
    await alice.sendMessage(conv.id, { body: 'live ping' });
    await waitFor('the pushed message', async () => (received.includes('live ping') ? true : undefined), 20_000);
    bob.close();
  });
});
