/**
 * The pouch transport through the real server: announce, resumable upload, verification,
 * delivery to the consignee unit's cleared members, ranged download with the custody receipts
 * appended, hand-overs recorded in the audit log, and tracking — on SQLite and PostgreSQL.
 */
import { fromHex, verifyPouch } from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSecurityEvents } from '../policy/security-events.ts';
import { DIALECTS } from '../testing/databases.ts';
import { call, errorCode } from '../testing/http.ts';
import { crypto } from '../testing/world.ts';
import { announce, createPouchWorld, deliver, EMBASSY, type PouchWorld, postReceipt, putChunk, receiptBy, sealWith } from './test-world.ts';

describe.each(DIALECTS)('pouch transport on %s', (dialect) => {
  let w: PouchWorld;
  beforeAll(async () => {
    w = await createPouchWorld(dialect);
  }, 60_000);
  afterAll(() => w?.server.close());

  const get = (who: { token: string }, url: string, headers: Record<string, string> = {}) =>
    call(w.server.app, 'GET', url, { token: who.token, headers });

  it('uploads in resumable chunks, verifies, and delivers to the cleared members of the consignee unit', async () => {
    const pouch = await sealWith(w.sender, { size: 600_000 });
    const created = await announce(w, w.sender, pouch, { expectedHours: 24 });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({
      uploadUrl: `/api/v1/pouches/${pouch.id}/content`,
      pouch: {
        id: pouch.id,
        status: 'uploading',
        received: 0,
        size: pouch.bytes.length,
        consigneeUnit: EMBASSY,
        label: 'SECRET',
        holder: w.sender.person,
      },
    });

    const first = await putChunk(w, w.sender, pouch.id, 0, pouch.bytes.subarray(0, 250_000));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ received: 250_000, status: 'uploading' });
    // A client that lost track asks where to continue, and announcing again resumes too.
    const probe = await get(w.sender, `/api/v1/pouches/${pouch.id}/upload`);
    expect(probe.headers['upload-offset']).toBe('250000');
    const again = await announce(w, w.sender, pouch, { expectedHours: 24 });
    expect(again.json().pouch.received).toBe(250_000);
    const head = await call(w.server.app, 'GET', `/api/v1/pouches/${pouch.id}/upload`, { token: w.sender.token });
    expect(head.json().received).toBe(250_000);

    const last = await putChunk(w, w.sender, pouch.id, 250_000, pouch.bytes.subarray(250_000));
    expect(last.statusCode).toBe(200);
    expect(last.json()).toMatchObject({ received: pouch.bytes.length, status: 'available' });

    const inbox = (await get(w.bob, '/api/v1/pouches?box=inbox')).json().pouches;
    expect(inbox.map((p: { id: string }) => p.id)).toContain(pouch.id);
    expect((await get(w.dave, '/api/v1/pouches')).json().pouches.map((p: { id: string }) => p.id)).not.toContain(pouch.id);
    expect((await get(w.carol, '/api/v1/pouches')).json().pouches).toEqual([]);
    const sent = (await get(w.sender, '/api/v1/pouches?box=sent')).json().pouches;
    expect(sent.find((p: { id: string }) => p.id === pouch.id)).toMatchObject({
      status: 'available',
      pouchDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    const whole = await get(w.bob, `/api/v1/pouches/${pouch.id}/content`);
    expect(whole.statusCode).toBe(200);
    expect(Buffer.compare(whole.rawPayload, Buffer.from(pouch.bytes))).toBe(0);
    const rest = await get(w.bob, `/api/v1/pouches/${pouch.id}/content`, { range: 'bytes=100000-' });
    expect(rest.statusCode).toBe(206);
    expect(rest.headers['content-range']).toBe(`bytes 100000-${pouch.bytes.length - 1}/${pouch.bytes.length}`);
    expect(Buffer.compare(rest.rawPayload, Buffer.from(pouch.bytes.subarray(100_000)))).toBe(0);

    const events = (await listSecurityEvents(w.server.world.tdb.db, { type: 'send' })).events.filter(
      (e) => e.target === `pouch:${pouch.id}`,
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.details).toMatchObject({ kind: 'pouch', consigneeUnit: EMBASSY, label: 'SECRET' });
  });

  it('records each hand-over, appends the receipts to downloads, and tracks the pouch', async () => {
    const pouch = await sealWith(w.sender);
    await deliver(w, pouch);
    const first = await receiptBy(w.courier, pouch, w.sender, { place: 'Freedonia City airport' });
    const r1 = await postReceipt(w, w.courier, pouch.id, first);
    expect(r1.statusCode).toBe(200);
    expect(r1.json()).toMatchObject({
      hop: { sequence: 1, place: 'Freedonia City airport', taker: { handle: w.courier.person } },
      pouch: { holder: w.courier.person, hops: 1, status: 'available' },
    });
    // Reporting the same receipt again changes nothing.
    expect((await postReceipt(w, w.courier, pouch.id, first)).json().pouch.hops).toBe(1);

    w.server.world.clock.advance(10 * 60_000);
    const second = await receiptBy(w.bob, pouch, w.sender, {
      previous: first,
      place: 'Embassy, Sylvania',
      time: Date.parse('2026-11-23T09:10:00Z'),
    });
    const r2 = await postReceipt(w, w.bob, pouch.id, second);
    expect(r2.statusCode).toBe(200);
    expect(r2.json().pouch).toMatchObject({ holder: w.bob.person, hops: 2, status: 'received', expectedBy: null });

    const handovers = (await listSecurityEvents(w.server.world.tdb.db, { type: 'custody-handover' })).events.filter(
      (e) => e.target === `pouch:${pouch.id}`,
    );
    expect(handovers.map((e) => [e.details.sequence, e.details.taker, e.details.place])).toEqual([
      [1, w.courier.person, 'Freedonia City airport'],
      [2, w.bob.person, 'Embassy, Sylvania'],
    ]);
    expect(handovers[0]?.details.pouchDigest).toBe(Buffer.from(pouch.pouchDigest).toString('hex'));

    // The download carries the whole chain; an opener verifies it against the directory's keys.
    const bytes = new Uint8Array((await get(w.bob, `/api/v1/pouches/${pouch.id}/content`)).rawPayload);
    expect(bytes.length).toBeGreaterThan(pouch.bytes.length);
    const keys = new Map([
      [w.courier.device.deviceId, w.courier.device.keys.publicKey],
      [w.bob.device.deviceId, w.bob.device.keys.publicKey],
    ]);
    const verified = await verifyPouch(crypto, [bytes], {
      custody: { trust: (t) => keys.get(t.deviceId), consignee: (t) => t.handle === w.bob.person },
    });
    expect(verified.custody?.map((h) => h.taker.handle)).toEqual([w.courier.person, w.bob.person]);
    expect(fromHex(handovers[1]?.details.receiptDigest as string)).toEqual(verified.custody?.[1]?.receiptDigest);

    for (const who of [w.sender, w.bob, w.heidi, w.frank, w.courier]) {
      const t = await get(who, `/api/v1/pouches/${pouch.id}/track`);
      expect(t.statusCode).toBe(200);
      expect(t.json()).toMatchObject({ missing: false, pouch: { status: 'received', holder: w.bob.person } });
      expect(t.json().hops.map((h: { sequence: number; place: string }) => [h.sequence, h.place])).toEqual([
        [1, 'Freedonia City airport'],
        [2, 'Embassy, Sylvania'],
      ]);
    }
    for (const who of [w.carol, w.dave]) expect((await get(who, `/api/v1/pouches/${pouch.id}/track`)).statusCode).toBe(403);
    expect(errorCode(await get(w.carol, `/api/v1/pouches/${pouch.id}/track`))).toBe('FORBIDDEN');
  });
});
