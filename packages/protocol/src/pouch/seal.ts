/**
 * Sealing a pouch: one pass over the documents, yielding the file as it is made, in constant
 * memory (at most one chunk at a time). Layout and reasons: docs/pouch-format.md.
 */
import { concatBytes, randomIdBytes } from '../bytes.ts';
import type { AeadEncryptor, CryptoProvider } from '../crypto/provider.ts';
import { ValiseError } from '../errors.ts';
import { HYBRID_SECRET_KEY_LENGTH, hybridPublicKeyOf, signHybrid } from '../identity/hybrid.ts';
import type { SecurityLabel } from '../labels/label.ts';
import { formatLabel } from '../labels/label.ts';
import type { LabelPolicy } from '../labels/policy.ts';
import type { ByteSource } from './byte-reader.ts';
import {
  ByteWriter,
  CHUNK_SIZE,
  checkText,
  chunkCount,
  chunkNonce,
  encodeManifest,
  encodeMarks,
  encodeStanza,
  MAX_DOCUMENTS,
  MAX_MANIFEST_LENGTH,
  MAX_RECIPIENTS,
  POUCH_ID_LENGTH,
  POUCH_MAGIC,
  type PouchLabel,
  type PouchMarks,
  type PouchStanza,
  payloadLengthOf,
  pouchError,
} from './format.ts';
import {
  digestOf,
  hashUpdate,
  keyCommitment,
  nobleSha256Stream,
  payloadKey,
  type Sha256StreamFactory,
  WRAP_NONCE,
  wrapKey,
} from './keys.ts';
import { XWING_PUBLIC_KEY_LENGTH, xwingEncapsulate } from './xwing.ts';

/** A document to seal: its size must be known up front (it is on the marks) and the content must match it. */
export interface PouchDocumentInput {
  name: string;
  mediaType: string;
  size: number;
  content: ByteSource;
}

/** A device that may open the pouch: its id and its X-Wing pouch public key. */
export interface PouchRecipient {
  deviceId: string;
  pouchPublicKey: Uint8Array;
}

export interface SealPouchInput {
  sender: { organisation: string; unit: string; deviceId: string /** Hybrid identity secret key (64 bytes). */; secretKey: Uint8Array };
  consignee: { organisation: string; unit: string };
  sealNumber: string;
  label: SecurityLabel;
  labelPolicy: LabelPolicy;
  recipients: PouchRecipient[];
  /** Whether the label allows this device; every recipient must pass, else POUCH_RECIPIENT_NOT_CLEARED. */
  recipientAllowed: (recipient: PouchRecipient, label: SecurityLabel) => boolean;
  documents: PouchDocumentInput[];
  /** Clock, milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /**
   * Deterministic randomness, for test vectors only: pouch id, content key and X-Wing
   * encapsulation seeds all come from it (and the X-Wing encapsulation then runs in pure JS).
   */
  random?: (length: number) => Uint8Array;
  /** Incremental SHA-256 for bulk bytes; pass node's createHash in Node (see keys.ts). */
  sha256Stream?: Sha256StreamFactory;
}

/** What the sealer knows at the end: the marks and the pouch digest custody receipts will sign. */
export interface PouchSealResult {
  marks: PouchMarks;
  pouchDigest: Uint8Array;
}

const badInput = (message: string) => pouchError('POUCH_BAD_INPUT', message);

/**
 * Seal documents into a pouch, yielding the file's bytes in order. The generator's return value
 * (when iterated by hand) is the marks and the pouch digest.
 */
export async function* sealPouch(crypto: CryptoProvider, input: SealPouchInput): AsyncGenerator<Uint8Array, PouchSealResult> {
  const random = input.random ?? ((n: number) => crypto.randomBytes(n));
  const newHash = input.sha256Stream ?? nobleSha256Stream;
  if (input.sender.secretKey.length !== HYBRID_SECRET_KEY_LENGTH)
    throw new ValiseError('BAD_KEY', 'the sender secret key must be 64 bytes');
  const label: PouchLabel = { policyId: input.label.policyId, text: formatLabel(input.labelPolicy, input.label) };
  if (input.label.privacyMark !== undefined) label.privacyMark = input.label.privacyMark;
  const recipients = checkRecipients(input);
  const documents = checkDocuments(input.documents);

  const pouchId = randomIdBytes(random, POUCH_ID_LENGTH);
  const contentKey = random(32);
  const totalSize = documents.reduce((sum, d) => sum + d.size, 0);
  if (!Number.isSafeInteger(totalSize)) throw badInput('the documents are too large in total');

  // The manifest holds the marks digest, which holds the payload length, which holds the manifest
  // length: the manifest's length does not depend on the digest's value, so measure it first.
  const entries = documents.map((d) => ({ name: d.name, mediaType: d.mediaType, size: d.size }));
  const probe = { pouchId, sealNumber: input.sealNumber, marksDigest: new Uint8Array(32), label, documents: entries };
  const manifestLength = encodeManifest(probe).length;
  if (manifestLength > MAX_MANIFEST_LENGTH) throw badInput('the document names and types are too long in total');
  const marks: PouchMarks = {
    pouchId,
    sealNumber: input.sealNumber,
    createdAt: (input.now ?? Date.now)(),
    sender: {
      organisation: input.sender.organisation,
      unit: input.sender.unit,
      deviceId: input.sender.deviceId,
      publicKey: await hybridPublicKeyOf(crypto, input.sender.secretKey),
    },
    consignee: { organisation: input.consignee.organisation, unit: input.consignee.unit },
    label,
    itemCount: documents.length,
    totalSize,
    payloadLength: payloadLengthOf(manifestLength, totalSize),
  };
  const marksBytes = encodeMarks(marks);
  // Made now, so a hash that runs on another thread gets ready while the header is signed.
  const digest = newHash(marks.payloadLength, 'seal');
  const manifest = encodeManifest({ ...probe, marksDigest: await crypto.sha256(marksBytes) });

  const stanzas: PouchStanza[] = [];
  for (const r of recipients) {
    const eseed = input.random ? random(64) : undefined;
    const { sharedSecret, ciphertext } = await xwingEncapsulate(crypto, r.pouchPublicKey, eseed);
    const wrappedKey = await crypto.aes256gcm.encrypt(await wrapKey(crypto, sharedSecret, r.deviceId), WRAP_NONCE, contentKey);
    stanzas.push({ deviceId: r.deviceId, kemCiphertext: ciphertext, wrappedKey });
  }
  const header = new ByteWriter().bytes(POUCH_MAGIC).u32(marksBytes.length).bytes(marksBytes).u16(stanzas.length);
  for (const s of stanzas) header.bytes(encodeStanza(s));
  header.bytes(await keyCommitment(crypto, contentKey));
  const headerBytes = header.finish();
  const signature = await signHybrid(crypto, input.sender.secretKey, 'pouch-marks', headerBytes);

  // Every byte out goes through the pouch digest; the hash may ask to wait (then the bytes are
  // handed on once it has taken them: an async generator awaits what it yields).
  const emit = (bytes: Uint8Array): Uint8Array | Promise<Uint8Array> => {
    const wait = hashUpdate(digest, bytes);
    return wait ? Promise.resolve(wait).then(() => bytes) : bytes;
  };
  yield emit(concatBytes(headerBytes, signature, pouchId));

  // The payload: u32 manifest length || manifest || documents, cut into STREAM chunks of
  // CHUNK_SIZE plaintext bytes. With an incremental AES-GCM (node) the bytes go straight through
  // the cipher; otherwise (WebCrypto) each chunk is gathered in `buffer` and sealed in one call.
  const key = await payloadKey(crypto, contentKey);
  const chunks = chunkCount(marks.payloadLength);
  const aead = crypto.aes256gcm;
  const incremental = aead.encryptor !== undefined;
  const buffer = incremental ? new Uint8Array(0) : new Uint8Array(CHUNK_SIZE);
  let encryptor: AeadEncryptor | undefined;
  let filled = 0;
  let index = 0;
  const nonce = () => chunkNonce(index, index === chunks - 1);
  const finishChunk = async (): Promise<Uint8Array> => {
    let out: Uint8Array;
    if (incremental) {
      out = (encryptor ?? (aead.encryptor as NonNullable<typeof aead.encryptor>)(key, nonce())).final();
      encryptor = undefined;
    } else {
      out = await aead.encrypt(key, nonce(), buffer.subarray(0, filled));
    }
    index++;
    filled = 0;
    return emit(out);
  };
  // Feed `bytes` to the current chunk, finishing every full chunk that is not the last one.
  async function* put(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
    let offset = 0;
    while (offset < bytes.length) {
      if (filled === CHUNK_SIZE) yield await finishChunk();
      const n = Math.min(CHUNK_SIZE - filled, bytes.length - offset);
      const piece = bytes.subarray(offset, offset + n);
      if (incremental) {
        encryptor ??= (aead.encryptor as NonNullable<typeof aead.encryptor>)(key, nonce());
        yield emit(encryptor.update(piece));
      } else {
        buffer.set(piece, filled);
      }
      filled += n;
      offset += n;
    }
  }

  yield* put(new ByteWriter().u32(manifest.length).bytes(manifest).finish());
  for (const d of documents) {
    let seen = 0;
    for await (const piece of d.content as AsyncIterable<Uint8Array>) {
      if (!(piece instanceof Uint8Array)) throw badInput(`document "${d.name}" yielded something other than bytes`);
      seen += piece.length;
      if (seen > d.size) throw badInput(`document "${d.name}" is longer than its declared size of ${d.size} bytes`);
      yield* put(piece);
    }
    if (seen !== d.size) throw badInput(`document "${d.name}" is ${seen} bytes, not its declared ${d.size}`);
  }
  yield await finishChunk();
  if (index !== chunks) throw new ValiseError('INTERNAL', 'pouch payload chunk count mismatch');

  const pouchDigest = await digestOf(digest);
  yield concatBytes(pouchDigest, await signHybrid(crypto, input.sender.secretKey, 'pouch-seal', pouchDigest));
  return { marks, pouchDigest };
}

function checkRecipients(input: SealPouchInput): PouchRecipient[] {
  const { recipients } = input;
  if (!Array.isArray(recipients) || recipients.length === 0) throw badInput('a pouch needs at least one recipient device');
  if (recipients.length > MAX_RECIPIENTS) throw badInput(`a pouch has at most ${MAX_RECIPIENTS} recipient devices`);
  const seen = new Set<string>();
  for (const r of recipients) {
    checkText(r.deviceId, 'recipient deviceId', 1, 255, badInput);
    if (seen.has(r.deviceId)) throw badInput(`recipient ${r.deviceId} is listed twice`);
    seen.add(r.deviceId);
    if (r.pouchPublicKey.length !== XWING_PUBLIC_KEY_LENGTH) throw badInput(`recipient ${r.deviceId} has no valid X-Wing pouch key`);
    // Fail closed: the label decides who may be a recipient, and a refused device is never one.
    if (input.recipientAllowed(r, input.label) !== true) {
      throw pouchError(
        'POUCH_RECIPIENT_NOT_CLEARED',
        `the label does not allow device ${r.deviceId}; it cannot be a recipient of this pouch`,
      );
    }
  }
  return recipients;
}

function checkDocuments(documents: PouchDocumentInput[]): PouchDocumentInput[] {
  if (!Array.isArray(documents)) throw badInput('documents must be an array');
  if (documents.length > MAX_DOCUMENTS) throw badInput(`a pouch holds at most ${MAX_DOCUMENTS} documents`);
  for (const d of documents) {
    checkText(d.name, 'document name', 1, 1024, badInput);
    checkText(d.mediaType, 'media type', 1, 255, badInput);
    if (!Number.isSafeInteger(d.size) || d.size < 0) throw badInput(`document "${d.name}" must have a non-negative integer size`);
  }
  return documents;
}
