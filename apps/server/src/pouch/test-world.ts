/**
 * For the pouch route tests: headquarters and an embassy with a sender, cleared and uncleared
 * members, a security officer in each, a courier and an outsider in another embassy, each with a
 * logged-in device; pouches sealed by a device's real identity key; upload helpers over app.inject.
 */
import {
  DEFAULT_LABEL_POLICY,
  generateXWingKeyPair,
  makeCustodyReceipt,
  parseLabel,
  pouchHeaderLength,
  type Role,
  sealPouch,
  toBase64Url,
} from '@valise/protocol';
import type { LightMyRequestResponse } from 'fastify';
import type { Dialect } from '../db/schema.ts';
import { call, createTestServer, type TestServer } from '../testing/http.ts';
import { crypto, enrolDevice, HQ, login, ORG, type TestDevice } from '../testing/world.ts';

export const EMBASSY = `embassy-sylvania@${ORG.domain}`;
export const OTHER_EMBASSY = `embassy-vulgaria@${ORG.domain}`;

export interface Party {
  person: string;
  device: TestDevice;
  token: string;
}

export interface PouchWorld {
  server: TestServer;
  sender: Party; // HQ, TOP SECRET
  bob: Party; // embassy, SECRET
  dave: Party; // embassy, RESTRICTED
  heidi: Party; // embassy security officer
  frank: Party; // HQ security officer
  courier: Party; // HQ, UNCLASSIFIED
  carol: Party; // other embassy, SECRET
}

async function party(server: TestServer, local: string, unit: string, clearance: string, roles: Role[] = ['user']): Promise<Party> {
  const world = server.world;
  const handle = `${local}@${ORG.domain}`;
  await world.services.identity.createPerson(null, { handle, name: local, unit, roles, clearance, nationality: 'TST' });
  const device = await enrolDevice(world, handle);
  const { token } = await login(world, device);
  return { person: handle, device, token };
}

export async function createPouchWorld(dialect: Dialect): Promise<PouchWorld> {
  const server = await createTestServer(dialect);
  const ids = server.world.services.identity;
  await ids.createUnit(null, { handle: EMBASSY, name: 'Embassy in Sylvania', kind: 'embassy' });
  await ids.createUnit(null, { handle: OTHER_EMBASSY, name: 'Embassy in Vulgaria', kind: 'embassy' });
  return {
    server,
    sender: await party(server, 'alice', HQ, 'TOP SECRET'),
    bob: await party(server, 'bob', EMBASSY, 'SECRET'),
    dave: await party(server, 'dave', EMBASSY, 'RESTRICTED'),
    heidi: await party(server, 'heidi', EMBASSY, 'TOP SECRET', ['user', 'security-officer']),
    frank: await party(server, 'frank', HQ, 'TOP SECRET', ['user', 'security-officer']),
    courier: await party(server, 'courier', HQ, 'UNCLASSIFIED'),
    carol: await party(server, 'carol', OTHER_EMBASSY, 'SECRET'),
  };
}

export interface SealedPouch {
  bytes: Uint8Array;
  id: string;
  header: Uint8Array;
  pouchDigest: Uint8Array;
  sealNumber: string;
}

/** Seal `size` random bytes with a device's real identity key. */
export async function sealWith(
  sender: Party,
  options: { size?: number; label?: string; unit?: string; consignee?: string; sealNumber?: string } = {},
): Promise<SealedPouch> {
  const recipient = await generateXWingKeyPair(crypto);
  const content = crypto.randomBytes(options.size ?? 1000);
  const sealNumber = options.sealNumber ?? `HQ-2026-${toBase64Url(crypto.randomBytes(6))}`;
  const generator = sealPouch(crypto, {
    sender: {
      organisation: ORG.domain,
      unit: options.unit ?? HQ,
      deviceId: sender.device.deviceId,
      secretKey: sender.device.keys.secretKey,
    },
    consignee: { organisation: ORG.domain, unit: options.consignee ?? EMBASSY },
    sealNumber,
    label: parseLabel(DEFAULT_LABEL_POLICY, options.label ?? 'SECRET'),
    labelPolicy: DEFAULT_LABEL_POLICY,
    recipients: [{ deviceId: 'recipient-device', pouchPublicKey: recipient.publicKey }],
    recipientAllowed: () => true,
    documents: [{ name: 'cable.bin', mediaType: 'application/octet-stream', size: content.length, content: [content] }],
  });
  const parts: Uint8Array[] = [];
  let step = await generator.next();
  while (!step.done) {
    parts.push(step.value);
    step = await generator.next();
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  const headerLength = pouchHeaderLength(bytes) as number;
  return {
    bytes,
    id: toBase64Url(step.value.marks.pouchId),
    header: bytes.slice(0, headerLength),
    pouchDigest: step.value.pouchDigest,
    sealNumber,
  };
}

export function announce(
  w: PouchWorld,
  who: Party,
  pouch: SealedPouch,
  extra: Record<string, unknown> = {},
): Promise<LightMyRequestResponse> {
  return call(w.server.app, 'POST', '/api/v1/pouches', {
    token: who.token,
    body: { header: toBase64Url(pouch.header), size: pouch.bytes.length, ...extra },
  });
}

export function putChunk(w: PouchWorld, who: Party, id: string, offset: number, bytes: Uint8Array): Promise<LightMyRequestResponse> {
  return call(w.server.app, 'PUT', `/api/v1/pouches/${id}/content`, {
    token: who.token,
    body: bytes,
    headers: { 'upload-offset': String(offset) },
  });
}

/** Announce and upload a pouch whole; expects it to become available. */
export async function deliver(w: PouchWorld, pouch: SealedPouch, extra: Record<string, unknown> = {}): Promise<void> {
  const created = await announce(w, w.sender, pouch, extra);
  if (created.statusCode !== 200) throw new Error(`announce failed: ${created.body}`);
  const put = await putChunk(w, w.sender, pouch.id, 0, pouch.bytes);
  if (put.statusCode !== 200) throw new Error(`upload failed: ${put.body}`);
}

/** A receipt signed by `taker` for the next hand-over after `previous` (or the first). */
export async function receiptBy(
  taker: Party,
  pouch: SealedPouch,
  sender: Party,
  options: { previous?: Uint8Array; place?: string; time?: number } = {},
): Promise<Uint8Array> {
  return makeCustodyReceipt(crypto, {
    pouchDigest: pouch.pouchDigest,
    sealNumber: pouch.sealNumber,
    ...(options.previous
      ? { previous: options.previous }
      : { sender: { publicKey: sender.device.keys.publicKey, name: sender.device.deviceId } }),
    // The test world's clock starts at 09:00 on 23 November 2026.
    time: options.time ?? Date.parse('2026-11-23T09:00:00Z'),
    place: options.place ?? 'Freedonia City',
    taker: { handle: taker.person, deviceId: taker.device.deviceId, secretKey: taker.device.keys.secretKey },
  });
}

export function postReceipt(w: PouchWorld, who: Party, id: string, receipt: Uint8Array): Promise<LightMyRequestResponse> {
  return call(w.server.app, 'POST', `/api/v1/pouches/${id}/receipts`, { token: who.token, body: { receipt: toBase64Url(receipt) } });
}
