/**
 * Key transparency in the SDK against a log built here (no server): checkpoint pinning and
 * forward consistency, the device check before encrypting (identity and pouch keys), and
 * monitoring of the key events.
 */
import {
  concatBytes,
  consistencyProof,
  type DeviceKeyProofResponse,
  ed25519NoteSigner,
  encodeEntryBundle,
  encodeVerifierKey,
  eventLeaf,
  generateHybridKeyPair,
  generateXWingKeyPair,
  hasCode,
  inclusionProof,
  type KeyEventOpening,
  leafHash,
  mlDsa44CosignatureSigner,
  NOTE_SIGNATURE_TYPE,
  rootFromLeafHashes,
  signCheckpoint,
  signHybrid,
  toBase64Url,
  toStdBase64,
  utf8,
} from '@valise/protocol';
import { describe, expect, it } from 'vitest';
import { aeadStorageCipher } from './aead-cipher.ts';
import type { ApiClient } from './api-client.ts';
import type { ClientCore } from './core.ts';
import { deviceAlerts, monitorDevices, trustDevice } from './key-monitor.ts';
import { nodeCryptoProvider as crypto } from './node/index.ts';
import { EncryptedStore, MemoryStore } from './storage.ts';
import { acceptCheckpoint, lastVerifiedCheckpoint, requireDeviceKeyPublished, requireDevicePouchKeyPublished } from './transparency.ts';

const ORIGIN = 'mfa.testland.example/valise-log';
const ME = { person: 'alice@mfa.testland.example', deviceId: '01AAAAAAAAAAAAAAAAAAAAAAAA' };
const ME_KEY = crypto.randomBytes(64);

async function logKeys(seed = crypto.randomBytes(32), mlSeed = crypto.randomBytes(32)) {
  const ed = await crypto.ed25519.generateKeyPair(seed);
  const ml = await crypto.mlDsa44.generateKeyPair(mlSeed);
  return {
    vkey: `${encodeVerifierKey(ORIGIN, NOTE_SIGNATURE_TYPE.ed25519, ed.publicKey)}\n${encodeVerifierKey(ORIGIN, NOTE_SIGNATURE_TYPE.mlDsa44Cosignature, ml.publicKey)}\n`,
    signers: [await ed25519NoteSigner(crypto, ORIGIN, seed), await mlDsa44CosignatureSigner(crypto, ORIGIN, mlSeed, () => 0)],
  };
}

/** A log kept here: events appended as salted commitments, key events tagged. */
class TestLog {
  leaves: Uint8Array[] = [];
  openings: (KeyEventOpening & { type: string })[] = [];
  async append(type: string, details: Record<string, unknown>): Promise<KeyEventOpening> {
    const event = JSON.stringify({ type, details, target: `device:${String(details.deviceId)}` });
    const salt = crypto.randomBytes(32);
    const leaf = eventLeaf(type, await crypto.sha256(concatBytes(salt, utf8(event))));
    const opening = { index: this.leaves.length, event, salt: toBase64Url(salt) };
    this.leaves.push(leaf);
    if (type.startsWith('device-')) this.openings.push({ ...opening, type });
    return opening;
  }
  get hashes() {
    return this.leaves.map((l) => leafHash(l));
  }
  async note(keys: Awaited<ReturnType<typeof logKeys>>, size = this.leaves.length, root?: Uint8Array) {
    return signCheckpoint(
      { origin: ORIGIN, size, rootHash: root ?? rootFromLeafHashes(this.hashes.slice(0, size)), extensions: [] },
      keys.signers,
    );
  }
}

const fingerprint = async (key: Uint8Array) => toBase64Url(await crypto.sha256(key));

function fakeCore(log: TestLog, server: { keys: Awaited<ReturnType<typeof logKeys>>; note?: string }) {
  const calls: string[] = [];
  const respond = (body: string | Uint8Array) => new Response(typeof body === 'string' ? body : new Uint8Array(body));
  const api = {
    async getLog(path: string) {
      calls.push(path);
      if (path === 'vkey') return respond(server.keys.vkey);
      if (path === 'checkpoint') return respond(server.note ?? (await log.note(server.keys)));
      const consistency = /^proof\/consistency\?from=(\d+)&to=(\d+)$/.exec(path);
      if (consistency)
        return Response.json({ hashes: consistencyProof(log.hashes, Number(consistency[1]), Number(consistency[2])).map(toStdBase64) });
      const entries = /^tile\/entries\/(\d+)(?:\.p\/(\d+))?$/.exec(path);
      if (entries) return respond(encodeEntryBundle(log.leaves.slice(0, Number(entries[2] ?? 256))));
      throw new Error(`unexpected ${path}`);
    },
    async get<T>(path: string): Promise<T> {
      calls.push(path);
      const m = /^\/transparency\/key-events\?from=(\d+)&to=(\d+)/.exec(path);
      if (m) {
        const [from, to] = [Number(m[1]), Number(m[2])];
        return { events: log.openings.filter((o) => o.index >= from && o.index < to).map(({ type: _t, ...o }) => o), to, more: false } as T;
      }
      throw new Error(`unexpected ${path}`);
    },
    async post() {
      return {};
    },
  } as unknown as ApiClient;
  const core = {
    api,
    crypto,
    store: new EncryptedStore(new MemoryStore(), aeadStorageCipher(crypto, crypto.randomBytes(32))),
    identity: { deviceId: ME.deviceId, person: { handle: ME.person }, identityPublicKey: toBase64Url(ME_KEY) },
    clock: () => new Date(),
  } as unknown as ClientCore;
  return { core, calls };
}

describe('checkpoint state', () => {
  it('pins the keys, accepts a checkpoint that extends the last, refuses rollback, fork and new keys', async () => {
    const log = new TestLog();
    for (let i = 0; i < 5; i++) await log.append('export', { n: i });
    const keys = await logKeys();
    const { core } = fakeCore(log, { keys });
    const five = await log.note(keys);
    await acceptCheckpoint(core, five);
    for (let i = 0; i < 4; i++) await log.append('export', { n: i });
    await acceptCheckpoint(core, await log.note(keys));
    expect(await lastVerifiedCheckpoint(core)).toEqual({ size: 9, root: toStdBase64(rootFromLeafHashes(log.hashes)) });
    await expect(acceptCheckpoint(core, five)).rejects.toSatisfy((e) => hasCode(e, 'AUDIT_ROLLBACK'));
    await expect(acceptCheckpoint(core, await log.note(keys, 9, crypto.randomBytes(32)))).rejects.toSatisfy((e) =>
      hasCode(e, 'AUDIT_FORK'),
    );
    await expect(acceptCheckpoint(core, await log.note(keys, 7, crypto.randomBytes(32)))).rejects.toSatisfy((e) =>
      hasCode(e, 'AUDIT_ROLLBACK'),
    );
    const other = await logKeys();
    const { core: moved } = fakeCore(log, { keys });
    await acceptCheckpoint(moved, await log.note(keys));
    (moved.api as unknown as { getLog: (p: string) => Promise<Response> }).getLog = async (p) =>
      new Response(p === 'vkey' ? other.vkey : await log.note(other));
    await expect(acceptCheckpoint(moved, await log.note(other))).rejects.toSatisfy((e) => hasCode(e, 'AUDIT_KEY_CHANGED'));
  });
});

describe('requireDeviceKeyPublished', () => {
  it('accepts a logged key once, and refuses an unlogged key, another person, a bad proof and a revoked device', async () => {
    const log = new TestLog();
    const key = crypto.randomBytes(64);
    const id = '01BBBBBBBBBBBBBBBBBBBBBBBB';
    await log.append('export', {});
    const enrol = await log.append('device-enrol', { deviceId: id, person: ME.person, keyFingerprint: await fingerprint(key) });
    await log.append('export', {});
    const keys = await logKeys();
    const { core, calls } = fakeCore(log, { keys });
    let proof: DeviceKeyProofResponse = {
      deviceId: id,
      checkpoint: await log.note(keys),
      size: 3,
      enrol: { ...enrol, proof: inclusionProof(log.hashes, enrol.index, 3).map(toStdBase64) },
      revoke: null,
    };
    (core.api as unknown as { get: (p: string) => Promise<unknown> }).get = async (p) => {
      calls.push(p);
      return proof;
    };
    const device = { id, person: ME.person, identityKey: toBase64Url(key) };
    await expect(requireDeviceKeyPublished(core, { ...device, identityKey: toBase64Url(crypto.randomBytes(64)) })).rejects.toSatisfy(
      (e) => hasCode(e, 'KT_DEVICE_NOT_PUBLISHED') && /another key/.test((e as Error).message),
    );
    await expect(requireDeviceKeyPublished(core, { ...device, person: 'bob@mfa.testland.example' })).rejects.toSatisfy((e) =>
      hasCode(e, 'KT_DEVICE_NOT_PUBLISHED'),
    );
    const good = proof;
    proof = { ...good, enrol: { ...good.enrol, proof: [] } };
    await expect(requireDeviceKeyPublished(core, device)).rejects.toSatisfy((e) => hasCode(e, 'KT_DEVICE_NOT_PUBLISHED'));
    proof = good;
    await requireDeviceKeyPublished(core, device);
    const before = calls.length;
    await requireDeviceKeyPublished(core, device);
    expect(calls.length).toBe(before);

    const revoke = await log.append('device-revoke', { deviceId: id, person: ME.person, keyFingerprint: await fingerprint(key) });
    const size = log.leaves.length;
    proof = {
      deviceId: id,
      checkpoint: await log.note(keys),
      size,
      enrol: { ...enrol, proof: inclusionProof(log.hashes, enrol.index, size).map(toStdBase64) },
      revoke: { ...revoke, proof: inclusionProof(log.hashes, revoke.index, size).map(toStdBase64) },
    };
    const other = { id: '01CCCCCCCCCCCCCCCCCCCCCCCC', person: ME.person, identityKey: toBase64Url(key) };
    await expect(requireDeviceKeyPublished(core, other)).rejects.toSatisfy((e) => hasCode(e, 'KT_DEVICE_NOT_PUBLISHED'));
    await core.store.delete(`kt/device/${id}`);
    await expect(requireDeviceKeyPublished(core, device)).rejects.toSatisfy((e) => hasCode(e, 'KT_DEVICE_REVOKED'));
    await requireDeviceKeyPublished(core, device, { allowRevoked: true });
  });
});

describe('monitorDevices', () => {
  it('alerts on a device of this person enrolled after this one, and finds hidden key events', async () => {
    const log = new TestLog();
    const keys = await logKeys();
    const mine = await fingerprint(ME_KEY);
    const enrolOf = (deviceId: string, person = ME.person, keyFingerprint = deviceId === ME.deviceId ? mine : 'x') =>
      log.append('device-enrol', { deviceId, person, keyFingerprint, enrolledAt: new Date().toISOString() });
    await enrolOf('01DDDDDDDDDDDDDDDDDDDDDDDD'); // an older device of mine: known
    await enrolOf(ME.deviceId);
    await enrolOf('01EEEEEEEEEEEEEEEEEEEEEEEE', 'bob@mfa.testland.example'); // someone else's
    const { core } = fakeCore(log, { keys });
    expect((await monitorDevices(core)).alerts).toEqual([]);
    await log.append('export', {});
    await enrolOf('01FFFFFFFFFFFFFFFFFFFFFFFF');
    const scan = await monitorDevices(core);
    expect(scan.alerts.map((a) => a.deviceId)).toEqual(['01FFFFFFFFFFFFFFFFFFFFFFFF']);
    expect((await deviceAlerts(core))[0]).toMatchObject({ reported: true, index: 4 });
    expect((await monitorDevices(core)).alerts).toEqual([]);
    expect(await trustDevice(core, '01FFFFFFFFFFFFFFFFFFFFFFFF')).toHaveLength(1);
    expect(await deviceAlerts(core)).toEqual([]);

    await enrolOf('01GGGGGGGGGGGGGGGGGGGGGGGG');
    log.openings.pop();
    await expect(monitorDevices(core)).rejects.toSatisfy((e) => hasCode(e, 'KT_HIDDEN_KEY_EVENT'));
  });

  it('refuses a log that holds another key for this very device', async () => {
    const log = new TestLog();
    await log.append('device-enrol', { deviceId: ME.deviceId, person: ME.person, keyFingerprint: 'not-my-key' });
    const { core } = fakeCore(log, { keys: await logKeys() });
    await expect(monitorDevices(core)).rejects.toSatisfy((e) => hasCode(e, 'KT_OWN_KEY_MISMATCH'));
  });
});

describe('requireDevicePouchKeyPublished', () => {
  it('returns a pouch key the log names and the identity key signed; refuses a substitute, a withheld one and a forged signature', async () => {
    const log = new TestLog();
    const identity = await generateHybridKeyPair(crypto);
    const pouch = await generateXWingKeyPair(crypto);
    const bare = await generateHybridKeyPair(crypto);
    const id = '01HHHHHHHHHHHHHHHHHHHHHHHH';
    const oldId = '01JJJJJJJJJJJJJJJJJJJJJJJJ';
    const enrol = await log.append('device-enrol', {
      deviceId: id,
      person: ME.person,
      keyFingerprint: await fingerprint(identity.publicKey),
      pouchKeyFingerprint: await fingerprint(pouch.publicKey),
    });
    const old = await log.append('device-enrol', { deviceId: oldId, person: ME.person, keyFingerprint: await fingerprint(bare.publicKey) });
    const keys = await logKeys();
    const { core, calls } = fakeCore(log, { keys });
    const note = await log.note(keys);
    const proofOf = (o: KeyEventOpening, deviceId: string): DeviceKeyProofResponse => ({
      deviceId,
      checkpoint: note,
      size: log.leaves.length,
      enrol: { ...o, proof: inclusionProof(log.hashes, o.index, log.leaves.length).map(toStdBase64) },
      revoke: null,
    });
    (core.api as unknown as { get: (p: string) => Promise<unknown> }).get = async (p) => {
      calls.push(p);
      return p.endsWith(id) ? proofOf(enrol, id) : proofOf(old, oldId);
    };
    const sign = async (secretKey: Uint8Array, key: Uint8Array) => toBase64Url(await signHybrid(crypto, secretKey, 'pouch-key', key));
    const device = {
      id,
      person: ME.person,
      identityKey: toBase64Url(identity.publicKey),
      pouchKey: toBase64Url(pouch.publicKey),
      pouchKeySignature: await sign(identity.secretKey, pouch.publicKey),
    };
    // A cached check from before pouch keys (no pouchKeyFingerprint) is done again.
    await core.store.putJson(`kt/device/${id}`, {
      person: ME.person,
      fingerprint: await fingerprint(identity.publicKey),
      index: 0,
      revoked: false,
    });
    expect(await requireDevicePouchKeyPublished(core, device)).toEqual(pouch.publicKey);
    expect(calls.filter((c) => c.startsWith('/transparency/devices/'))).toHaveLength(1);

    const substitute = await generateXWingKeyPair(crypto);
    await expect(
      requireDevicePouchKeyPublished(core, {
        ...device,
        pouchKey: toBase64Url(substitute.publicKey),
        pouchKeySignature: await sign(identity.secretKey, substitute.publicKey),
      }),
    ).rejects.toSatisfy((e) => hasCode(e, 'KT_DEVICE_NOT_PUBLISHED') && /another pouch key/.test((e as Error).message));
    await expect(
      requireDevicePouchKeyPublished(core, { ...device, pouchKeySignature: await sign(bare.secretKey, pouch.publicKey) }),
    ).rejects.toSatisfy((e) => hasCode(e, 'KT_DEVICE_NOT_PUBLISHED') && /not signed/.test((e as Error).message));
    const { pouchKey: _k, pouchKeySignature: _s, ...withheld } = device;
    await expect(requireDevicePouchKeyPublished(core, withheld)).rejects.toSatisfy(
      (e) => hasCode(e, 'KT_DEVICE_NOT_PUBLISHED') && /withholds/.test((e as Error).message),
    );
    await expect(
      requireDevicePouchKeyPublished(core, { id: oldId, person: ME.person, identityKey: toBase64Url(bare.publicKey) }),
    ).rejects.toSatisfy((e) => hasCode(e, 'POUCH_NO_POUCH_KEY'));
  });
});
