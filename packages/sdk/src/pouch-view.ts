/**
 * What the SDK shows of a pouch without keys: the marks as plain JSON, and the keyless checks a
 * courier, a registry or anyone without a profile can run (inspect: the header; verify: the whole
 * file). Also the default seal number and a source that can be read twice over its first bytes.
 */
import {
  type ByteSource,
  type CryptoProvider,
  type CustodyCheck,
  type CustodyHop,
  inspectPouch,
  type PouchMarks,
  type SenderTrust,
  type Sha256StreamFactory,
  toBase64Url,
  toHex,
  verifyPouch,
} from '@valise/protocol';

/** The visible external marks of a pouch, as JSON. */
export interface PouchMarksView {
  /** base64url of the 16-byte pouch id. */
  pouchId: string;
  sealNumber: string;
  createdAt: string;
  sender: { organisation: string; unit: string; deviceId: string; keyFingerprint: string };
  consignee: { organisation: string; unit: string };
  label: { policyId: string; text: string; privacyMark?: string };
  itemCount: number;
  totalSize: number;
  /** Device ids of the recipients (they are on the outside too, by design). */
  recipients: string[];
}

export interface PouchVerification extends PouchMarksView {
  /** Hex SHA-256 of the file up to the end of the payload: what `head -c … | sha256sum` gives, what custody receipts sign. */
  pouchDigest: string;
  /** Custody receipt records after the seal (uninterpreted in valise-pouch/v1). */
  receipts: number;
  /** True when the sender's key was also checked against the directory and the audit log. */
  senderChecked: boolean;
  /** The verified chain of custody, from the sender to the last taker (when it was checked). */
  custody?: CustodyHopView[];
}

/** One verified hand-over, as JSON. */
export interface CustodyHopView {
  sequence: number;
  time: string;
  place: string;
  /** The previous holder as the taker named them. */
  from: string;
  taker: { handle: string; deviceId: string; keyFingerprint: string };
  /** Hex SHA-256 of the receipt (as in the audit log's custody-handover event). */
  receiptDigest: string;
}

export function custodyHopView(hop: CustodyHop): CustodyHopView {
  return {
    sequence: hop.sequence,
    time: new Date(hop.time).toISOString(),
    place: hop.place,
    from: hop.from.name,
    taker: { handle: hop.taker.handle, deviceId: hop.taker.deviceId, keyFingerprint: toBase64Url(hop.taker.fingerprint) },
    receiptDigest: toHex(hop.receiptDigest),
  };
}

/** The marks and recipients as JSON. */
export async function marksView(crypto: CryptoProvider, marks: PouchMarks, recipients: string[]): Promise<PouchMarksView> {
  const label: PouchMarksView['label'] = { policyId: marks.label.policyId, text: marks.label.text };
  if (marks.label.privacyMark) label.privacyMark = marks.label.privacyMark;
  return {
    pouchId: toBase64Url(marks.pouchId),
    sealNumber: marks.sealNumber,
    createdAt: new Date(marks.createdAt).toISOString(),
    sender: {
      organisation: marks.sender.organisation,
      unit: marks.sender.unit,
      deviceId: marks.sender.deviceId,
      keyFingerprint: toBase64Url(await crypto.sha256(marks.sender.publicKey)),
    },
    consignee: { ...marks.consignee },
    label,
    itemCount: marks.itemCount,
    totalSize: marks.totalSize,
    recipients,
  };
}

/** Read and check a pouch's marks (structure and sender signature) without any key; reads the header only. */
export async function inspectPouchSource(crypto: CryptoProvider, source: ByteSource): Promise<PouchMarksView> {
  const inspected = await inspectPouch(crypto, source);
  return marksView(crypto, inspected.marks, inspected.recipients);
}

/**
 * Verify a whole pouch without keys: structure, marks signature, pouch digest and the seal
 * signature; with `trust`, also the sender's key. Pass native hashing in Node (`nodeSha256Stream`).
 */
export async function verifyPouchSource(
  crypto: CryptoProvider,
  source: ByteSource,
  options: { trust?: SenderTrust; sha256Stream?: Sha256StreamFactory; custody?: CustodyCheck } = {},
): Promise<PouchVerification> {
  const v = await verifyPouch(crypto, source, options);
  return {
    ...(await marksView(crypto, v.marks, v.recipients)),
    pouchDigest: toHex(v.pouchDigest),
    receipts: v.receipts.length,
    senderChecked: options.trust !== undefined,
    ...(v.custody ? { custody: v.custody.map(custodyHopView) } : {}),
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 48-bit milliseconds then 80 random bits, Crockford base32 (sorts by time, unique without coordination). */
export function newUlid(now: Date, random: (n: number) => Uint8Array): string {
  let t = now.getTime();
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = random(10);
  let bits = 0;
  let value = 0;
  let rand = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      rand += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return time + rand;
}

/**
 * The default seal number: `<SENDER UNIT>-<YEAR>-<ULID>`, e.g. `HQ-2026-01JD3…`. A per-unit
 * counter (`HQ-2026-000123`) would need every device of the unit to agree on the next number, which
 * offline sealing cannot; a ULID is unique without coordination and still sorts by time.
 */
export function defaultSealNumber(senderUnit: string, now: Date, random: (n: number) => Uint8Array): string {
  const unit = (senderUnit.split('@')[0] ?? senderUnit).toUpperCase();
  return `${unit}-${now.getUTCFullYear()}-${newUlid(now, random)}`;
}

/**
 * A source whose first bytes can be read twice: `peek` (for the header) records what it pulls,
 * `replay()` yields those bytes again and then the rest. Holds only what `peek` read.
 */
export function peekableSource(source: ByteSource): {
  peek: ByteSource;
  replay: () => AsyncGenerator<Uint8Array>;
  /** Close the underlying source when `replay` will not be read (or not to its end). */
  close: () => Promise<void>;
} {
  const it: AsyncIterator<Uint8Array> | Iterator<Uint8Array> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const seen: Uint8Array[] = [];
  const peek: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      async next() {
        const r = await it.next();
        if (!r.done) seen.push(r.value);
        return r;
      },
      // The reader closing the peek must not close the underlying source.
      async return() {
        return { done: true, value: undefined };
      },
    }),
  };
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      yield* seen.splice(0);
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }
  const close = async () => {
    seen.length = 0;
    await it.return?.();
  };
  return { peek, replay, close };
}
