/**
 * Shared by the pouch tests and bench/pouch.ts (not part of the public API): parties with keys,
 * sealing into memory, opening everything, and the byte map of a sealed pouch for attack tests.
 */
import { concatBytes } from '../bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { generateHybridKeyPair, signHybrid } from '../identity/hybrid.ts';
import { DEFAULT_LABEL_POLICY } from '../labels/default-policy.ts';
import { parseLabel } from '../labels/label.ts';
import type { ByteSource } from './byte-reader.ts';
import {
  ByteWriter,
  COMMITMENT_LENGTH,
  chunkCount,
  DIGEST_LENGTH,
  decodeMarks,
  encodeMarks,
  POUCH_ID_LENGTH,
  POUCH_MAGIC,
  type PouchMarks,
  SIGNATURE_LENGTH,
  TAG_LENGTH,
  WRAPPED_KEY_LENGTH,
} from './format.ts';
import type { Sha256StreamFactory } from './keys.ts';
import { type OpenPouchOptions, openPouch } from './open.ts';
import { type PouchDocumentInput, type SealPouchInput, sealPouch } from './seal.ts';
import { generateXWingKeyPair, XWING_CIPHERTEXT_LENGTH, type XWingKeyPair } from './xwing.ts';

export interface TestDevice {
  deviceId: string;
  pouch: XWingKeyPair;
}

export interface TestParties {
  sender: { organisation: string; unit: string; deviceId: string; secretKey: Uint8Array; publicKey: Uint8Array };
  recipients: TestDevice[];
  outsider: TestDevice;
}

function seed(length: number, byte: number): Uint8Array {
  return new Uint8Array(length).fill(byte);
}

/** A sender and two recipient devices of the consignee unit, plus an outsider; keys from fixed seeds. */
export async function makeParties(crypto: CryptoProvider): Promise<TestParties> {
  const id = await generateHybridKeyPair(crypto, seed(64, 1));
  return {
    sender: { organisation: 'Freedonia MFA', unit: 'Political Directorate', deviceId: 'dev-sender-1', ...id },
    recipients: [
      { deviceId: 'dev-embassy-a', pouch: await generateXWingKeyPair(crypto, seed(32, 2)) },
      { deviceId: 'dev-embassy-b', pouch: await generateXWingKeyPair(crypto, seed(32, 3)) },
    ],
    outsider: { deviceId: 'dev-outsider', pouch: await generateXWingKeyPair(crypto, seed(32, 4)) },
  };
}

export const TEST_LABEL_TEXT = 'SECRET//REL TO FRD';

/** A complete seal input for `documents`; override any field. */
export function sealInput(parties: TestParties, documents: PouchDocumentInput[], overrides: Partial<SealPouchInput> = {}): SealPouchInput {
  return {
    sender: parties.sender,
    consignee: { organisation: 'Freedonia MFA', unit: 'Embassy in Sylvania' },
    sealNumber: 'FRD-2026-000123',
    label: parseLabel(DEFAULT_LABEL_POLICY, TEST_LABEL_TEXT),
    labelPolicy: DEFAULT_LABEL_POLICY,
    recipients: parties.recipients.map((d) => ({ deviceId: d.deviceId, pouchPublicKey: d.pouch.publicKey })),
    recipientAllowed: () => true,
    documents,
    now: () => Date.UTC(2026, 10, 23, 9, 0, 0),
    ...overrides,
  };
}

/** A document from bytes in memory. */
export function memoryDocument(name: string, bytes: Uint8Array, mediaType = 'application/octet-stream'): PouchDocumentInput {
  return { name, mediaType, size: bytes.length, content: [bytes] };
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of source) parts.push(p);
  return concatBytes(...parts);
}

export async function sealToBytes(crypto: CryptoProvider, input: SealPouchInput): Promise<Uint8Array> {
  return collect(sealPouch(crypto, input));
}

/** Options for recipient `device` that trust the test sender only. */
export function openOptions(parties: TestParties, device: TestDevice, sha256Stream?: Sha256StreamFactory): OpenPouchOptions {
  const options: OpenPouchOptions = {
    deviceId: device.deviceId,
    pouchSecretKey: device.pouch.secretKey,
    trust: (sender) => sender.deviceId === parties.sender.deviceId && sameBytes(sender.publicKey, parties.sender.publicKey),
  };
  if (sha256Stream) options.sha256Stream = sha256Stream;
  return options;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Open and read every document into memory. */
export async function openAll(crypto: CryptoProvider, source: ByteSource, options: OpenPouchOptions) {
  const opened = await openPouch(crypto, source, options);
  const documents: Uint8Array[] = [];
  for await (const d of opened.documents()) documents.push(await collect(d.content));
  return { opened, documents };
}

/** Where each part of a sealed pouch lies: [start, end) byte offsets. */
export interface PouchLayout {
  magic: [number, number];
  marksLength: [number, number];
  marks: [number, number];
  recipients: [number, number];
  commitment: [number, number];
  marksSignature: [number, number];
  intro: [number, number];
  payload: [number, number];
  sealDigest: [number, number];
  sealSignature: [number, number];
  marksValue: PouchMarks;
}

export function layoutOf(bytes: Uint8Array): PouchLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const marksLength = view.getUint32(16);
  const marksEnd = 20 + marksLength;
  const marksValue = decodeMarks(bytes.subarray(20, marksEnd));
  const count = view.getUint16(marksEnd);
  let offset = marksEnd + 2;
  for (let i = 0; i < count; i++) offset += 2 + view.getUint16(offset) + XWING_CIPHERTEXT_LENGTH + WRAPPED_KEY_LENGTH;
  const commitmentEnd = offset + COMMITMENT_LENGTH;
  const sigEnd = commitmentEnd + SIGNATURE_LENGTH;
  const introEnd = sigEnd + POUCH_ID_LENGTH;
  const payloadEnd = introEnd + marksValue.payloadLength + TAG_LENGTH * chunkCount(marksValue.payloadLength);
  return {
    magic: [0, 16],
    marksLength: [16, 20],
    marks: [20, marksEnd],
    recipients: [marksEnd, offset],
    commitment: [offset, commitmentEnd],
    marksSignature: [commitmentEnd, sigEnd],
    intro: [sigEnd, introEnd],
    payload: [introEnd, payloadEnd],
    sealDigest: [payloadEnd, payloadEnd + DIGEST_LENGTH],
    sealSignature: [payloadEnd + DIGEST_LENGTH, payloadEnd + DIGEST_LENGTH + SIGNATURE_LENGTH],
    marksValue,
  };
}

/**
 * What an insider who can sign as the sender (but holds no recipient key) can do: change the
 * marks, re-sign the header over the same recipient entries, and re-seal the file.
 */
export async function resignWithMarks(
  crypto: CryptoProvider,
  bytes: Uint8Array,
  signerSecretKey: Uint8Array,
  change: (marks: PouchMarks) => PouchMarks,
  options: { rewriteIntro?: boolean; commitment?: Uint8Array } = {},
): Promise<Uint8Array> {
  const l = layoutOf(bytes);
  const marks = change({
    ...l.marksValue,
    sender: { ...l.marksValue.sender },
    consignee: { ...l.marksValue.consignee },
    label: { ...l.marksValue.label },
  });
  const marksBytes = encodeMarks(marks);
  const header = new ByteWriter()
    .bytes(POUCH_MAGIC)
    .u32(marksBytes.length)
    .bytes(marksBytes)
    .bytes(bytes.subarray(l.recipients[0], l.recipients[1]))
    .bytes(options.commitment ?? bytes.subarray(l.commitment[0], l.commitment[1]))
    .finish();
  const signature = await signHybrid(crypto, signerSecretKey, 'pouch-marks', header);
  const intro = options.rewriteIntro ? marks.pouchId : bytes.subarray(l.intro[0], l.intro[1]);
  const body = concatBytes(header, signature, intro, bytes.subarray(l.payload[0], l.payload[1]));
  const digest = await crypto.sha256(body);
  return concatBytes(body, digest, await signHybrid(crypto, signerSecretKey, 'pouch-seal', digest));
}

/** Deterministic bytes for content: a cheap counter pattern. */
export function patternBytes(length: number, salt = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + salt + (i >>> 8)) & 0xff;
  return out;
}
