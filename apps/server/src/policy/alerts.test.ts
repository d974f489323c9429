/**
 * Acknowledging alerts (POST /api/v1/alerts/:id/acknowledge), on SQLite and PostgreSQL: a security
 * officer's acknowledgement is an 'alert' security event in the audit log, given once; attacks —
 * a person without the role, an unknown id, an event that is not an alert, malformed ids and
 * bodies — are refused with their code and change nothing but the record of a denial.
 */
import { ALERT_ACKNOWLEDGED, type AlertAcknowledgement } from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logSize } from '../audit/store.ts';
import { countRows, DIALECTS } from '../testing/databases.ts';
import { call, createTestServer, errorCode, type TestServer } from '../testing/http.ts';
import { member } from '../testing/world.ts';
import { recordSecurityEvent } from './security-events.ts';

type Member = Awaited<ReturnType<typeof member>>;

describe.each(DIALECTS)('alert acknowledgement on %s', (dialect) => {
  let server: TestServer;
  let officer: Member;
  let officer2: Member;
  let mallory: Member;
  let alertId: string;
  const db = () => server.world.tdb.db;
  const ack = (id: string, who: Member, body: unknown = { note: 'Checked with the owner: it was theirs.' }) =>
    call(server.app, 'POST', `/api/v1/alerts/${id}/acknowledge`, { token: who.token, body });
  const acknowledgements = () =>
    db().selectFrom('security_events').selectAll().where('code', '=', ALERT_ACKNOWLEDGED).orderBy('id').execute();

  /** Refused with this status and code; nothing changes but, for 403, one access-denied record. */
  /** Refused with this status and code; nothing changes but, for 403, the record of the denial. */
  const eventCount = async () => (await db().selectFrom('security_events').select('id').execute()).length;

  async function refused(attempt: () => ReturnType<typeof ack>, status: number, code: string) {
    const before = { rows: await countRows(db()), events: await eventCount(), log: await logSize(db()) };
    const res = await attempt();
    expect(res.statusCode, res.body).toBe(status);
    expect(errorCode(res)).toBe(code);
    expect(await countRows(db())).toEqual(before.rows);
    // A 403 is recorded (one access-denied event, in the log); anything else records nothing.
    const recorded = status === 403 ? 1 : 0;
    expect(await eventCount()).toBe(before.events + recorded);
    expect(await logSize(db())).toBe(before.log + recorded);
    if (status === 403) {
      const denial = await db().selectFrom('security_events').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      expect(denial).toMatchObject({ type: 'access-denied', code: 'FORBIDDEN', target: `alert:${alertId}` });
      expect(JSON.parse(denial.details)).toMatchObject({ action: 'acknowledge-alert' });
    }
  }

  beforeAll(async () => {
    server = await createTestServer(dialect);
    const w = server.world;
    officer = await member(w, 'officer', ['user', 'security-officer'], 'TOP SECRET');
    officer2 = await member(w, 'officer2', ['user', 'security-officer'], 'TOP SECRET');
    mallory = await member(w, 'mallory', ['user'], 'TOP SECRET');
    alertId = await recordSecurityEvent(db(), w.ctx, {
      type: 'alert',
      actor: { person: mallory.person, device: mallory.device.deviceId },
      target: 'device:01J00000000000000000000000',
      code: 'KT_UNKNOWN_DEVICE',
      details: { kind: 'device-not-enrolled-by-person', person: mallory.person },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses a person who is not a security officer, and records the attempt', async () => {
    await refused(() => ack(alertId, mallory), 403, 'FORBIDDEN');
    expect(await acknowledgements()).toEqual([]);
  });

  it('refuses unknown ids, events that are not alerts, and malformed ids and notes', async () => {
    await refused(() => ack('01J00000000000000000000000', officer), 404, 'NOT_FOUND');
    const notAnAlert = await recordSecurityEvent(db(), server.world.ctx, {
      type: 'export',
      actor: { person: mallory.person, device: null },
      target: null,
      code: null,
      details: {},
    });
    await refused(() => ack(notAnAlert, officer), 404, 'NOT_FOUND');
    for (const id of ['not-an-id', '01j00000000000000000000000x', '01J0000000000000000000000U'])
      await refused(() => ack(id, officer), 400, 'BAD_REQUEST');
    for (const body of [{}, { note: '' }, { note: '   ' }, { note: 'x'.repeat(1001) }, { note: 'ok', extra: true }, { note: 7 }, 'note']) {
      await refused(() => ack(alertId, officer, body), 400, 'BAD_REQUEST');
    }
    expect(await acknowledgements()).toEqual([]);
  });

  it('records the acknowledgement in the audit log once; acknowledging again returns the first', async () => {
    const logBefore = await logSize(db());
    const res = await ack(alertId, officer);
    expect(res.statusCode, res.body).toBe(200);
    const first = res.json() as AlertAcknowledgement;
    expect(first).toMatchObject({
      alert: alertId,
      acknowledgedBy: officer.person,
      note: 'Checked with the owner: it was theirs.',
      already: false,
    });
    expect(await logSize(db())).toBe(logBefore + 1);
    const [row] = await acknowledgements();
    expect(row).toMatchObject({ id: first.id, type: 'alert', target: `alert:${alertId}`, actor_person: officer.person });
    expect(JSON.parse(row!.details)).toEqual({ acknowledges: alertId, note: 'Checked with the owner: it was theirs.' });

    const before = await countRows(db());
    const again = await ack(alertId, officer2, { note: 'Me too.' });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual({ ...first, already: true });
    expect(await countRows(db())).toEqual(before);

    // An acknowledgement is not itself an alert to acknowledge.
    await refused(() => ack(first.id, officer2), 404, 'NOT_FOUND');
  });

  it('lists acknowledgements with the alerts security officers read', async () => {
    const res = await call(server.app, 'GET', '/api/v1/admin/security-events?type=alert', { token: officer.token });
    const events = (res.json() as { events: { id: string; code: string; target: string }[] }).events;
    expect(events.map((e) => e.code)).toEqual(['KT_UNKNOWN_DEVICE', ALERT_ACKNOWLEDGED]);
    expect(events[1]!.target).toBe(`alert:${alertId}`);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await call(server.app, 'GET', '/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/api/v1/alerts/{id}/acknowledge'] ?? {})).toEqual(['post']);
  });
});
