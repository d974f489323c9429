/**
 * Attacks on the pouch transport: every one is refused with a precise code, changes nothing, and
 * — when it is a refusal of access — is recorded as a security event. SQLite and PostgreSQL.
 */
import { toBase64Url } from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSecurityEvents } from '../policy/security-events.ts';
import { countRows, DIALECTS } from '../testing/databases.ts';
import { call, errorCode } from '../testing/http.ts';
import { crypto } from '../testing/world.ts';
import {
  announce,
  createPouchWorld,
  deliver,
  type Party,
  type PouchWorld,
  postReceipt,
  putChunk,
  receiptBy,
  sealWith,
} from './test-world.ts';

describe.each(DIALECTS)('pouch transport attacks on %s', (dialect) => {
  let w: PouchWorld;
  beforeAll(async () => {
    w = await createPouchWorld(dialect);
  }, 60_000);
  afterAll(() => w?.server.close());

  const db = () => w.server.world.tdb.db;
  const denials = async (target: string) =>
    (await listSecurityEvents(db(), { type: 'access-denied', limit: 1000 })).events.filter((e) => e.target === target);
  const get = (who: Party | undefined, url: string, headers: Record<string, string> = {}) =>
    call(w.server.app, 'GET', url, { ...(who ? { token: who.token } : {}), headers });

  it('refuses the unauthenticated on every route', async () => {
    const pouch = await sealWith(w.sender);
    const id = pouch.id;
    const responses = [
      await call(w.server.app, 'POST', '/api/v1/pouches', { body: { header: toBase64Url(pouch.header), size: pouch.bytes.length } }),
      await call(w.server.app, 'PUT', `/api/v1/pouches/${id}/content`, { body: pouch.bytes, headers: { 'upload-offset': '0' } }),
      await get(undefined, `/api/v1/pouches/${id}/content`),
      await get(undefined, `/api/v1/pouches/${id}/upload`),
      await get(undefined, `/api/v1/pouches/${id}/track`),
      await get(undefined, '/api/v1/pouches'),
      await call(w.server.app, 'POST', `/api/v1/pouches/${id}/receipts`, { body: { receipt: 'AAAA' } }),
    ];
    for (const r of responses) expect([r.statusCode, errorCode(r)]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('refuses an announcement by another device than the sealer, and records the refusal', async () => {
    const pouch = await sealWith(w.sender);
    const before = await countRows(db());
    const r = await announce(w, w.bob, pouch);
    expect([r.statusCode, errorCode(r)]).toEqual([403, 'FORBIDDEN']);
    expect(await countRows(db())).toEqual(before);
    expect(await denials(`pouch:${pouch.id}`)).toHaveLength(1);
  });

  it('refuses bad headers: tampered marks, extra bytes, a wrong size, an unknown unit, a label above the sender', async () => {
    const before = await countRows(db());
    const pouch = await sealWith(w.sender);
    const tampered = { ...pouch, header: pouch.header.slice() };
    tampered.header[40] = (tampered.header[40] as number) ^ 1;
    expect(errorCode(await announce(w, w.sender, tampered))).toBe('POUCH_MARKS_TAMPERED');
    const longer = { ...pouch, header: pouch.bytes.slice(0, pouch.header.length + 10) };
    expect(errorCode(await announce(w, w.sender, longer))).toBe('BAD_REQUEST');
    const wrongSize = await call(w.server.app, 'POST', '/api/v1/pouches', {
      token: w.sender.token,
      body: { header: toBase64Url(pouch.header), size: pouch.bytes.length + 1 },
    });
    expect([wrongSize.statusCode, errorCode(wrongSize)]).toEqual([400, 'BAD_REQUEST']);
    const nowhere = await sealWith(w.sender, { consignee: 'embassy-atlantis@mfa.testland.example' });
    expect(errorCode(await announce(w, w.sender, nowhere))).toBe('POUCH_UNKNOWN_UNIT');
    const above = await sealWith(w.courier, { label: 'SECRET' });
    const r = await announce(w, w.courier, above);
    expect([r.statusCode, errorCode(r)]).toEqual([403, 'LABEL_NOT_DOMINATED']);
    expect(await denials(`pouch:${above.id}`)).toHaveLength(1);
    expect(await countRows(db())).toEqual(before);
  });

  it('refuses uploads by others, at a wrong offset, or larger than what is left', async () => {
    const pouch = await sealWith(w.sender, { size: 5000 });
    expect((await announce(w, w.sender, pouch)).statusCode).toBe(200);
    const other = await putChunk(w, w.bob, pouch.id, 0, pouch.bytes);
    expect([other.statusCode, errorCode(other)]).toEqual([403, 'FORBIDDEN']);
    expect(await denials(`pouch:${pouch.id}`)).toHaveLength(1);

    expect((await putChunk(w, w.sender, pouch.id, 0, pouch.bytes.subarray(0, 1000))).statusCode).toBe(200);
    const wrong = await putChunk(w, w.sender, pouch.id, 500, pouch.bytes.subarray(500, 2000));
    expect([wrong.statusCode, errorCode(wrong)]).toEqual([409, 'POUCH_OFFSET_MISMATCH']);
    expect(wrong.headers['upload-offset']).toBe('1000');

    const asJson = await call(w.server.app, 'PUT', `/api/v1/pouches/${pouch.id}/content`, {
      token: w.sender.token,
      body: { bytes: 'AAAA' },
      headers: { 'upload-offset': '1000' },
    });
    expect([asJson.statusCode, errorCode(asJson)]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const noOffset = await call(w.server.app, 'PUT', `/api/v1/pouches/${pouch.id}/content`, { token: w.sender.token, body: pouch.bytes });
    expect(noOffset.statusCode).toBe(400);
    const tooBig = await putChunk(w, w.sender, pouch.id, 1000, new Uint8Array(pouch.bytes.length));
    expect([tooBig.statusCode, errorCode(tooBig)]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect((await get(w.sender, `/api/v1/pouches/${pouch.id}/upload`)).json().received).toBe(1000);
    // Not available yet: nothing to download, no custody to record.
    expect(errorCode(await get(w.bob, `/api/v1/pouches/${pouch.id}/content`))).toBe('POUCH_NOT_AVAILABLE');
  });

  it('rejects a pouch whose bytes do not verify, deletes them, and lets the sender start over', async () => {
    const pouch = await sealWith(w.sender, { size: 3000 });
    expect((await announce(w, w.sender, pouch)).statusCode).toBe(200);
    const flipped = pouch.bytes.slice();
    flipped[pouch.header.length + 100] = (flipped[pouch.header.length + 100] as number) ^ 1;
    const r = await putChunk(w, w.sender, pouch.id, 0, flipped);
    expect([r.statusCode, errorCode(r)]).toEqual([422, 'POUCH_SEAL_BROKEN']);
    const status = (await get(w.sender, `/api/v1/pouches/${pouch.id}/upload`)).json();
    expect(status).toMatchObject({ status: 'rejected', received: 0 });
    expect((await get(w.bob, '/api/v1/pouches')).json().pouches.map((p: { id: string }) => p.id)).not.toContain(pouch.id);
    expect(errorCode(await putChunk(w, w.sender, pouch.id, 0, pouch.bytes))).toBe('POUCH_REJECTED');
    expect((await announce(w, w.sender, pouch)).json().pouch).toMatchObject({ status: 'uploading', received: 0 });
    expect((await putChunk(w, w.sender, pouch.id, 0, pouch.bytes)).json().status).toBe('available');
  });

  it('refuses downloads by an uncleared member, another unit and a courier, and records each', async () => {
    const pouch = await sealWith(w.sender);
    await deliver(w, pouch);
    const url = `/api/v1/pouches/${pouch.id}/content`;
    const dave = await get(w.dave, url);
    expect([dave.statusCode, errorCode(dave)]).toEqual([403, 'LABEL_NOT_DOMINATED']);
    const carol = await get(w.carol, url);
    expect([carol.statusCode, errorCode(carol)]).toEqual([403, 'FORBIDDEN']);
    expect((await get(w.courier, url)).statusCode).toBe(403);
    expect((await denials(`pouch:${pouch.id}`)).map((e) => e.actor.person)).toEqual([w.dave.person, w.carol.person, w.courier.person]);
    const outOfRange = await get(w.bob, url, { range: `bytes=${pouch.bytes.length}-` });
    expect(outOfRange.statusCode).toBe(416);
    expect(outOfRange.headers['content-range']).toBe(`bytes */${pouch.bytes.length}`);
    expect((await get(w.bob, '/api/v1/pouches/AAAAAAAAAAAAAAAAAAAAAA/content')).statusCode).toBe(404);
  });

  it('refuses forged, reordered, foreign and misreported receipts, recording nothing', async () => {
    const pouch = await sealWith(w.sender);
    await deliver(w, pouch);
    const other = await sealWith(w.sender);
    await deliver(w, other);
    const before = await countRows(db());

    // Signed with another key than the directory's for the courier's device.
    const forged = await receiptBy({ ...w.courier, device: { ...w.courier.device, keys: w.carol.device.keys } }, pouch, w.sender);
    expect(errorCode(await postReceipt(w, w.courier, pouch.id, forged))).toBe('POUCH_RECEIPT_FORGED');
    // A second hand-over reported before the first.
    const first = await receiptBy(w.courier, pouch, w.sender);
    const second = await receiptBy(w.bob, pouch, w.sender, { previous: first });
    expect(errorCode(await postReceipt(w, w.bob, pouch.id, second))).toBe('POUCH_RECEIPT_MISSING');
    // A receipt for another pouch.
    const foreign = await receiptBy(w.courier, other, w.sender);
    expect(errorCode(await postReceipt(w, w.courier, pouch.id, foreign))).toBe('POUCH_RECEIPT_FOR_OTHER_POUCH');
    // Reported by someone else than its taker.
    const misreported = await postReceipt(w, w.bob, pouch.id, first);
    expect([misreported.statusCode, errorCode(misreported)]).toEqual([403, 'FORBIDDEN']);
    // Garbage, and a receipt dated tomorrow.
    expect(errorCode(await postReceipt(w, w.courier, pouch.id, crypto.randomBytes(100)))).toBe('POUCH_BAD_FORMAT');
    const future = await receiptBy(w.courier, pouch, w.sender, { time: Date.parse('2026-11-24T09:00:00Z') });
    expect(errorCode(await postReceipt(w, w.courier, pouch.id, future))).toBe('POUCH_RECEIPT_TIME');
    expect(await countRows(db())).toEqual(before);
    expect((await listSecurityEvents(db(), { type: 'custody-handover' })).events.filter((e) => e.target === `pouch:${pouch.id}`)).toEqual(
      [],
    );

    // A chain that forks: once the first hand-over is recorded, another first one is out of order.
    expect((await postReceipt(w, w.courier, pouch.id, first)).statusCode).toBe(200);
    const fork = await receiptBy(w.carol, pouch, w.sender);
    expect(errorCode(await postReceipt(w, w.carol, pouch.id, fork))).toBe('POUCH_RECEIPT_OUT_OF_ORDER');
  });
});
