/**
 * A clearance that expires, and a device that is revoked, take their devices out of the MLS groups
 * they may no longer read: end to end, with the real server code in-process (a controllable clock,
 * a real SQLite database in a temp folder, listening on a loopback port) and real SDK clients over
 * HTTP. After the removal, nothing sent is readable by the cut-off device, not even with the group
 * state it held before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LABEL_POLICY, decodeGroup, decryptMessage, fromBase64Url, hasCode, type QueueResponse } from '@valise/protocol';
import { nodeCryptoProvider } from '@valise/protocol/crypto-node';
import type { FetchLike, ValiseClient } from '@valise/sdk';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../apps/server/src/app.ts';
import { type OpenDatabase, openDatabase } from '../../apps/server/src/db/database.ts';
import { DEMO_ORGANISATION, type DemoPerson, seedDemo } from '../../apps/server/src/demo/seed.ts';
import { insertOrganisation } from '../../apps/server/src/identity/store.ts';
import { enrolClient } from '../helpers/clients.ts';

const MINUTE = 60_000;

/** The server's clock: real time (key packages and tokens are dated by it) plus what the test adds. */
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);

let dir: string;
let data: OpenDatabase;
let app: FastifyInstance;
let url: string;
let people: DemoPerson[];
let alice: ValiseClient; // TOP SECRET
let bob: ValiseClient; // SECRET
let carol: ValiseClient; // SECRET, for a few minutes
let officer: ValiseClient; // security officer
const clients: ValiseClient[] = [];

/** Error codes of the 409s Alice's SDK got, with the request that got them. */
const aliceConflicts: string[] = [];
const watching: FetchLike = async (input, init) => {
  const res = await fetch(input, init);
  if (res.status === 409) {
    const body = (await res
      .clone()
      .json()
      .catch(() => ({}))) as { error?: { code?: string } };
    aliceConflicts.push(`${init?.method ?? 'GET'} ${new URL(input).pathname} ${body.error?.code}`);
  }
  return res;
};

const person = (local: string) => {
  const p = people.find((x) => x.handle === `${local}@${DEMO_ORGANISATION.domain}`);
  if (!p) throw new Error(`no demo person ${local}`);
  return p;
};
const enrol = async (local: string, deviceName: string, fetch?: FetchLike) => {
  const client = await enrolClient(url, person(local).code, deviceName, undefined, fetch);
  clients.push(client);
  return client;
};

/** The last message of a conversation waiting in a device's queue, as the server holds it (not yet synced). */
async function queuedCiphertext(client: ValiseClient, conversationId: string): Promise<Uint8Array> {
  const page = await client.core.api.get<QueueResponse>('/queue?after=0&limit=1000');
  const item = page.items.filter((i) => i.type === 'message' && i.conversationId === conversationId).at(-1);
  expect(item).toBeDefined();
  return fromBase64Url(item!.payload);
}

/** The MLS group state a device keeps for a conversation, as it is now. */
async function groupState(client: ValiseClient, conversationId: string) {
  const record = await client.core.store.getJson<{ group: string }>(`conv/${conversationId}`);
  expect(record?.group).toBeTruthy();
  return decodeGroup(fromBase64Url(record!.group));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'valise-expiry-'));
  data = await openDatabase({ kind: 'sqlite', file: join(dir, 'valise.db') });
  await insertOrganisation(data.db, DEMO_ORGANISATION, clock());
  app = await buildServer({
    db: data.db,
    dialect: data.dialect,
    clock,
    crypto: nodeCryptoProvider,
    logger: pino({ level: 'silent' }),
    organisation: DEMO_ORGANISATION,
    labelPolicy: DEFAULT_LABEL_POLICY,
  });
  people = await seedDemo(app.services);
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const officerHandle = people.find((p) => p.roles.includes('security-officer'))!.handle.split('@')[0]!;
  [alice, bob, carol, officer] = await Promise.all([
    enrol('alice', 'alice-laptop', watching),
    enrol('bob', 'bob-laptop'),
    enrol('carol', 'carol-laptop'),
    enrol(officerHandle, 'officer-laptop'),
  ]);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await app?.close();
  await data?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a clearance that expires', () => {
  it('removes the person from the conversations above their new level, so they cannot read what follows', async () => {
    const carolHandle = carol.identity.person.handle;
    // The security officer gives Carol a SECRET clearance for a five-minute posting, and revokes the
    // demo's year-long one: once the posting ends she falls back to the baseline (UNCLASSIFIED).
    await officer.admin.grantClearance({
      person: carolHandle,
      level: 'SECRET',
      compartments: [],
      nationality: 'FRD',
      expiresAt: new Date(clock().getTime() + 5 * MINUTE).toISOString(),
      reason: 'five-minute posting',
    });
    const demoGrant = (await officer.admin.clearances(carolHandle)).grants.find((g) => g.reason === 'demo');
    await officer.admin.revokeClearance(demoGrant!.id, 'replaced by the posting');
    expect((await officer.admin.clearances(carolHandle)).effective.level).toBe('SECRET');

    const conv = await alice.createConversation({
      kind: 'group',
      with: [bob.identity.person.handle, carolHandle],
      label: 'SECRET',
    });
    await alice.sendMessage(conv.id, { body: 'before the posting ends' });
    const [bobFirst, carolFirst] = await Promise.all([bob.sync(), carol.sync()]);
    expect(bobFirst.problems).toEqual([]);
    expect(carolFirst.messages.map((m) => m.body)).toEqual(['before the posting ends']);
    await carol.sendMessage(conv.id, { body: 'reply from carol' });
    await Promise.all([alice.sync(), bob.sync()]);
    expect((await bob.inbox()).some((m) => m.from === carolHandle && m.conversationId === conv.id)).toBe(true);
    // Carol's group state as it is now: she keeps it, and must still not read what follows.
    const carolBefore = await groupState(carol, conv.id);

    offsetMs += 10 * MINUTE;
    const swept = await app.services.clearances.sweepExpiredClearances();
    expect(swept.people).toContain(carolHandle);

    // Alice sends: refused while Carol's device is in the group, her SDK syncs (committing the
    // removal the server asked for), then sends to Bob alone.
    await alice.sendMessage(conv.id, { body: 'after the posting ended' });
    expect(aliceConflicts).toEqual([`POST /api/v1/conversations/${conv.id}/messages REMOVAL_PENDING`]);
    const view = await alice.core.api.get<{ members: { person: string }[]; epoch: number }>(`/conversations/${conv.id}`);
    expect(view.members.map((m) => m.person)).not.toContain(carolHandle);

    // Carol cannot decrypt the new message even with her old group state.
    const ciphertext = await queuedCiphertext(bob, conv.id);
    await expect(decryptMessage(carol.core.mls, carolBefore, ciphertext)).rejects.toThrow();

    const bobAfter = await bob.sync();
    expect(bobAfter.problems).toEqual([]);
    expect(bobAfter.messages.map((m) => m.body)).toEqual(['after the posting ended']);

    const carolAfter = await carol.sync();
    expect(carolAfter.messages).toEqual([]);
    await expect(carol.core.api.get(`/conversations/${conv.id}/ratchet-tree`)).rejects.toSatisfy((e) => hasCode(e, 'NOT_A_MEMBER'));
    await expect(carol.sendMessage(conv.id, { body: 'still here?' })).rejects.toSatisfy(
      (e) => hasCode(e, 'NOT_A_MEMBER') || hasCode(e, 'LABEL_NOT_DOMINATED'),
    );

    // Both steps are on the record for the security officer.
    const required = await officer.admin.securityEvents({ type: 'removal-required' });
    expect(required.events.find((e) => e.target === `conversation:${conv.id}`)?.details).toMatchObject({
      reason: 'clearance-expired',
      people: [carolHandle],
    });
    const completed = await officer.admin.securityEvents({ type: 'removal-completed' });
    expect(completed.events.find((e) => e.target === `conversation:${conv.id}`)?.actor).toEqual({
      person: alice.identity.person.handle,
      device: alice.identity.deviceId,
    });
  });
});

describe('a revoked device', () => {
  it("is removed from the conversation the same way, while its person's other device stays", async () => {
    aliceConflicts.length = 0;
    const bobHandle = bob.identity.person.handle;
    const code = await officer.admin.issueEnrolmentCode(bobHandle);
    const tablet = await enrolClient(url, code.code, 'bob-tablet');
    clients.push(tablet);
    const conv = await alice.createConversation({ kind: 'group', with: [bobHandle], label: 'SECRET' });
    expect(conv.devices).toBe(2);
    await alice.sendMessage(conv.id, { body: 'to both of your devices' });
    const [laptopFirst, tabletFirst] = await Promise.all([bob.sync(), tablet.sync()]);
    expect(laptopFirst.messages.map((m) => m.body)).toEqual(['to both of your devices']);
    expect(tabletFirst.messages.map((m) => m.body)).toEqual(['to both of your devices']);
    const tabletBefore = await groupState(tablet, conv.id);

    // Bob reports the tablet lost and revokes it from his laptop.
    await bob.revokeDevice(tablet.identity.deviceId);

    await alice.sendMessage(conv.id, { body: 'after the tablet was lost' });
    expect(aliceConflicts).toEqual([`POST /api/v1/conversations/${conv.id}/messages REMOVAL_PENDING`]);
    const ciphertext = await queuedCiphertext(bob, conv.id);
    await expect(decryptMessage(tablet.core.mls, tabletBefore, ciphertext)).rejects.toThrow();

    const laptopAfter = await bob.sync();
    expect(laptopAfter.problems).toEqual([]);
    expect(laptopAfter.messages.map((m) => m.body)).toEqual(['after the tablet was lost']);
    const view = await bob.core.api.get<{ members: { deviceId: string }[] }>(`/conversations/${conv.id}`);
    expect(view.members.map((m) => m.deviceId).sort()).toEqual([alice.identity.deviceId, bob.identity.deviceId].sort());
    // The tablet can no longer even ask.
    await expect(tablet.sync()).rejects.toThrow();
  });
});
