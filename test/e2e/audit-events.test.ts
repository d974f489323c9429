/**
 * The message flow in the audit log, end to end through the real server and SDK: a cable's send,
 * the membership change that added the recipient, its delivery and its opening are recorded as
 * events a security officer can list, each committed to the log. Opened events are verified by the
 * reader against their commitments and the signed log, so an event changed in the server's database
 * is detected. (A read report made while the server is unreachable is kept and sent on the next
 * sync: packages/sdk/src/read-receipts.test.ts.)
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { hasCode, type SecurityEvent } from '@valise/protocol';
import type { ValiseClient } from '@valise/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { enrolClient } from '../helpers/clients.ts';
import { demoPerson, type RunningServer, startDemoServer, waitFor } from '../helpers/server.ts';

let server: RunningServer;
let sender: ValiseClient;
let recipient: ValiseClient;
let officer: ValiseClient;

beforeAll(async () => {
  server = await startDemoServer();
  const plain = (p: { roles: string[] }) => p.roles.includes('user') && !p.roles.includes('security-officer') && !p.roles.includes('admin');
  const a = demoPerson(server, (p) => plain(p) && p.unit.startsWith('embassy-'));
  const b = demoPerson(server, (p) => plain(p) && p.unit.startsWith('embassy-') && p.unit !== a.unit);
  const so = demoPerson(server, (p) => p.roles.includes('security-officer'));
  [sender, recipient, officer] = await Promise.all([
    enrolClient(server.url, a.code, 'sender-laptop'),
    enrolClient(server.url, b.code, 'recipient-laptop'),
    enrolClient(server.url, so.code, 'officer-laptop'),
  ]);
}, 120_000);

afterAll(async () => {
  for (const c of [sender, recipient, officer]) c?.close();
  await server?.stop();
});

async function eventsOf(type: string): Promise<SecurityEvent[]> {
  return (await officer.admin.securityEvents({ type, limit: 1000 })).events;
}

it('records send, membership change, delivery and the first opening of a cable', async () => {
  const sent = await sender.sendCable({
    to: [recipient.identity.person.handle],
    subject: 'Consular visit',
    body: 'Visit scheduled for Thursday.',
    label: 'RESTRICTED',
    precedence: 'ROUTINE',
  });
  await recipient.sync();
  const opened = await recipient.read(sent.id);
  expect(opened.subject).toBe('Consular visit');
  await recipient.read(sent.id); // re-reading a read message is not a new access

  const send = (await eventsOf('send')).filter((e) => e.details.message === sent.id);
  expect(send).toHaveLength(1);
  expect(send[0]).toMatchObject({ actor: { person: sender.identity.person.handle }, details: { label: 'RESTRICTED', recipients: 1 } });
  const added = (await eventsOf('membership-change')).filter((e) =>
    (e.details.added as { person: string }[]).some((a) => a.person === recipient.identity.person.handle),
  );
  expect(added.length).toBeGreaterThanOrEqual(1);
  const delivered = (await eventsOf('deliver')).filter((e) => (e.details.payloads as string[]).includes(sent.id));
  expect(delivered.map((e) => e.actor.person)).toEqual([recipient.identity.person.handle]);
  const reads = (await eventsOf('read')).filter((e) => e.details.message === sent.id);
  expect(reads.map((e) => e.actor.person)).toEqual([recipient.identity.person.handle]);
  // Nothing of the content is in any event.
  expect(JSON.stringify([send, added, delivered, reads])).not.toMatch(/Consular|Thursday/);

  // Every one of them is in a signed checkpoint's tree.
  const logged = await waitFor('a checkpoint covering the events', async () => {
    const res = await fetch(`${server.url}/log/checkpoint`);
    const size = Number((await res.text()).split('\n')[1]);
    return size >= 4 ? size : undefined;
  });
  expect(logged).toBeGreaterThanOrEqual(4);
}, 120_000);

it('opens the events to the security officer, each verified against the signed log, and detects a changed one', async () => {
  const page = await officer.auditEvents({ order: 'desc', limit: 200 });
  expect(page.events.length).toBeGreaterThan(4);
  const types = new Set(page.events.map((e) => e.event.type));
  for (const t of ['send', 'deliver', 'read', 'membership-change', 'device-enrol']) expect(types.has(t as never), t).toBe(true);
  // Others see only what they did themselves.
  const own = await sender.auditEvents({ limit: 1000 });
  expect(own.events.length).toBeGreaterThan(0);
  expect(own.events.every((e) => e.event.actor.person === sender.identity.person.handle)).toBe(true);

  // The operator's database is changed behind the log's back: the opened event no longer matches.
  const [newestSend] = (await officer.auditEvents({ order: 'desc', limit: 1, type: 'send' })).events;
  expect(newestSend).toBeDefined();
  const db = new DatabaseSync(join(server.dataDir, 'valise.db'));
  try {
    const row = db.prepare('SELECT event FROM log_events WHERE idx = ?').get(newestSend!.index) as { event: string };
    db.prepare('UPDATE log_events SET event = ? WHERE idx = ?').run(
      row.event.replace('"recipients":1', '"recipients":0'),
      newestSend!.index,
    );
  } finally {
    db.close();
  }
  await expect(officer.auditEvents({ order: 'desc', limit: 1, type: 'send' })).rejects.toSatisfy((err: unknown) =>
    hasCode(err, 'AUDIT_EVENT_MISMATCH'),
  );
}, 120_000);
