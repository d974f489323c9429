/**
 * Key transparency end to end, with the real server process and real SDK clients: a send checks
 * the recipient's device key is in the audit log; a malicious server (a fetch that rewrites its
 * answers) serving a device or key it did not log is refused; a second device enrolled for alice
 * raises an alert on her first device and a security event the security officer sees; a pouch is
 * sealed only to pouch keys the log publishes; a client
 * that saw a checkpoint refuses a rolled-back or forked one.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Device,
  ed25519NoteSigner,
  generateHybridKeyPair,
  generateXWingKeyPair,
  hasCode,
  mlDsa44CosignatureSigner,
  signCheckpoint,
  signHybrid,
  toBase64Url,
  utf8,
} from '@valise/protocol';
import { aeadStorageCipher, type FetchLike, lastVerifiedCheckpoint, MemoryStore, ValiseClient } from '@valise/sdk';
import { nodeCryptoProvider, nodeMlsNative } from '@valise/sdk/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolClient } from '../helpers/clients.ts';
import { demoPerson, type RunningServer, startDemoServer, waitFor } from '../helpers/server.ts';

/** The malicious server: answers may be replaced (JSON rewritten, or a whole response served). */
interface Tamper {
  rewrite?: (path: string, body: unknown) => unknown;
  replace?: (path: string) => Response | undefined | Promise<Response | undefined>;
}

function tamperingFetch(tamper: Tamper): FetchLike {
  return async (input, init) => {
    const url = new URL(input);
    const path = url.pathname + url.search;
    const replaced = await tamper.replace?.(path);
    if (replaced) return replaced;
    const res = await fetch(input, init);
    if (!tamper.rewrite || !res.ok || !(res.headers.get('content-type') ?? '').includes('application/json')) return res;
    const body = await res.json();
    return new Response(JSON.stringify(tamper.rewrite(path, body) ?? body), {
      status: res.status,
      headers: { 'content-type': 'application/json' },
    });
  };
}

function enrolBehind(tamper: Tamper, serverUrl: string, code: string, deviceName: string): Promise<ValiseClient> {
  return ValiseClient.enrol(
    {
      crypto: nodeCryptoProvider,
      mlsNative: nodeMlsNative,
      store: new MemoryStore(),
      cipher: aeadStorageCipher(nodeCryptoProvider, nodeCryptoProvider.randomBytes(32)),
      fetch: tamperingFetch(tamper),
    },
    { serverUrl, code, deviceName },
  );
}

const text = (body: string) => new Response(body, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });

let server: RunningServer;
let alice: ValiseClient;
let bob: ValiseClient;
let frank: ValiseClient; // security officer
let carol: ValiseClient; // sends through a server that lies
let dave: ValiseClient; // watches checkpoints through a server that lies
const carolSide: Tamper = {};
const daveSide: Tamper = {};

beforeAll(async () => {
  server = await startDemoServer();
  const users = server.people.filter(
    (p) => p.roles.includes('user') && !p.roles.includes('security-officer') && !p.roles.includes('admin'),
  );
  expect(users.length).toBeGreaterThanOrEqual(4);
  const so = demoPerson(server, (p) => p.roles.includes('security-officer'));
  [alice, bob, frank, carol, dave] = await Promise.all([
    enrolClient(server.url, (users[0] as { code: string }).code, 'alice-laptop'),
    enrolClient(server.url, (users[1] as { code: string }).code, 'bob-laptop'),
    enrolClient(server.url, so.code, 'frank-laptop'),
    enrolBehind(carolSide, server.url, (users[2] as { code: string }).code, 'carol-laptop'),
    enrolBehind(daveSide, server.url, (users[3] as { code: string }).code, 'dave-laptop'),
  ]);
}, 120_000);

afterAll(async () => {
  for (const c of [alice, bob, frank, carol, dave]) c?.close();
  await server?.stop();
});

describe('key transparency', () => {
  it('checks the recipient device is in the log before a send, once', async () => {
    const sent = await alice.sendCable({ to: [bob.identity.person.handle], subject: 'kt', body: 'checked', label: 'RESTRICTED' });
    const verified = await alice.core.store.getJson<{ person: string; fingerprint: string }>(`kt/device/${bob.identity.deviceId}`);
    expect(verified).toMatchObject({
      person: bob.identity.person.handle,
      fingerprint: toBase64Url(await nodeCryptoProvider.sha256(new Uint8Array(Buffer.from(bob.identity.identityPublicKey, 'base64url')))),
    });
    expect((await lastVerifiedCheckpoint(alice.core))?.size).toBeGreaterThan(0);
    const synced = await bob.sync();
    expect(synced.problems).toEqual([]);
    expect((await bob.read(sent.id)).body).toBe('checked');
  });

  it('refuses a device the server did not log, and a key the log does not hold', async () => {
    const intruder = await generateHybridKeyPair(nodeCryptoProvider);
    const fake: Device = {
      id: '01J0000000000000000000FAKE',
      person: bob.identity.person.handle,
      name: 'bob-phone',
      identityKey: toBase64Url(intruder.publicKey),
      enrolledAt: new Date().toISOString(),
      revokedAt: null,
    };
    const bobDevices = `/api/v1/directory/people/${encodeURIComponent(bob.identity.person.handle)}/devices`;
    // A device slipped into bob's list that was never enrolled through the log.
    carolSide.rewrite = (path, body) => (path === bobDevices ? [...(body as Device[]), fake] : undefined);
    await expect(carol.sendCable({ to: [bob.identity.person.handle], subject: 's', body: 'b', label: 'RESTRICTED' })).rejects.toSatisfy(
      (e) => hasCode(e, 'KT_DEVICE_NOT_PUBLISHED') && String((e as Error).message).includes(fake.id),
    );
    // Bob's real device with the intruder's key in its place.
    carolSide.rewrite = (path, body) =>
      path === bobDevices ? (body as Device[]).map((d) => ({ ...d, identityKey: fake.identityKey })) : undefined;
    await expect(carol.sendCable({ to: [bob.identity.person.handle], subject: 's', body: 'b', label: 'RESTRICTED' })).rejects.toSatisfy(
      (e) => hasCode(e, 'KT_DEVICE_NOT_PUBLISHED') && String((e as Error).message).includes('another key'),
    );
    carolSide.rewrite = undefined;
    const ok = await carol.sendCable({ to: [bob.identity.person.handle], subject: 's', body: 'honest again', label: 'RESTRICTED' });
    expect(ok.devices).toBeGreaterThan(0);
  });

  it('seals a pouch only to pouch keys the log publishes, and the recipient opens it', async () => {
    const intruder = await generateHybridKeyPair(nodeCryptoProvider);
    const xwing = await generateXWingKeyPair(nodeCryptoProvider);
    const bobDevices = `/api/v1/directory/people/${encodeURIComponent(bob.identity.person.handle)}/devices`;
    const unit = bob.identity.person.unit;
    const file = (bytes: Uint8Array) => [{ name: 'note.txt', mediaType: 'text/plain', size: bytes.length, stream: [bytes] }];
    const seal = () => carol.pouch.seal({ files: file(utf8('pouch')), toUnit: unit, label: 'RESTRICTED' });
    // Bob's device with a pouch key the server made up (it can only sign it with a key of its own).
    const substituted = {
      pouchKey: toBase64Url(xwing.publicKey),
      pouchKeySignature: toBase64Url(await signHybrid(nodeCryptoProvider, intruder.secretKey, 'pouch-key', xwing.publicKey)),
    };
    carolSide.rewrite = (path, body) => (path === bobDevices ? (body as Device[]).map((d) => ({ ...d, ...substituted })) : undefined);
    await expect(seal()).rejects.toSatisfy((e) => hasCode(e, 'KT_DEVICE_NOT_PUBLISHED') && /another pouch key/.test((e as Error).message));
    // Bob's device with its pouch key hidden, to drop it from the pouch quietly.
    carolSide.rewrite = (path, body) =>
      path === bobDevices ? (body as Device[]).map(({ pouchKey: _k, pouchKeySignature: _s, ...d }) => d) : undefined;
    await expect(seal()).rejects.toSatisfy((e) => hasCode(e, 'KT_DEVICE_NOT_PUBLISHED') && /withholds/.test((e as Error).message));
    carolSide.rewrite = undefined;

    const content = nodeCryptoProvider.randomBytes(200_000);
    const sealing = await carol.pouch.seal({ files: file(content), toUnit: unit, label: 'RESTRICTED' });
    expect(sealing.recipients.map((r) => r.deviceId)).toContain(bob.identity.deviceId);
    const chunks: Uint8Array[] = [];
    for await (const c of sealing.bytes) chunks.push(c);
    expect(sealing.result?.marks.sealNumber).toBe(sealing.sealNumber);
    const opened = await bob.pouch.open(chunks);
    const received: Uint8Array[] = [];
    for await (const d of opened.read()) for await (const c of d.content) received.push(new Uint8Array(c));
    expect(Buffer.compare(Buffer.concat(received), content)).toBe(0);
    expect(opened.pouchDigest).toBe(sealing.result?.pouchDigest);
    expect((await bob.pouch.verify(chunks)).senderChecked).toBe(true);
    // The same pouch again is reported, and refused on request.
    expect((await bob.pouch.open(chunks)).openedBefore).toBe(true);
    await expect(bob.pouch.open(chunks, { refuseReopen: true })).rejects.toSatisfy((e) => hasCode(e, 'POUCH_REPLAYED'));
  });

  it('alerts alice and the security officer when a device she did not enrol appears, until she trusts it', async () => {
    await alice.sync();
    expect(await alice.deviceAlerts()).toEqual([]);
    const code = await frank.admin.issueEnrolmentCode(alice.identity.person.handle);
    const second = await enrolClient(server.url, code.code, 'alice-phone');
    try {
      // The enrolment is scanned once a checkpoint covers it (the demo server makes one a second).
      const raised = await waitFor("the alert on alice's first device", async () => {
        const { alerts } = await alice.sync();
        return alerts.length > 0 ? alerts : undefined;
      });
      expect(raised.map((a) => a.deviceId)).toEqual([second.identity.deviceId]);
      const alerts = await alice.deviceAlerts();
      expect(alerts).toMatchObject([{ deviceId: second.identity.deviceId, person: alice.identity.person.handle, reported: true }]);
      // Reported once: a second scan raises nothing new.
      expect((await alice.sync()).alerts).toEqual([]);
      const seen = await frank.admin.securityEvents({ type: 'alert' });
      expect(seen.events).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            type: 'alert',
            target: `device:${second.identity.deviceId}`,
            actor: { person: alice.identity.person.handle, device: alice.identity.deviceId },
          }),
        ]),
      );
      // The new device knows the older one (enrolled before it): no alert there.
      expect((await second.sync()).alerts).toEqual([]);
      expect(await alice.trustDevice(second.identity.deviceId)).toHaveLength(1);
      expect(await alice.deviceAlerts()).toEqual([]);
    } finally {
      second.close();
    }
  });

  it('refuses a rolled-back, forked or re-keyed checkpoint once one was seen', async () => {
    const old = await (await fetch(`${server.url}/log/checkpoint`)).text();
    // Grow the log and let dave see the larger checkpoint.
    await alice.sendCable({ to: [bob.identity.person.handle], subject: 'grow', body: 'grow', label: 'RESTRICTED' });
    const deadline = Date.now() + 10_000;
    let seen = 0;
    const oldSize = Number(old.split('\n')[1]);
    while (Date.now() < deadline) {
      seen = (await dave.monitorDevices()).size;
      if (seen > oldSize) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen).toBeGreaterThan(oldSize);

    daveSide.replace = (path) => (path === '/log/checkpoint' ? text(old) : undefined);
    await expect(dave.monitorDevices()).rejects.toSatisfy((e) => hasCode(e, 'AUDIT_ROLLBACK'));

    // A fork: another tree of the same size, signed with the log's own keys (a compromised log).
    const stored = JSON.parse(await readFile(join(server.dataDir, 'log-keys.json'), 'utf8')) as { ed25519: string; mlDsa44: string };
    const origin = `${dave.identity.organisation.domain}/valise-log`;
    const sign = async (ed: Uint8Array, ml: Uint8Array, size: number) =>
      signCheckpoint({ origin, size, rootHash: nodeCryptoProvider.randomBytes(32), extensions: [] }, [
        await ed25519NoteSigner(nodeCryptoProvider, origin, ed),
        await mlDsa44CosignatureSigner(nodeCryptoProvider, origin, ml, () => 0),
      ]);
    const forked = await sign(Buffer.from(stored.ed25519, 'base64'), Buffer.from(stored.mlDsa44, 'base64'), seen);
    daveSide.replace = (path) => (path === '/log/checkpoint' ? text(forked) : undefined);
    await expect(dave.monitorDevices()).rejects.toSatisfy((e) => hasCode(e, 'AUDIT_FORK'));

    // New log keys: the pinned ones no longer verify, and the server serves others.
    const ed = nodeCryptoProvider.randomBytes(32);
    const ml = nodeCryptoProvider.randomBytes(32);
    const rekeyed = await sign(ed, ml, seen + 1);
    daveSide.replace = (path) =>
      path === '/log/checkpoint' ? text(rekeyed) : path === '/log/vkey' ? text('other+keys+here\nmore\n') : undefined;
    await expect(dave.monitorDevices()).rejects.toSatisfy((e) => hasCode(e, 'AUDIT_KEY_CHANGED'));

    // A send checks checkpoints too: the forked one arrives with a device proof.
    daveSide.replace = undefined;
    daveSide.rewrite = (path, body) =>
      path.startsWith('/api/v1/transparency/devices/') ? { ...(body as object), checkpoint: forked } : undefined;
    await expect(dave.sendCable({ to: [alice.identity.person.handle], subject: 'x', body: 'x', label: 'RESTRICTED' })).rejects.toSatisfy(
      (e) => hasCode(e, 'AUDIT_FORK'),
    );
    daveSide.rewrite = undefined;
    expect((await dave.monitorDevices()).size).toBeGreaterThanOrEqual(seen);
  });

  it('finds a key event the server hides from monitors', async () => {
    // Hide every key-event opening from bob's monitor view (after a new enrolment).
    const code = await frank.admin.issueEnrolmentCode(bob.identity.person.handle);
    const hiddenFrom = await enrolBehind(
      { rewrite: (path, body) => (path.startsWith('/api/v1/transparency/key-events') ? { ...(body as object), events: [] } : undefined) },
      server.url,
      code.code,
      'bob-second',
    );
    try {
      await expect(hiddenFrom.monitorDevices()).rejects.toSatisfy((e) => hasCode(e, 'KT_HIDDEN_KEY_EVENT'));
    } finally {
      hiddenFrom.close();
    }
  });
});
