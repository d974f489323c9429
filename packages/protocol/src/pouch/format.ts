/**
 * valise-pouch/v1: the byte layout of the visible marks, the recipient entries and the encrypted
 * manifest, with strict decoders (every length checked, no trailing bytes, canonical values only).
 * docs/pouch-format.md documents every byte; keep the two in step.
 */
import { concatBytes, fromUtf8, utf8 } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { HYBRID_PUBLIC_KEY_LENGTH, HYBRID_SIGNATURE_LENGTH } from '../identity/hybrid.ts';
import { XWING_CIPHERTEXT_LENGTH } from './xwing.ts';

/** The first 16 bytes of every v1 pouch. */
export const POUCH_MAGIC = utf8('valise-pouch/v1\n');
export const POUCH_FORMAT = 'valise-pouch/v1';
export const POUCH_ID_LENGTH = 16;
/** Plaintext bytes per STREAM chunk (256 KiB): large enough that per-chunk cipher set-up is negligible. */
export const CHUNK_SIZE = 262144;
export const TAG_LENGTH = 16;
export const WRAPPED_KEY_LENGTH = 32 + TAG_LENGTH;
export const COMMITMENT_LENGTH = 32;
export const DIGEST_LENGTH = 32;
export const SIGNATURE_LENGTH = HYBRID_SIGNATURE_LENGTH;
export const MAX_MARKS_LENGTH = 16384;
export const MAX_RECIPIENTS = 1024;
export const MAX_MANIFEST_LENGTH = 16 * 1024 * 1024;
export const MAX_DOCUMENTS = 100_000;
export const RECEIPT_TAG = utf8('rcpt');
export const MAX_RECEIPT_LENGTH = 65536;
/** Version, pouch id, a 1-byte seal number, marks digest, policy id and label of 1 byte, empty privacy mark, count. */
const MIN_MANIFEST_LENGTH = 1 + 16 + 3 + 32 + 3 + 3 + 2 + 4;
/** Name and media type of 1 byte each, size. */
const MIN_MANIFEST_ENTRY = 3 + 3 + 8;
const MARKS_VERSION = 1;
const MANIFEST_VERSION = 1;

/** The security label as it stands on the outside of a pouch: policy, canonical text, privacy mark. */
export interface PouchLabel {
  policyId: string;
  text: string;
  privacyMark?: string;
}

/** The visible external marks: readable without keys, signed by the sender device. */
export interface PouchMarks {
  /** 16 random bytes naming this sealing; never reused. */
  pouchId: Uint8Array;
  sealNumber: string;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  sender: { organisation: string; unit: string; deviceId: string; publicKey: Uint8Array };
  consignee: { organisation: string; unit: string };
  label: PouchLabel;
  itemCount: number;
  /** Sum of the documents' sizes in bytes. */
  totalSize: number;
  /** Length of the encrypted payload's plaintext: 4 + manifest + totalSize. */
  payloadLength: number;
}

/** One recipient entry: the device, its X-Wing ciphertext and the content key wrapped for it. */
export interface PouchStanza {
  deviceId: string;
  kemCiphertext: Uint8Array;
  wrappedKey: Uint8Array;
}

export interface PouchDocumentEntry {
  name: string;
  mediaType: string;
  size: number;
}

/** The encrypted manifest: what the pouch holds, and an inner copy of the marks it was sealed under. */
export interface PouchManifest {
  pouchId: Uint8Array;
  sealNumber: string;
  marksDigest: Uint8Array;
  label: PouchLabel;
  documents: PouchDocumentEntry[];
}

export function pouchError(code: string, message: string, cause?: unknown): ValiseError {
  return new ValiseError(code, message, cause === undefined ? undefined : { cause });
}
const bad = (message: string) => pouchError('POUCH_BAD_FORMAT', message);

/** Builds a byte string from fixed-width integers and length-prefixed fields. */
export class ByteWriter {
  readonly #parts: Uint8Array[] = [];
  bytes(b: Uint8Array): this {
    this.#parts.push(b);
    return this;
  }
  u8(n: number): this {
    return this.bytes(new Uint8Array([n]));
  }
  u16(n: number): this {
    return this.bytes(new Uint8Array([n >>> 8, n & 0xff]));
  }
  u32(n: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n);
    return this.bytes(b);
  }
  u64(n: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(n));
    return this.bytes(b);
  }
  /** u16 length || UTF-8. */
  text(s: string): this {
    const b = utf8(s);
    return this.u16(b.length).bytes(b);
  }
  finish(): Uint8Array {
    return concatBytes(...this.#parts);
  }
}

/** Reads what ByteWriter wrote; any overrun or leftover is POUCH_BAD_FORMAT naming `what`. */
export class ByteParser {
  #offset = 0;
  readonly #data: Uint8Array;
  readonly #what: string;
  constructor(data: Uint8Array, what: string) {
    this.#data = data;
    this.#what = what;
  }
  bytes(n: number): Uint8Array {
    if (this.#offset + n > this.#data.length) throw bad(`the ${this.#what} ends too early`);
    const out = this.#data.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return out;
  }
  u8(): number {
    return this.bytes(1)[0] as number;
  }
  u16(): number {
    const b = this.bytes(2);
    return ((b[0] as number) << 8) | (b[1] as number);
  }
  u32(): number {
    return readU32(this.bytes(4));
  }
  u64(): number {
    const b = this.bytes(8);
    const n = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`a size in the ${this.#what} is out of range`);
    return Number(n);
  }
  text(field: string, min: number, max: number): string {
    const length = this.u16();
    if (length < min || length > max) throw bad(`${field} in the ${this.#what} must be ${min} to ${max} bytes`);
    let s: string;
    try {
      s = fromUtf8(this.bytes(length));
    } catch {
      throw bad(`${field} in the ${this.#what} is not UTF-8`);
    }
    checkText(s, field, min, max, bad);
    return s;
  }
  end(): void {
    if (this.#offset !== this.#data.length)
      throw bad(`the ${this.#what} has ${this.#data.length - this.#offset} unexpected trailing bytes`);
  }
}

export function readU32(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
}

// Control and format characters would let two marks print alike; refused on both sides.
const NO_CONTROLS = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u;

/** Check a text field: byte length within [min, max], no control characters. */
export function checkText(s: string, field: string, min: number, max: number, fail: (m: string) => ValiseError): void {
  if (typeof s !== 'string') throw fail(`${field} must be text`);
  const length = utf8(s).length;
  if (length < min || length > max) throw fail(`${field} must be ${min} to ${max} bytes of UTF-8`);
  if (!NO_CONTROLS.test(s)) throw fail(`${field} must not contain control characters`);
}

function checkSize(n: number, field: string, fail: (m: string) => ValiseError): void {
  if (!Number.isSafeInteger(n) || n < 0) throw fail(`${field} must be a non-negative safe integer`);
}

/** Throws POUCH_BAD_INPUT (sealing) or POUCH_BAD_FORMAT (opening) when marks are out of range. */
export function checkMarks(marks: PouchMarks, code: 'POUCH_BAD_INPUT' | 'POUCH_BAD_FORMAT'): void {
  const fail = (m: string) => pouchError(code, m);
  if (!(marks.pouchId instanceof Uint8Array) || marks.pouchId.length !== POUCH_ID_LENGTH) throw fail('pouchId must be 16 bytes');
  checkText(marks.sealNumber, 'sealNumber', 1, 128, fail);
  checkSize(marks.createdAt, 'createdAt', fail);
  checkText(marks.sender.organisation, 'sender.organisation', 1, 256, fail);
  checkText(marks.sender.unit, 'sender.unit', 1, 256, fail);
  checkText(marks.sender.deviceId, 'sender.deviceId', 1, 255, fail);
  if (marks.sender.publicKey.length !== HYBRID_PUBLIC_KEY_LENGTH) throw fail(`sender.publicKey must be ${HYBRID_PUBLIC_KEY_LENGTH} bytes`);
  checkText(marks.consignee.organisation, 'consignee.organisation', 1, 256, fail);
  checkText(marks.consignee.unit, 'consignee.unit', 1, 256, fail);
  checkText(marks.label.policyId, 'label.policyId', 1, 256, fail);
  checkText(marks.label.text, 'label.text', 1, 256, fail);
  if (marks.label.privacyMark !== undefined) checkText(marks.label.privacyMark, 'label.privacyMark', 1, 64, fail);
  checkSize(marks.itemCount, 'itemCount', fail);
  if (marks.itemCount > MAX_DOCUMENTS) throw fail(`a pouch holds at most ${MAX_DOCUMENTS} documents`);
  checkSize(marks.totalSize, 'totalSize', fail);
  checkSize(marks.payloadLength, 'payloadLength', fail);
}

function writeLabel(w: ByteWriter, label: PouchLabel): ByteWriter {
  return w
    .text(label.policyId)
    .text(label.text)
    .text(label.privacyMark ?? '');
}

function readLabel(p: ByteParser): PouchLabel {
  const policyId = p.text('label.policyId', 1, 256);
  const text = p.text('label.text', 1, 256);
  const privacyMark = p.text('label.privacyMark', 0, 64);
  return privacyMark === '' ? { policyId, text } : { policyId, text, privacyMark };
}

/** The canonical encoding of the marks (docs/pouch-format.md, "Marks"). */
export function encodeMarks(marks: PouchMarks): Uint8Array {
  checkMarks(marks, 'POUCH_BAD_INPUT');
  const w = new ByteWriter()
    .u8(MARKS_VERSION)
    .bytes(marks.pouchId)
    .text(marks.sealNumber)
    .u64(marks.createdAt)
    .text(marks.sender.organisation)
    .text(marks.sender.unit)
    .text(marks.sender.deviceId)
    .bytes(marks.sender.publicKey)
    .text(marks.consignee.organisation)
    .text(marks.consignee.unit);
  return writeLabel(w, marks.label).u32(marks.itemCount).u64(marks.totalSize).u64(marks.payloadLength).finish();
}

/** Decode marks strictly; the payload length must agree with the item count and total size it implies. */
export function decodeMarks(bytes: Uint8Array): PouchMarks {
  const p = new ByteParser(bytes, 'marks');
  const version = p.u8();
  if (version !== MARKS_VERSION) throw bad(`marks version ${version} is not supported (this reader knows ${MARKS_VERSION})`);
  const pouchId = p.bytes(POUCH_ID_LENGTH).slice();
  const sealNumber = p.text('sealNumber', 1, 128);
  const createdAt = p.u64();
  const sender = {
    organisation: p.text('sender.organisation', 1, 256),
    unit: p.text('sender.unit', 1, 256),
    deviceId: p.text('sender.deviceId', 1, 255),
    publicKey: p.bytes(HYBRID_PUBLIC_KEY_LENGTH).slice(),
  };
  const consignee = { organisation: p.text('consignee.organisation', 1, 256), unit: p.text('consignee.unit', 1, 256) };
  const label = readLabel(p);
  const itemCount = p.u32();
  const totalSize = p.u64();
  const payloadLength = p.u64();
  p.end();
  const marks: PouchMarks = { pouchId, sealNumber, createdAt, sender, consignee, label, itemCount, totalSize, payloadLength };
  checkMarks(marks, 'POUCH_BAD_FORMAT');
  // The smallest manifest: a 64-byte head, then 14 bytes per document at least.
  if (payloadLength < 4 + MIN_MANIFEST_LENGTH + MIN_MANIFEST_ENTRY * itemCount + totalSize)
    throw bad('payloadLength is too small for the documents the marks announce');
  return marks;
}

export function encodeStanza(s: PouchStanza): Uint8Array {
  return new ByteWriter().text(s.deviceId).bytes(s.kemCiphertext).bytes(s.wrappedKey).finish();
}

/** Decode the recipient list (count u16, then stanzas); device ids must be unique. */
export function decodeStanzas(p: ByteParser): PouchStanza[] {
  const count = p.u16();
  if (count < 1 || count > MAX_RECIPIENTS) throw bad(`a pouch has 1 to ${MAX_RECIPIENTS} recipients; this one says ${count}`);
  const stanzas: PouchStanza[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const deviceId = p.text('recipient deviceId', 1, 255);
    if (seen.has(deviceId)) throw bad(`recipient ${deviceId} is listed twice`);
    seen.add(deviceId);
    stanzas.push({ deviceId, kemCiphertext: p.bytes(XWING_CIPHERTEXT_LENGTH).slice(), wrappedKey: p.bytes(WRAPPED_KEY_LENGTH).slice() });
  }
  return stanzas;
}

/** The manifest's encoding (docs/pouch-format.md, "Manifest"). */
export function encodeManifest(m: PouchManifest): Uint8Array {
  const w = new ByteWriter().u8(MANIFEST_VERSION).bytes(m.pouchId).text(m.sealNumber).bytes(m.marksDigest);
  writeLabel(w, m.label).u32(m.documents.length);
  for (const d of m.documents) w.text(d.name).text(d.mediaType).u64(d.size);
  return w.finish();
}

export function decodeManifest(bytes: Uint8Array): PouchManifest {
  const p = new ByteParser(bytes, 'manifest');
  const version = p.u8();
  if (version !== MANIFEST_VERSION) throw bad(`manifest version ${version} is not supported`);
  const pouchId = p.bytes(POUCH_ID_LENGTH).slice();
  const sealNumber = p.text('sealNumber', 1, 128);
  const marksDigest = p.bytes(DIGEST_LENGTH).slice();
  const label = readLabel(p);
  const count = p.u32();
  if (count > MAX_DOCUMENTS) throw bad(`the manifest lists ${count} documents; the limit is ${MAX_DOCUMENTS}`);
  const documents: PouchDocumentEntry[] = [];
  for (let i = 0; i < count; i++) {
    documents.push({ name: p.text('document name', 1, 1024), mediaType: p.text('media type', 1, 255), size: p.u64() });
  }
  p.end();
  return { pouchId, sealNumber, marksDigest, label, documents };
}

/** Plaintext bytes of the payload: manifest length, manifest, documents. */
export function payloadLengthOf(manifestLength: number, totalSize: number): number {
  return 4 + manifestLength + totalSize;
}

/** Number of STREAM chunks for a payload of `length` bytes (an empty payload is one empty last chunk). */
export function chunkCount(length: number): number {
  return Math.max(1, Math.ceil(length / CHUNK_SIZE));
}

/** Bytes of the sealed payload: plaintext plus one tag per chunk. */
export function sealedPayloadLength(length: number): number {
  return length + TAG_LENGTH * chunkCount(length);
}

/** The STREAM nonce of chunk `index`: 11-byte big-endian counter || last-chunk flag (age's STREAM). */
export function chunkNonce(index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  view.setUint32(3, Math.floor(index / 2 ** 32));
  view.setUint32(7, index >>> 0);
  nonce[11] = last ? 1 : 0;
  return nonce;
}
