/**
 * Reading a pouch: inspect the marks (no keys), verify the whole file (no keys: what a courier or
 * a registry can check), open it (a recipient device). Each failure has one precise code; the
 * order of the checks is what makes the codes precise (docs/pouch-format.md, "Checks").
 */
import { concatBytes, constantTimeEqual, fromUtf8 } from '../bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { hasCode } from '../errors.ts';
import { verifyHybrid } from '../identity/hybrid.ts';
import { ByteReader, type ByteSource } from './byte-reader.ts';
import { type CustodyCheck, type CustodyHop, verifyCustodyChain } from './custody.ts';
import {
  ByteParser,
  CHUNK_SIZE,
  COMMITMENT_LENGTH,
  chunkCount,
  chunkNonce,
  DIGEST_LENGTH,
  decodeManifest,
  decodeMarks,
  decodeStanzas,
  MAX_MARKS_LENGTH,
  MAX_RECEIPT_LENGTH,
  MAX_RECIPIENTS,
  POUCH_ID_LENGTH,
  POUCH_MAGIC,
  type PouchDocumentEntry,
  type PouchLabel,
  type PouchManifest,
  type PouchMarks,
  type PouchStanza,
  pouchError,
  RECEIPT_TAG,
  readU32,
  SIGNATURE_LENGTH,
  TAG_LENGTH,
  WRAPPED_KEY_LENGTH,
} from './format.ts';
import {
  digestOf,
  hashUpdate,
  keyCommitment,
  nobleSha256Stream,
  payloadKey,
  type Sha256Stream,
  type Sha256StreamFactory,
  WRAP_NONCE,
  wrapKey,
} from './keys.ts';
import { XWING_CIPHERTEXT_LENGTH, xwingDecapsulate } from './xwing.ts';

interface Header {
  marks: PouchMarks;
  marksBytes: Uint8Array;
  stanzas: PouchStanza[];
  commitment: Uint8Array;
  /** Every header byte before the marks signature, as read: what that signature covers. */
  signed: Uint8Array;
}

/** What anyone can read and check without keys. */
export interface InspectedPouch {
  marks: PouchMarks;
  /** Device ids of the recipients. */
  recipients: string[];
}

export interface VerifiedPouch extends InspectedPouch {
  /** SHA-256 of the file up to the end of the payload: what custody receipts sign. */
  pouchDigest: Uint8Array;
  /** Custody receipts found after the seal, in file order (verified only when `custody` was asked). */
  receipts: Uint8Array[];
  /** With the `custody` option: the verified hand-overs, from the sender to the last taker. */
  custody?: CustodyHop[];
}

/** Decides whether the sender device's key (carried in the marks) is the one it should be. */
export type SenderTrust = (sender: PouchMarks['sender']) => boolean | Promise<boolean>;

export interface OpenPouchOptions {
  deviceId: string;
  /** The device's 32-byte X-Wing pouch secret key. */
  pouchSecretKey: Uint8Array;
  trust: SenderTrust;
  /** Whether this device may hold content under the label; refused → POUCH_LABEL_NOT_ALLOWED before any key is used. */
  labelAllows?: (label: PouchLabel) => boolean;
  /** True when this pouch (sender organisation + seal number, or pouch id) was opened before → POUCH_REPLAYED. */
  seenSeal?: (marks: PouchMarks) => boolean | Promise<boolean>;
  sha256Stream?: Sha256StreamFactory;
  /**
   * Verify the chain of custody receipts after the seal (docs/pouch-format.md, "Custody
   * receipts"); a failure ends the documents iterator with its POUCH_RECEIPT_… / POUCH_CHAIN_INCOMPLETE code.
   */
  custody?: CustodyCheck;
}

export interface OpenedDocument {
  index: number;
  entry: PouchDocumentEntry;
  /** The document's bytes; unverified until the documents iterator finishes without error. */
  content: AsyncIterable<Uint8Array>;
}

export interface OpenedPouch {
  marks: PouchMarks;
  manifest: PouchManifest;
  /**
   * The documents in order, each to be read before the next (an unread one is skipped). The
   * iterator ends only after every chunk and the seal have verified; then
   * `pouchDigest` and `receipts` are set. Until then, treat the bytes as unverified.
   */
  documents(): AsyncGenerator<OpenedDocument, void>;
  /** Set once the documents iterator has finished: the pouch digest, then the custody receipts. */
  readonly pouchDigest: Uint8Array | undefined;
  readonly receipts: Uint8Array[] | undefined;
  /** With the `custody` option, once the documents iterator has finished: the verified hand-overs. */
  readonly custody?: CustodyHop[] | undefined;
}

/**
 * Hashes everything read up to the end of the payload. The hash is made once the marks (and so the
 * payload length, its size hint) are read; the bytes before that are held until then.
 */
class DigestingReader {
  readonly reader: ByteReader;
  readonly #newHash: Sha256StreamFactory;
  readonly #purpose: 'open' | 'verify';
  #hash: Sha256Stream | undefined;
  #held: Uint8Array[] | undefined = [];
  constructor(source: ByteSource, newHash: Sha256StreamFactory, purpose: 'open' | 'verify') {
    this.reader = new ByteReader(source);
    this.#newHash = newHash;
    this.#purpose = purpose;
  }
  /** Make the hash (with a size hint) and give it what was read so far. */
  async start(expectedLength: number): Promise<void> {
    if (this.#hash) return;
    const hash = this.#newHash(expectedLength, this.#purpose);
    this.#hash = hash;
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const bytes of held) await hashUpdate(hash, bytes);
  }
  async #update(bytes: Uint8Array): Promise<void> {
    if (this.#hash) {
      const wait = hashUpdate(this.#hash, bytes);
      if (wait) await wait;
    } else this.#held?.push(bytes.slice()); // a source may reuse its buffers
  }
  async read(n: number, what: string): Promise<Uint8Array> {
    const bytes = await this.reader.read(n, what);
    await this.#update(bytes);
    return bytes;
  }
  /** 1 to `n` bytes, without copying (see ByteReader.readSome). */
  async readSome(n: number, what: string): Promise<Uint8Array> {
    const bytes = await this.reader.readSome(n, what);
    await this.#update(bytes);
    return bytes;
  }
  /**
   * Like readSome, but `use` sees the bytes before the hash does: the bulk path decrypts first,
   * which brings the bytes into this core's cache, so the hash then reads them from there.
   */
  async readSomeThen<T>(n: number, what: string, use: (bytes: Uint8Array) => T): Promise<{ bytes: Uint8Array; result: T }> {
    const bytes = await this.reader.readSome(n, what);
    const result = use(bytes);
    await this.#update(bytes);
    return { bytes, result };
  }
  /** The digest of everything read. */
  async digest(): Promise<Uint8Array> {
    await this.start(0);
    return digestOf(this.#hash as Sha256Stream);
  }
}

const NO_HASH: Sha256StreamFactory = () => ({ update: () => undefined, digest: () => new Uint8Array(0) });

async function readHeader(r: DigestingReader): Promise<Header> {
  const magic = await r.read(POUCH_MAGIC.length, 'the magic line');
  if (!constantTimeEqual(magic, POUCH_MAGIC)) {
    const prefix = POUCH_MAGIC.subarray(0, 13); // "valise-pouch/"
    if (constantTimeEqual(magic.subarray(0, 13), prefix)) {
      throw pouchError(
        'POUCH_UNSUPPORTED_VERSION',
        `this is a pouch of another format version (${safeText(magic)}); this reader knows valise-pouch/v1`,
      );
    }
    throw pouchError('POUCH_BAD_FORMAT', 'this is not a Valise pouch (it does not start with "valise-pouch/v1")');
  }
  const marksLength = readU32(await r.read(4, 'the marks length'));
  if (marksLength > MAX_MARKS_LENGTH)
    throw pouchError('POUCH_BAD_FORMAT', `the marks are ${marksLength} bytes; the limit is ${MAX_MARKS_LENGTH}`);
  const marksBytes = await r.read(marksLength, 'the marks');
  const marks = decodeMarks(marksBytes);
  await r.start(marks.payloadLength);
  const countBytes = await r.read(2, 'the recipient count');
  const count = ((countBytes[0] as number) << 8) | (countBytes[1] as number);
  if (count < 1 || count > MAX_RECIPIENTS)
    throw pouchError('POUCH_BAD_FORMAT', `a pouch has 1 to ${MAX_RECIPIENTS} recipients; this one says ${count}`);
  // Stanzas are read one by one (a device id is length-prefixed), then parsed as a whole.
  const parts: Uint8Array[] = [countBytes];
  for (let i = 0; i < count; i++) {
    const idLength = await r.read(2, 'a recipient entry');
    const rest = await r.read(
      (((idLength[0] as number) << 8) | (idLength[1] as number)) + XWING_CIPHERTEXT_LENGTH + WRAPPED_KEY_LENGTH,
      'a recipient entry',
    );
    parts.push(idLength, rest);
  }
  const p = new ByteParser(concatBytes(...parts), 'recipient list');
  const stanzas = decodeStanzas(p);
  p.end();
  const commitment = await r.read(COMMITMENT_LENGTH, 'the key commitment');
  const lengthBytes = new Uint8Array(4);
  new DataView(lengthBytes.buffer).setUint32(0, marksLength);
  return { marks, marksBytes, stanzas, commitment, signed: concatBytes(magic, lengthBytes, marksBytes, ...parts, commitment) };
}

async function readVerifiedHeader(crypto: CryptoProvider, r: DigestingReader, trust?: SenderTrust): Promise<Header> {
  const header = await readHeader(r);
  const signature = await r.read(SIGNATURE_LENGTH, 'the marks signature');
  if (!(await verifyHybrid(crypto, header.marks.sender.publicKey, 'pouch-marks', header.signed, signature))) {
    throw pouchError(
      'POUCH_MARKS_TAMPERED',
      'the marks or the recipient list do not match the sender signature: they were altered after sealing',
    );
  }
  if (trust && (await trust(header.marks.sender)) !== true) {
    throw pouchError(
      'POUCH_UNTRUSTED_SENDER',
      `the pouch is signed by a key that is not trusted for device ${header.marks.sender.deviceId} of ${header.marks.sender.organisation}`,
    );
  }
  return header;
}

/** Read and check the marks (structure and sender signature) without any key; reads only the header. */
export async function inspectPouch(
  crypto: CryptoProvider,
  source: ByteSource,
  options: { trust?: SenderTrust } = {},
): Promise<InspectedPouch> {
  const r = new DigestingReader(source, NO_HASH, 'verify');
  try {
    const h = await readVerifiedHeader(crypto, r, options.trust);
    return { marks: h.marks, recipients: h.stanzas.map((s) => s.deviceId) };
  } finally {
    await r.reader.close();
  }
}

/**
 * Verify a whole pouch without keys: structure, marks signature, payload length, pouch digest and
 * the sender's seal over it. A courier can run this on every hand-over.
 */
export async function verifyPouch(
  crypto: CryptoProvider,
  source: ByteSource,
  options: { trust?: SenderTrust; sha256Stream?: Sha256StreamFactory; custody?: CustodyCheck } = {},
): Promise<VerifiedPouch> {
  const r = new DigestingReader(source, options.sha256Stream ?? nobleSha256Stream, 'verify');
  try {
    const h = await readVerifiedHeader(crypto, r, options.trust);
    const intro = await r.read(POUCH_ID_LENGTH, 'the payload');
    const swapped = !constantTimeEqual(intro, h.marks.pouchId);
    let remaining = h.marks.payloadLength + TAG_LENGTH * chunkCount(h.marks.payloadLength);
    let pouchDigest: Uint8Array = new Uint8Array(0);
    try {
      while (remaining > 0) {
        const bytes = await r.readSome(Math.min(remaining, 1 << 20), 'the payload');
        remaining -= bytes.length;
      }
      pouchDigest = await r.digest();
      await checkSeal(crypto, r.reader, h.marks, pouchDigest, swapped);
    } catch (err) {
      // Another pouch's payload of another length runs short: say what happened, not where.
      if (swapped && hasCode(err, 'POUCH_TRUNCATED'))
        throw pouchError('POUCH_PAYLOAD_SWAPPED', 'the payload belongs to another pouch than these marks', err);
      throw err;
    }
    const receipts = await readReceipts(r.reader);
    const verified: VerifiedPouch = { marks: h.marks, recipients: h.stanzas.map((s) => s.deviceId), pouchDigest, receipts };
    if (options.custody) verified.custody = await checkCustody(crypto, h.marks, pouchDigest, receipts, options.custody);
    return verified;
  } finally {
    await r.reader.close();
  }
}

async function checkSeal(
  crypto: CryptoProvider,
  reader: ByteReader,
  marks: PouchMarks,
  pouchDigest: Uint8Array,
  swapped: boolean,
): Promise<void> {
  const stated = await reader.read(DIGEST_LENGTH, 'the seal');
  const signature = await reader.read(SIGNATURE_LENGTH, 'the seal');
  if (!constantTimeEqual(stated, pouchDigest)) {
    if (swapped) throw pouchError('POUCH_PAYLOAD_SWAPPED', 'the payload belongs to another pouch than these marks');
    throw pouchError('POUCH_SEAL_BROKEN', 'the pouch digest does not match its bytes: the pouch was altered after sealing');
  }
  if (!(await verifyHybrid(crypto, marks.sender.publicKey, 'pouch-seal', pouchDigest, signature))) {
    throw pouchError('POUCH_SIGNATURE_INVALID', "the sender's seal signature over the pouch digest does not verify");
  }
}

function checkCustody(
  crypto: CryptoProvider,
  marks: PouchMarks,
  pouchDigest: Uint8Array,
  receipts: Uint8Array[],
  check: CustodyCheck,
): Promise<CustodyHop[]> {
  const input = { receipts, pouchDigest, sealNumber: marks.sealNumber, sender: marks.sender, trust: check.trust };
  return verifyCustodyChain(crypto, check.consignee ? { ...input, consignee: check.consignee } : input);
}

/**
 * The custody receipts of a pouch file, quickly: reads the header's structure, skips the payload
 * without hashing it and returns the marks, the STATED pouch digest and the receipts. Nothing is
 * verified (use verifyPouch with `custody` for that); this is what a courier reads to append the
 * next receipt (makeCustodyReceipt's `previous`).
 */
export async function readCustodyReceipts(
  source: ByteSource,
): Promise<{ marks: PouchMarks; statedPouchDigest: Uint8Array; receipts: Uint8Array[] }> {
  const r = new DigestingReader(source, NO_HASH, 'verify');
  try {
    const h = await readHeader(r);
    await r.read(SIGNATURE_LENGTH, 'the marks signature');
    let remaining = POUCH_ID_LENGTH + h.marks.payloadLength + TAG_LENGTH * chunkCount(h.marks.payloadLength);
    while (remaining > 0) remaining -= (await r.reader.readSome(Math.min(remaining, 1 << 20), 'the payload')).length;
    const statedPouchDigest = (await r.reader.read(DIGEST_LENGTH, 'the seal')).slice();
    await r.reader.read(SIGNATURE_LENGTH, 'the seal');
    return { marks: h.marks, statedPouchDigest, receipts: await readReceipts(r.reader) };
  } finally {
    await r.reader.close();
  }
}

/** Custody receipts: "rcpt" || u32 length || receipt, repeated to the end. */
async function readReceipts(reader: ByteReader): Promise<Uint8Array[]> {
  const receipts: Uint8Array[] = [];
  while (!(await reader.atEnd())) {
    const tag = await reader.read(4, 'a custody receipt');
    if (!constantTimeEqual(tag, RECEIPT_TAG))
      throw pouchError('POUCH_BAD_FORMAT', 'unexpected bytes after the seal (only custody receipts may follow it)');
    const length = readU32(await reader.read(4, 'a custody receipt'));
    if (length > MAX_RECEIPT_LENGTH)
      throw pouchError('POUCH_BAD_FORMAT', `a custody receipt is ${length} bytes; the limit is ${MAX_RECEIPT_LENGTH}`);
    receipts.push((await reader.read(length, 'a custody receipt')).slice());
  }
  return receipts;
}

/**
 * Open a pouch as a recipient device. Checks, in order: structure, marks signature, sender trust,
 * label, replay record, recipient entry, key commitment; then the payload streams, chunk by chunk.
 */
export async function openPouch(crypto: CryptoProvider, source: ByteSource, options: OpenPouchOptions): Promise<OpenedPouch> {
  const r = new DigestingReader(source, options.sha256Stream ?? nobleSha256Stream, 'open');
  let ok = false;
  try {
    const h = await readVerifiedHeader(crypto, r, options.trust);
    const { marks } = h;
    if (options.labelAllows && options.labelAllows(marks.label) !== true) {
      throw pouchError('POUCH_LABEL_NOT_ALLOWED', `this device may not hold content labelled ${marks.label.text}`);
    }
    if (options.seenSeal && (await options.seenSeal(marks)) === true) {
      throw pouchError('POUCH_REPLAYED', `seal ${marks.sealNumber} of ${marks.sender.organisation} was already opened here`);
    }
    const contentKey = await unwrapContentKey(crypto, h, options);

    const intro = await r.read(POUCH_ID_LENGTH, 'the payload');
    const swapped = !constantTimeEqual(intro, marks.pouchId);
    const key = await payloadKey(crypto, contentKey);
    const chunks = chunkCount(marks.payloadLength);
    let index = 0;
    const aead = crypto.aes256gcm;
    const swappedIfShort = (err: unknown): never => {
      if (swapped && hasCode(err, 'POUCH_TRUNCATED'))
        throw pouchError('POUCH_PAYLOAD_SWAPPED', 'the payload belongs to another pouch than these marks', err);
      throw err;
    };
    const failed = (cause: unknown): never => {
      if (!hasCode(cause, 'DECRYPT_FAILED')) throw cause;
      if (index === 0 && swapped) throw pouchError('POUCH_PAYLOAD_SWAPPED', 'the payload belongs to another pouch than these marks', cause);
      throw pouchError('POUCH_SEAL_BROKEN', `payload chunk ${index} fails authentication: the pouch was altered after sealing`, cause);
    };
    // The decrypted payload, one chunk at a time, each handed out only once its tag verifies;
    // after the last chunk, the seal is checked.
    const sealed: { pouchDigest?: Uint8Array; receipts?: Uint8Array[]; custody?: CustodyHop[] } = {};
    async function* plaintext(): AsyncGenerator<Uint8Array> {
      for (; index < chunks; index++) {
        const last = index === chunks - 1;
        const plainLength = last ? marks.payloadLength - CHUNK_SIZE * (chunks - 1) : CHUNK_SIZE;
        const what = `payload chunk ${index}`;
        if (aead.decryptor) {
          // Incremental (node): ciphertext pieces as they come, no copy into one buffer.
          const decryptor = aead.decryptor(key, chunkNonce(index, last));
          const parts: Uint8Array[] = [];
          for (let remaining = plainLength; remaining > 0; ) {
            const { bytes, result } = await r.readSomeThen(remaining, what, (b) => decryptor.update(b)).catch(swappedIfShort);
            parts.push(result);
            remaining -= bytes.length;
          }
          const tag = await r.read(TAG_LENGTH, what).catch(swappedIfShort);
          try {
            decryptor.final(tag);
          } catch (cause) {
            failed(cause);
          }
          yield* parts;
        } else {
          const chunk = await r.read(plainLength + TAG_LENGTH, what).catch(swappedIfShort);
          yield await aead.decrypt(key, chunkNonce(index, last), chunk).catch(failed);
        }
      }
      const pouchDigest = await r.digest();
      await checkSeal(crypto, r.reader, marks, pouchDigest, swapped);
      const receipts = await readReceipts(r.reader);
      if (options.custody) sealed.custody = await checkCustody(crypto, marks, pouchDigest, receipts, options.custody);
      sealed.receipts = receipts;
      sealed.pouchDigest = pouchDigest;
    }
    const payload = new ByteReader(plaintext());
    const manifestLength = readU32(await payload.read(4, 'the manifest'));
    const expectedLength = marks.payloadLength - 4 - marks.totalSize;
    if (manifestLength !== expectedLength)
      throw pouchError('POUCH_MARKS_TAMPERED', 'the manifest does not have the length the marks announce');
    const manifest = decodeManifest(await payload.read(manifestLength, 'the manifest'));
    await checkManifest(crypto, h, manifest, swapped);
    let started = false;
    const opened: OpenedPouch = {
      marks,
      manifest,
      documents: () => {
        if (started) throw pouchError('POUCH_BAD_INPUT', "a pouch's documents can be read only once");
        started = true;
        return readDocuments(payload, manifest, r.reader);
      },
      get pouchDigest() {
        return sealed.pouchDigest;
      },
      get receipts() {
        return sealed.receipts;
      },
      get custody() {
        return sealed.custody;
      },
    };
    ok = true;
    return opened;
  } finally {
    if (!ok) await r.reader.close();
  }
}

async function unwrapContentKey(crypto: CryptoProvider, h: Header, options: OpenPouchOptions): Promise<Uint8Array> {
  const stanza = h.stanzas.find((s) => s.deviceId === options.deviceId);
  if (!stanza) throw pouchError('POUCH_NOT_A_RECIPIENT', `device ${options.deviceId} is not among the recipients of this pouch`);
  let contentKey: Uint8Array;
  try {
    const shared = await xwingDecapsulate(crypto, options.pouchSecretKey, stanza.kemCiphertext);
    contentKey = await crypto.aes256gcm.decrypt(await wrapKey(crypto, shared, stanza.deviceId), WRAP_NONCE, stanza.wrappedKey);
  } catch (cause) {
    throw pouchError('POUCH_NOT_A_RECIPIENT', `the pouch key of device ${options.deviceId} does not open its recipient entry`, cause);
  }
  if (!constantTimeEqual(await keyCommitment(crypto, contentKey), h.commitment)) {
    throw pouchError('POUCH_SEAL_BROKEN', 'the content key does not match the signed key commitment');
  }
  return contentKey;
}

/** The inner copy of the marks must match the outer one: this is what catches a re-signed header. */
async function checkManifest(crypto: CryptoProvider, h: Header, manifest: PouchManifest, swapped: boolean): Promise<void> {
  const { marks } = h;
  if (!constantTimeEqual(manifest.pouchId, marks.pouchId) || manifest.sealNumber !== marks.sealNumber) {
    throw pouchError(
      'POUCH_REPLAYED',
      `the contents were sealed as ${manifest.sealNumber}, not as ${marks.sealNumber}: an old payload under a new seal`,
    );
  }
  const inner = manifest.label;
  if (inner.policyId !== marks.label.policyId || inner.text !== marks.label.text || inner.privacyMark !== marks.label.privacyMark) {
    throw pouchError('POUCH_LABEL_MISMATCH', `the pouch is marked ${marks.label.text} but its contents were sealed as ${inner.text}`);
  }
  if (!constantTimeEqual(manifest.marksDigest, await crypto.sha256(h.marksBytes))) {
    throw pouchError('POUCH_MARKS_TAMPERED', 'the marks differ from those the contents were sealed under');
  }
  const total = manifest.documents.reduce((sum, d) => sum + d.size, 0);
  if (manifest.documents.length !== marks.itemCount || total !== marks.totalSize) {
    throw pouchError('POUCH_MARKS_TAMPERED', 'the item count or total size on the marks does not match the manifest');
  }
  if (swapped) throw pouchError('POUCH_SEAL_BROKEN', 'the pouch id before the payload was altered');
}

async function* readDocuments(payload: ByteReader, manifest: PouchManifest, file: ByteReader): AsyncGenerator<OpenedDocument, void> {
  try {
    for (let index = 0; index < manifest.documents.length; index++) {
      const entry = manifest.documents[index] as PouchDocumentEntry;
      let remaining = entry.size;
      async function* content(): AsyncGenerator<Uint8Array> {
        while (remaining > 0) {
          const bytes = await payload.readSome(remaining, `document ${index}`);
          remaining -= bytes.length;
          yield bytes;
        }
      }
      const stream = content();
      yield { index, entry, content: stream };
      // Whatever the caller did not read is read (and authenticated) here, so the stream stays in step.
      for await (const _ of stream) {
        // skipped
      }
    }
    // Reading past the last document runs the payload to its end: the last chunk, then the seal.
    if (!(await payload.atEnd())) throw pouchError('POUCH_BAD_FORMAT', 'the payload is longer than its manifest');
  } finally {
    await payload.close();
    await file.close();
  }
}

function safeText(bytes: Uint8Array): string {
  try {
    return JSON.stringify(fromUtf8(bytes).trim()).slice(0, 40);
  } catch {
    return 'unreadable';
  }
}
