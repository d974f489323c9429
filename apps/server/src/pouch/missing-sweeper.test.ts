/**
 * Missing pouches on the injected clock: a pouch whose next hop is overdue is reported once, as
 * an 'alert' in the audit log naming both units and their security officers, pushed to those
 * officers' devices and listed for them; a hand-over sets a new deadline, which is watched again.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BusEvent } from '../bus/bus.ts';
import { listSecurityEvents } from '../policy/security-events.ts';
import { DIALECTS } from '../testing/databases.ts';
import { call, errorCode } from '../testing/http.ts';
import { HQ, login as loginDevice } from '../testing/world.ts';
import { startMissingPouchSweeper } from './missing-sweeper.ts';
import { createPouchWorld, deliver, EMBASSY, type PouchWorld, postReceipt, receiptBy, sealWith } from './test-world.ts';

const MINUTE = 60_000;

describe.each(DIALECTS)('missing pouches on %s', (dialect) => {
  let w: PouchWorld;
  beforeAll(async () => {
    w = await createPouchWorld(dialect);
  }, 60_000);
  afterAll(() => w?.server.close());

  it('reports an overdue pouch once to the security officers of both units, and again after a late hop', async () => {
    const custody = w.server.app.services.custody;
    const pouch = await sealWith(w.sender);
    await deliver(w, pouch, { expectedHours: 0.5 });
    const pushed: BusEvent[] = [];
    const unsubscribe = [w.heidi, w.frank, w.bob].map((p) => w.server.world.bus.subscribe(p.device.deviceId, (e) => pushed.push(e)));

    expect(await custody.sweepMissing()).toEqual([]);
    w.server.world.clock.advance(31 * MINUTE);
    expect(await custody.sweepMissing()).toEqual([pouch.id]);
    expect(await custody.sweepMissing()).toEqual([]);

    const alerts = (await listSecurityEvents(w.server.world.tdb.db, { type: 'alert' })).events.filter(
      (e) => e.target === `pouch:${pouch.id}`,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      code: 'POUCH_MISSING',
      details: { senderUnit: HQ, consigneeUnit: EMBASSY, holder: w.sender.person, officers: [w.frank.person, w.heidi.person].sort() },
    });
    expect(
      pushed
        .filter((e) => e.type === 'pouch')
        .map((e) => e.deviceId)
        .sort(),
    ).toEqual([w.frank.device.deviceId, w.heidi.device.deviceId].sort());

    // The officers see it in their list, and in the security events; others do not.
    // Sessions last an hour: log in again on the moved clock.
    const login = async (p: typeof w.heidi) => (await loginDevice(w.server.world, p.device)).token;
    for (const officer of [w.heidi, w.frank]) {
      const token = await login(officer);
      const list = await call(w.server.app, 'GET', '/api/v1/pouches?box=missing', { token });
      expect(list.json().pouches.map((p: { id: string }) => p.id)).toEqual([pouch.id]);
      const events = await call(w.server.app, 'GET', '/api/v1/admin/security-events?type=alert', { token });
      expect(events.json().events.some((e: { target: string }) => e.target === `pouch:${pouch.id}`)).toBe(true);
    }
    const bob = await call(w.server.app, 'GET', '/api/v1/pouches?box=missing', { token: await login(w.bob) });
    expect([bob.statusCode, errorCode(bob)]).toEqual([403, 'FORBIDDEN']);
    const track = await call(w.server.app, 'GET', `/api/v1/pouches/${pouch.id}/track`, { token: await login(w.sender) });
    expect(track.json()).toMatchObject({ missing: true, pouch: { missingSince: expect.any(String) } });

    // The courier turns up late: the pouch is found, and its next hop is watched again.
    const courierToken = await login(w.courier);
    const late = await receiptBy(w.courier, pouch, w.sender, { time: w.server.world.clock.now().getTime() });
    const r = await call(w.server.app, 'POST', `/api/v1/pouches/${pouch.id}/receipts`, {
      token: courierToken,
      body: { receipt: Buffer.from(late).toString('base64url') },
    });
    expect(r.json().pouch).toMatchObject({ missingSince: null, holder: w.courier.person });
    w.server.world.clock.advance(31 * MINUTE);
    expect(await custody.sweepMissing()).toEqual([pouch.id]);
    const again = (await listSecurityEvents(w.server.world.tdb.db, { type: 'alert' })).events.filter(
      (e) => e.target === `pouch:${pouch.id}`,
    );
    expect(again.map((e) => e.details.holder)).toEqual([w.sender.person, w.courier.person]);
    for (const u of unsubscribe) u();
  });

  it('never reports a pouch the consignee unit holds', async () => {
    const custody = w.server.app.services.custody;
    const pouch = await sealWith(w.sender);
    w.sender.token = (await loginDevice(w.server.world, w.sender.device)).token;
    await deliver(w, pouch, { expectedHours: 0.5 });
    const bob = { ...w.bob, token: (await loginDevice(w.server.world, w.bob.device)).token };
    const receipt = await receiptBy(bob, pouch, w.sender, { time: w.server.world.clock.now().getTime() });
    expect((await postReceipt(w, bob, pouch.id, receipt)).json().pouch.status).toBe('received');
    w.server.world.clock.advance(24 * 60 * MINUTE);
    expect(await custody.sweepMissing()).not.toContain(pouch.id);
  });
});

describe('the missing pouch sweeper', () => {
  it('sweeps at start and every interval, logs failures, and stops', async () => {
    vi.useFakeTimers();
    try {
      let runs = 0;
      const warned: unknown[] = [];
      const failed: unknown[] = [];
      const stop = startMissingPouchSweeper(
        {
          sweepMissing: async () => {
            runs++;
            if (runs === 2) throw new Error('database unavailable');
            return runs === 3 ? ['AAAAAAAAAAAAAAAAAAAAAA'] : [];
          },
        },
        { warn: (o: unknown) => warned.push(o), error: (o: unknown) => failed.push(o) },
        1000,
      );
      await vi.advanceTimersByTimeAsync(2000);
      expect(runs).toBe(3);
      expect(failed).toHaveLength(1);
      expect(warned).toHaveLength(1);
      await stop();
      await vi.advanceTimersByTimeAsync(5000);
      expect(runs).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
