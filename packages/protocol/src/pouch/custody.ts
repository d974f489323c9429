/**
 * Chain of custody (docs/pouch-format.md, "Custody receipts"): each hand-over of a pouch — to a
 * courier, a transit point, the consignee — is a receipt signed by the one who TAKES the pouch,
 * naming the seal, the pouch digest, the time, the place and the one it came from. Receipts chain
 * by hash from the pouch digest and are appended after the seal, so adding one never changes the
 * sealed bytes. `verifyCustodyChain` gives each failure one precise code.
 */
import { concatBytes, constantTimeEqual } from '../bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { HYBRID_PUBLIC_KEY_LENGTH, HYBRID_SECRET_KEY_LENGTH, hybridPublicKeyOf, signHybrid, verifyHybrid } from '../identity/hybrid.ts';
import {
  ByteParser,
  ByteWriter,
  checkText,
  DIGEST_LENGTH,
  MAX_RECEIPT_LENGTH,
  pouchError,
  RECEIPT_TAG,
  SIGNATURE_LENGTH,
} from './format.ts';

const RECEIPT_VERSION = 1;

/** The holder a pouch came from: the fingerprint of its hybrid identity key and its name. */
export interface CustodyFrom {
  /** SHA-256 of the previous holder's hybrid public key (the sender's, for the first hand-over). */
  fingerprint: Uint8Array;
  /** Display name or handle of the previous holder, as the taker saw it. */
  name: string;
}

/** The one who takes the pouch and signs the receipt. */
export interface CustodyTaker {
  /** Handle of the person or unit taking the pouch (e.g. "courier.ana@frd"). */
  handle: string;
  deviceId: string;
  /** Hybrid identity public key (1984 bytes) the receipt is signed with. */
  publicKey: Uint8Array;
}

/** One decoded receipt. */
export interface CustodyReceipt {
  /** 1 for the first hand-over after sealing, then +1 per hand-over. */
  sequence: number;
  sealNumber: string;
  pouchDigest: Uint8Array;
  /** The link this receipt chains from: the pouch digest for sequence 1, else the previous receipt's digest. */
  previous: Uint8Array;
  /** Milliseconds since the Unix epoch. */
  time: number;
  place: string;
  from: CustodyFrom;
  taker: CustodyTaker;
  signature: Uint8Array;
  /** Every byte before the signature: what the taker signed. */
  signed: Uint8Array;
  /** SHA-256 of the whole receipt: the next receipt's `previous` (empty from decodeCustodyReceipt, which does not hash). */
  digest: Uint8Array;
}

/** A verified hand-over, in order from the sender to the last taker. */
export interface CustodyHop {
  sequence: number;
  time: number;
  place: string;
  from: CustodyFrom;
  taker: CustodyTaker & { fingerprint: Uint8Array };
  /** SHA-256 of the receipt (for an audit log entry). */
  receiptDigest: Uint8Array;
}

/**
 * Returns the hybrid public key trusted for this taker (directory, key transparency), or undefined
 * when none is: the receipt is then refused as forged.
 */
export type CustodyTrust = (taker: {
  handle: string;
  deviceId: string;
  fingerprint: Uint8Array;
}) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

/** What openPouch / verifyPouch check when given a `custody` option. */
export interface CustodyCheck {
  trust: CustodyTrust;
  /**
   * When given, the chain must end with a taker this accepts (the opening device's person or
   * unit), else POUCH_CHAIN_INCOMPLETE; a pouch with no receipt is then incomplete too.
   */
  consignee?: (taker: CustodyTaker) => boolean;
}

export interface MakeCustodyReceiptInput {
  /** The pouch digest and seal number (from verifyPouch, or PouchSealResult + marks). */
  pouchDigest: Uint8Array;
  sealNumber: string;
  /** The last receipt already on the pouch; leave out for the first hand-over (from the sender). */
  previous?: Uint8Array;
  /** The sender, for the first hand-over: its hybrid public key (in the marks) and name. */
  sender?: { publicKey: Uint8Array; name: string };
  /** Milliseconds since the epoch (default Date.now()). */
  time?: number;
  place: string;
  taker: { handle: string; deviceId: string /** Hybrid identity secret key (64 bytes). */; secretKey: Uint8Array };
}

const bad = (message: string) => pouchError('POUCH_BAD_FORMAT', message);
const badInput = (message: string) => pouchError('POUCH_BAD_INPUT', message);

/** SHA-256 of a hybrid public key: how a receipt names a holder. */
export function custodyFingerprint(crypto: CryptoProvider, publicKey: Uint8Array): Promise<Uint8Array> {
  return crypto.sha256(publicKey);
}

/**
 * Make and sign the receipt of one hand-over, by the taker. Returns the receipt; append
 * `frameCustodyReceipt(receipt)` to the pouch file.
 */
export async function makeCustodyReceipt(crypto: CryptoProvider, input: MakeCustodyReceiptInput): Promise<Uint8Array> {
  if (input.pouchDigest.length !== DIGEST_LENGTH) throw badInput('the pouch digest must be 32 bytes');
  checkText(input.sealNumber, 'sealNumber', 1, 128, badInput);
  checkText(input.place, 'place', 1, 256, badInput);
  checkText(input.taker.handle, 'taker.handle', 1, 256, badInput);
  checkText(input.taker.deviceId, 'taker.deviceId', 1, 255, badInput);
  if (input.taker.secretKey.length !== HYBRID_SECRET_KEY_LENGTH) throw badInput('the taker secret key must be 64 bytes');
  const time = input.time ?? Date.now();
  if (!Number.isSafeInteger(time) || time < 0) throw badInput('time must be milliseconds since the epoch');

  let sequence: number;
  let previous: Uint8Array;
  let from: CustodyFrom;
  if (input.previous) {
    const p = await decodeWithDigest(crypto, input.previous);
    if (!constantTimeEqual(p.pouchDigest, input.pouchDigest) || p.sealNumber !== input.sealNumber)
      throw badInput('the previous receipt is for another pouch');
    sequence = p.sequence + 1;
    previous = p.digest;
    from = { fingerprint: await custodyFingerprint(crypto, p.taker.publicKey), name: p.taker.handle };
  } else {
    if (!input.sender) throw badInput('the first receipt needs the sender (public key and name)');
    if (input.sender.publicKey.length !== HYBRID_PUBLIC_KEY_LENGTH) throw badInput('the sender public key must be 1984 bytes');
    sequence = 1;
    previous = input.pouchDigest;
    from = { fingerprint: await custodyFingerprint(crypto, input.sender.publicKey), name: input.sender.name };
  }
  checkText(from.name, 'from.name', 1, 256, badInput);
  const signed = new ByteWriter()
    .u8(RECEIPT_VERSION)
    .u32(sequence)
    .text(input.sealNumber)
    .bytes(input.pouchDigest)
    .bytes(previous)
    .u64(time)
    .text(input.place)
    .bytes(from.fingerprint)
    .text(from.name)
    .text(input.taker.handle)
    .text(input.taker.deviceId)
    .bytes(await hybridPublicKeyOf(crypto, input.taker.secretKey))
    .finish();
  return concatBytes(signed, await signHybrid(crypto, input.taker.secretKey, 'pouch-custody', signed));
}

/** The bytes to append to a pouch file for one receipt: "rcpt" ‖ u32 length ‖ receipt. */
export function frameCustodyReceipt(receipt: Uint8Array): Uint8Array {
  if (receipt.length > MAX_RECEIPT_LENGTH) throw badInput(`a custody receipt is at most ${MAX_RECEIPT_LENGTH} bytes`);
  return new ByteWriter().bytes(RECEIPT_TAG).u32(receipt.length).bytes(receipt).finish();
}

/** Decode one receipt strictly (POUCH_BAD_FORMAT); checks no signature. */
export function decodeCustodyReceipt(bytes: Uint8Array): CustodyReceipt {
  const p = new ByteParser(bytes, 'custody receipt');
  const version = p.u8();
  if (version !== RECEIPT_VERSION) throw bad(`custody receipt version ${version} is not supported (this reader knows ${RECEIPT_VERSION})`);
  const sequence = p.u32();
  if (sequence < 1) throw bad('a custody receipt sequence starts at 1');
  const sealNumber = p.text('sealNumber', 1, 128);
  const pouchDigest = p.bytes(DIGEST_LENGTH).slice();
  const previous = p.bytes(DIGEST_LENGTH).slice();
  const time = p.u64();
  const place = p.text('place', 1, 256);
  const from = { fingerprint: p.bytes(DIGEST_LENGTH).slice(), name: p.text('from.name', 1, 256) };
  const taker = {
    handle: p.text('taker.handle', 1, 256),
    deviceId: p.text('taker.deviceId', 1, 255),
    publicKey: p.bytes(HYBRID_PUBLIC_KEY_LENGTH).slice(),
  };
  const signedLength = bytes.length - SIGNATURE_LENGTH;
  const signature = p.bytes(SIGNATURE_LENGTH).slice();
  p.end();
  return {
    sequence,
    sealNumber,
    pouchDigest,
    previous,
    time,
    place,
    from,
    taker,
    signature,
    signed: bytes.slice(0, signedLength),
    digest: new Uint8Array(0), // SHA-256 of `bytes`: set by decodeWithDigest (hashing goes through the provider)
  };
}

async function decodeWithDigest(crypto: CryptoProvider, bytes: Uint8Array): Promise<CustodyReceipt> {
  const r = decodeCustodyReceipt(bytes);
  r.digest = await crypto.sha256(bytes);
  return r;
}

export interface VerifyCustodyInput {
  /** The receipts in file order (VerifiedPouch.receipts, OpenedPouch.receipts, readCustodyReceipts). */
  receipts: Uint8Array[];
  pouchDigest: Uint8Array;
  sealNumber: string;
  /** The sender's hybrid public key (from the verified marks): where the chain must start. */
  sender: { publicKey: Uint8Array };
  trust: CustodyTrust;
  consignee?: (taker: CustodyTaker) => boolean;
}

/**
 * Verify the chain of custody, receipt by receipt in file order. Codes:
 * POUCH_BAD_FORMAT (unparsable receipt), POUCH_RECEIPT_FOR_OTHER_POUCH (digest or seal number of
 * another pouch), POUCH_RECEIPT_FORGED (signature does not verify, or the taker's key is not the one
 * trusted for it), POUCH_RECEIPT_MISSING (a hand-over is absent: a sequence number skipped with no
 * later receipt filling it, a first receipt not from the sender, a `from` that is not the previous
 * taker), POUCH_RECEIPT_OUT_OF_ORDER (receipts present but not in chain order: sequence numbers
 * out of order, a hash link or a time that does not follow the previous receipt),
 * POUCH_CHAIN_INCOMPLETE (the last taker is not the expected consignee).
 */
export async function verifyCustodyChain(crypto: CryptoProvider, input: VerifyCustodyInput): Promise<CustodyHop[]> {
  const receipts = await Promise.all(input.receipts.map((r) => decodeWithDigest(crypto, r)));
  // Which pouch, and who signed: independent of the order.
  for (const [i, r] of receipts.entries()) {
    const name = `custody receipt ${i + 1} (${r.taker.handle} at ${r.place})`;
    if (!constantTimeEqual(r.pouchDigest, input.pouchDigest) || r.sealNumber !== input.sealNumber) {
      throw pouchError('POUCH_RECEIPT_FOR_OTHER_POUCH', `${name} is for seal ${r.sealNumber}, another pouch than this one`);
    }
    if (!(await verifyHybrid(crypto, r.taker.publicKey, 'pouch-custody', r.signed, r.signature))) {
      throw pouchError('POUCH_RECEIPT_FORGED', `${name}: the signature of the taker does not verify`);
    }
    const fingerprint = await custodyFingerprint(crypto, r.taker.publicKey);
    const trusted = await input.trust({ handle: r.taker.handle, deviceId: r.taker.deviceId, fingerprint });
    if (!trusted || !constantTimeEqual(trusted, r.taker.publicKey)) {
      throw pouchError(
        'POUCH_RECEIPT_FORGED',
        `${name} is signed by a key that is not trusted for ${r.taker.handle} (${r.taker.deviceId})`,
      );
    }
  }
  // The chain: sequence numbers 1, 2, 3…, each linked by hash and by holder to the one before.
  const hops: CustodyHop[] = [];
  let link = input.pouchDigest;
  let holder = await custodyFingerprint(crypto, input.sender.publicKey);
  let time = 0;
  for (const [i, r] of receipts.entries()) {
    const expected = i + 1;
    const name = `custody receipt ${i + 1} (${r.taker.handle} at ${r.place})`;
    if (r.sequence !== expected) {
      const later = receipts.slice(i + 1).some((o) => o.sequence === expected);
      if (r.sequence < expected || later) {
        throw pouchError('POUCH_RECEIPT_OUT_OF_ORDER', `${name} is hand-over ${r.sequence}, found where hand-over ${expected} belongs`);
      }
      throw pouchError(
        'POUCH_RECEIPT_MISSING',
        expected === 1
          ? `the chain does not start at the sender: the first receipt is hand-over ${r.sequence}`
          : `hand-over ${expected} is missing: receipt ${i + 1} is hand-over ${r.sequence}`,
      );
    }
    if (!constantTimeEqual(r.from.fingerprint, holder)) {
      throw pouchError(
        'POUCH_RECEIPT_MISSING',
        expected === 1
          ? `the chain does not start at the sender: ${name} says the pouch came from ${r.from.name}`
          : `${name} says the pouch came from ${r.from.name}, not from the previous taker: a hand-over is missing`,
      );
    }
    if (!constantTimeEqual(r.previous, link)) {
      throw pouchError('POUCH_RECEIPT_OUT_OF_ORDER', `${name} does not chain from the receipt before it`);
    }
    if (r.time < time) {
      throw pouchError('POUCH_RECEIPT_OUT_OF_ORDER', `${name} is dated before the hand-over that precedes it`);
    }
    const fingerprint = await custodyFingerprint(crypto, r.taker.publicKey);
    hops.push({
      sequence: r.sequence,
      time: r.time,
      place: r.place,
      from: r.from,
      taker: { ...r.taker, fingerprint },
      receiptDigest: r.digest,
    });
    link = r.digest;
    holder = fingerprint;
    time = r.time;
  }
  if (input.consignee) {
    const last = receipts[receipts.length - 1];
    if (!last)
      throw pouchError('POUCH_CHAIN_INCOMPLETE', 'the pouch carries no custody receipt: no hand-over to the consignee is recorded');
    if (input.consignee(last.taker) !== true) {
      throw pouchError(
        'POUCH_CHAIN_INCOMPLETE',
        `the last recorded holder is ${last.taker.handle} at ${last.place}, not the consignee: the chain does not reach this unit`,
      );
    }
  }
  return hops;
}
