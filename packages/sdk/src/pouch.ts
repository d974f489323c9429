/**
 * Diplomatic pouches, the client's side (docs/pouch-format.md; the format is @valise/protocol's
 * sealPouch/openPouch). Sealing resolves the consignee unit's people from the directory, keeps only
 * the devices of people the label allows, requires each device's identity and pouch keys to be
 * published in the audit log, and seals with this device's hybrid identity. Opening checks the
 * sender against the directory and the log, and the label against this person's clearance now.
 */
import {
  type ByteSource,
  type CustodyHop,
  type CustodyTaker,
  type CustodyTrust,
  clearanceDominates,
  type Device,
  frameCustodyReceipt,
  fromBase64Url,
  type LabelPolicy,
  type Me,
  makeCustodyReceipt,
  type OpenedPouch,
  openPouch,
  type Person,
  type PouchDocumentEntry,
  type PouchLabel,
  type PouchMarks,
  type PouchRecipient,
  type PouchSealResult,
  parseLabel,
  type SenderTrust,
  type Sha256StreamFactory,
  sealPouch,
  toBase64Url,
  toHex,
  ValiseError,
  verifyPouch,
} from '@valise/protocol';
import type { ClientCore } from './core.ts';
import { devicesOf, listPeople, listUnits } from './directory.ts';
import { canonicalLabel, clearanceOf, labelPolicyOf, partitionByClearance } from './labels.ts';
import { PouchTransport } from './pouch-transport.ts';
import {
  type CustodyHopView,
  custodyHopView,
  defaultSealNumber,
  inspectPouchSource,
  marksView,
  type PouchMarksView,
  type PouchVerification,
  peekableSource,
  verifyPouchSource,
} from './pouch-view.ts';
import { requireDeviceKeyPublished, requireDevicePouchKeyPublished } from './transparency.ts';

/** A document to seal: its size must be known up front (it is on the marks). */
export interface PouchFileInput {
  name: string;
  mediaType: string;
  size: number;
  stream: ByteSource;
}

/** Document bytes done so far out of the total (sealing: read; opening: decrypted). */
export interface PouchProgress {
  bytes: number;
  total: number;
}

export interface SealPouchOptions {
  files: PouchFileInput[];
  /** The consignee unit's handle. */
  toUnit: string;
  label: string;
  /** Default `<SENDER UNIT>-<YEAR>-<ULID>` (defaultSealNumber). */
  sealNumber?: string;
  onProgress?: (progress: PouchProgress) => void;
}

/** A pouch being sealed: who it is for, and its bytes, made as they are read. */
export interface PouchSealing {
  sealNumber: string;
  consignee: { organisation: string; unit: string };
  label: string;
  /** The recipient devices, each of a person the label allows. */
  recipients: { deviceId: string; person: string }[];
  /** People of the unit the label does not allow: none of their devices is a recipient. */
  notCleared: string[];
  /** Cleared people without an active device. */
  skipped: string[];
  /** Devices left out because they were enrolled without a pouch key. */
  withoutPouchKey: string[];
  /** The pouch file, in order. Read it once, to the end. */
  bytes: AsyncIterable<Uint8Array>;
  /** The marks and the pouch digest (hex), once `bytes` has been read to the end. */
  readonly result: { marks: PouchMarksView; pouchDigest: string } | undefined;
}

export interface OpenPouchOptionsSdk {
  onProgress?: (progress: PouchProgress) => void;
  /** Refuse (POUCH_REPLAYED) a pouch this device has opened before; default false (reported as `openedBefore`). */
  refuseReopen?: boolean;
  /** Refuse (POUCH_CHAIN_INCOMPLETE) a pouch that carries no custody chain ending at this person or unit. */
  requireCustody?: boolean;
}

/** A hand-over this device signed as the taker: the receipt, and its frame to append to the pouch file. */
export interface PouchHandover {
  /** base64url pouch id (the server's id of the pouch). */
  pouchId: string;
  sealNumber: string;
  pouchDigest: string;
  sequence: number;
  from: string;
  place: string;
  time: string;
  receipt: Uint8Array;
  /** "rcpt" ‖ length ‖ receipt: append it to the pouch file. */
  frame: Uint8Array;
}

export interface OpenedPouchDocument {
  index: number;
  entry: PouchDocumentEntry;
  /** Unverified until the documents iterator finishes without error: write somewhere temporary until then. */
  content: AsyncIterable<Uint8Array>;
}

export interface SdkOpenedPouch {
  marks: PouchMarksView;
  documents: PouchDocumentEntry[];
  /** True when this device had opened this very pouch before. */
  openedBefore: boolean;
  /** The documents in order; the iterator ends only once everything, the seal included, verified. */
  read(): AsyncGenerator<OpenedPouchDocument, void>;
  /** Hex pouch digest, set once `read()` has finished. */
  readonly pouchDigest: string | undefined;
  /** The verified chain of custody, set once `read()` has finished (empty when the pouch carries no receipt). */
  readonly custody: CustodyHopView[] | undefined;
}

interface OpenedRecord {
  sealNumber: string;
  sender: string;
  openedAt: string;
}
const openedKey = (pouchId: Uint8Array) => `pouch/opened/${toBase64Url(pouchId)}`;
const sealKey = (organisation: string, sealNumber: string) => `pouch/seal/${organisation}/${sealNumber}`;

function counted(source: ByteSource, add: (n: number) => void): AsyncIterable<Uint8Array> {
  return (async function* () {
    for await (const piece of source as AsyncIterable<Uint8Array>) {
      add(piece.length);
      yield piece;
    }
  })();
}

export class PouchApi {
  readonly #core: ClientCore;
  readonly #sha256Stream: Sha256StreamFactory | undefined;

  /** Through the server: send, receive, hand over, track, list (pouch-transport.ts). */
  readonly transport: PouchTransport;

  constructor(core: ClientCore, sha256Stream?: Sha256StreamFactory) {
    this.#core = core;
    this.#sha256Stream = sha256Stream;
    this.transport = new PouchTransport(core, this);
  }

  #hashing(): { sha256Stream?: Sha256StreamFactory } {
    return this.#sha256Stream ? { sha256Stream: this.#sha256Stream } : {};
  }

  /** Seal files to the cleared devices of a unit (see PouchSealing). Nothing is read before every check passed. */
  async seal(options: SealPouchOptions): Promise<PouchSealing> {
    const core = this.#core;
    const { label, text: labelText, policy } = await canonicalLabel(core, options.label);
    const unit = options.toUnit.trim().toLowerCase();
    if (!(await listUnits(core)).some((u) => u.handle === unit)) {
      throw new ValiseError('UNKNOWN_UNIT', `no unit called ${unit} in the directory`);
    }
    const me = await core.api.get<Me>('/me');
    if (!clearanceDominates(policy, clearanceOf(me.person), label)) {
      throw new ValiseError('LABEL_NOT_DOMINATED', `you are cleared to ${me.person.clearance}: you cannot seal ${labelText}`);
    }
    const members = await core.api.get<Person[]>(`/directory/units/${encodeURIComponent(unit)}/members`);
    const { cleared, notCleared } = partitionByClearance(policy, label, members);
    const personOf = new Map<string, Person>();
    const recipients: PouchRecipient[] = [];
    const skipped: string[] = [];
    const withoutPouchKey: string[] = [];
    for (const person of cleared) {
      const active = (await devicesOf(core, person.handle)).filter((d) => d.revokedAt === null);
      if (active.length === 0) skipped.push(person.handle);
      for (const device of active) {
        let pouchPublicKey: Uint8Array;
        try {
          // Key transparency: nothing is sealed to a pouch key the audit log does not publish for that device.
          pouchPublicKey = await requireDevicePouchKeyPublished(core, device);
        } catch (err) {
          if (err instanceof ValiseError && err.code === 'POUCH_NO_POUCH_KEY') {
            withoutPouchKey.push(device.id);
            continue;
          }
          throw err;
        }
        personOf.set(device.id, person);
        recipients.push({ deviceId: device.id, pouchPublicKey });
      }
    }
    if (recipients.length === 0) {
      if (withoutPouchKey.length > 0) {
        throw new ValiseError(
          'POUCH_NO_POUCH_KEY',
          `no cleared device of ${unit} has a pouch key (enrolled before pouches: ${withoutPouchKey.join(', ')}); nothing was sealed`,
        );
      }
      throw new ValiseError('POUCH_NO_RECIPIENTS', `nobody in ${unit} cleared for ${labelText} has an enrolled device; nothing was sealed`);
    }

    const now = core.clock();
    const sealNumber = options.sealNumber ?? defaultSealNumber(me.person.unit, now, (n) => core.crypto.randomBytes(n));
    const organisation = core.identity.organisation.domain;
    const total = options.files.reduce((sum, f) => sum + f.size, 0);
    let done = 0;
    const add = (n: number) => {
      done += n;
      options.onProgress?.({ bytes: done, total });
    };
    const generator = sealPouch(core.crypto, {
      sender: {
        organisation,
        unit: me.person.unit,
        deviceId: core.identity.deviceId,
        secretKey: fromBase64Url(core.identity.identitySecretKey),
      },
      consignee: { organisation, unit },
      sealNumber,
      label,
      labelPolicy: policy,
      recipients,
      // The same dominance check as cables: the device's person must be cleared for the label.
      recipientAllowed: (r, l) => {
        const person = personOf.get(r.deviceId);
        return person !== undefined && clearanceDominates(policy, clearanceOf(person), l);
      },
      documents: options.files.map((f) => ({ name: f.name, mediaType: f.mediaType, size: f.size, content: counted(f.stream, add) })),
      now: () => now.getTime(),
      ...this.#hashing(),
    });
    let result: PouchSealing['result'];
    const crypto = core.crypto;
    const bytes = (async function* () {
      for (;;) {
        const step = await generator.next();
        if (step.done) {
          const r: PouchSealResult = step.value;
          result = {
            marks: await marksView(
              crypto,
              r.marks,
              recipients.map((x) => x.deviceId),
            ),
            pouchDigest: toHex(r.pouchDigest),
          };
          return;
        }
        yield step.value;
      }
    })();
    return {
      sealNumber,
      consignee: { organisation, unit },
      label: labelText,
      recipients: recipients.map((r) => ({ deviceId: r.deviceId, person: personOf.get(r.deviceId)?.handle ?? '' })),
      notCleared: notCleared.map((p) => p.handle),
      skipped,
      withoutPouchKey,
      bytes,
      get result() {
        return result;
      },
    };
  }

  /** The marks, without any key (reads the header only). */
  inspect(source: ByteSource): Promise<PouchMarksView> {
    return inspectPouchSource(this.#core.crypto, source);
  }

  /**
   * Verify the whole pouch without keys, the sender's key against the directory and the audit
   * log, and the custody receipts on it (each taker's key likewise; the chain unbroken).
   */
  verify(source: ByteSource): Promise<PouchVerification> {
    return verifyPouchSource(this.#core.crypto, source, {
      trust: this.#trust(),
      custody: { trust: this.#custodyTrust() },
      ...this.#hashing(),
    });
  }

  /**
   * A taker's key is trusted when the directory lists that device for the person (or for a person
   * of the unit) the receipt names, with that key, published in the audit log. A device revoked
   * since still verifies: what it signed before stands.
   */
  #custodyTrust(): CustodyTrust {
    const core = this.#core;
    return async (taker) => {
      let device: Device;
      try {
        device = await core.api.get<Device>(`/devices/${encodeURIComponent(taker.deviceId)}`);
      } catch (err) {
        if (err instanceof ValiseError && err.code === 'NOT_FOUND') return undefined;
        throw err;
      }
      if (device.person !== taker.handle) {
        const person = (await listPeople(core)).find((p) => p.handle === device.person);
        if (!person || person.unit !== taker.handle) return undefined;
      }
      await requireDeviceKeyPublished(core, device, { allowRevoked: true });
      return fromBase64Url(device.identityKey);
    };
  }

  /**
   * Take custody of a pouch: verify it (seal, sender, the chain so far), then sign the receipt of
   * this hand-over with this device's identity key. `from`, when given, must name the previous
   * holder (the last taker's handle, or the sender's device or person), else POUCH_HANDOVER_FROM_MISMATCH.
   */
  async handover(source: ByteSource, options: { place: string; from?: string; time?: Date }): Promise<PouchHandover> {
    const core = this.#core;
    const v = await verifyPouch(core.crypto, source, {
      trust: this.#trust(),
      custody: { trust: this.#custodyTrust() },
      ...this.#hashing(),
    });
    const last = v.custody?.at(-1);
    if (options.from !== undefined) {
      const wanted = options.from.trim().toLowerCase();
      const holders = last
        ? [last.taker.handle]
        : [
            v.marks.sender.deviceId.toLowerCase(),
            (await core.api.get<Device>(`/devices/${encodeURIComponent(v.marks.sender.deviceId)}`)).person,
          ];
      if (!holders.includes(wanted)) {
        throw new ValiseError(
          'POUCH_HANDOVER_FROM_MISMATCH',
          `the pouch was last held by ${holders[0]}, not by ${options.from}: nothing was signed`,
        );
      }
    }
    const me = await core.api.get<Me>('/me');
    const time = (options.time ?? core.clock()).getTime();
    const receipt = await makeCustodyReceipt(core.crypto, {
      pouchDigest: v.pouchDigest,
      sealNumber: v.marks.sealNumber,
      ...(v.receipts.length > 0
        ? { previous: v.receipts[v.receipts.length - 1] as Uint8Array }
        : { sender: { publicKey: v.marks.sender.publicKey, name: v.marks.sender.deviceId } }),
      time,
      place: options.place,
      taker: { handle: me.person.handle, deviceId: core.identity.deviceId, secretKey: fromBase64Url(core.identity.identitySecretKey) },
    });
    return {
      pouchId: toBase64Url(v.marks.pouchId),
      sealNumber: v.marks.sealNumber,
      pouchDigest: toHex(v.pouchDigest),
      sequence: (last?.sequence ?? 0) + 1,
      from: last ? last.taker.handle : v.marks.sender.deviceId,
      place: options.place,
      time: new Date(time).toISOString(),
      receipt,
      frame: frameCustodyReceipt(receipt),
    };
  }

  /**
   * The sender is trusted when the directory lists that device with that very key, for a person of
   * the unit the marks name, in this organisation, and the key is published in the audit log. A
   * device revoked since still verifies (as for cables: what it sealed before stays readable).
   */
  #trust(): SenderTrust {
    const core = this.#core;
    return async (sender) => {
      if (sender.organisation !== core.identity.organisation.domain) return false;
      let device: Device;
      try {
        device = await core.api.get<Device>(`/devices/${encodeURIComponent(sender.deviceId)}`);
      } catch (err) {
        if (err instanceof ValiseError && err.code === 'NOT_FOUND') return false;
        throw err;
      }
      if (device.identityKey !== toBase64Url(sender.publicKey)) return false;
      const person = (await listPeople(core)).find((p) => p.handle === device.person);
      if (!person || person.unit !== sender.unit) return false;
      await requireDeviceKeyPublished(core, device, { allowRevoked: true });
      return true;
    };
  }

  /**
   * Open a pouch this device is a recipient of. A device that is not listed learns so first
   * (POUCH_NOT_A_RECIPIENT, from the outside, no key used); then the protocol's checks run in their
   * order (sender trust, this person's clearance now for the label, replay, keys, contents).
   */
  async open(source: ByteSource, options: OpenPouchOptionsSdk = {}): Promise<SdkOpenedPouch> {
    const core = this.#core;
    if (!core.identity.pouchSecretKey) {
      throw new ValiseError('POUCH_NO_POUCH_KEY', 'this device was enrolled without a pouch key: it cannot open pouches');
    }
    const { peek, replay, close } = peekableSource(source);
    let outside: PouchMarksView;
    let me: Me;
    let policy: LabelPolicy;
    try {
      outside = await inspectPouchSource(core.crypto, peek);
      if (!outside.recipients.includes(core.identity.deviceId)) {
        throw new ValiseError('POUCH_NOT_A_RECIPIENT', `this device (${core.identity.deviceId}) is not among the recipients of this pouch`);
      }
      [me, policy] = await Promise.all([core.api.get<Me>('/me'), labelPolicyOf(core)]);
    } catch (err) {
      await close();
      throw err;
    }
    const labelAllows = (l: PouchLabel): boolean => {
      if (l.policyId !== policy.id) return false;
      try {
        return clearanceDominates(policy, clearanceOf(me.person), parseLabel(policy, l.text));
      } catch {
        return false;
      }
    };
    let openedBefore = false;
    const seenSeal = async (marks: PouchMarks): Promise<boolean> => {
      openedBefore = (await core.store.getJson<OpenedRecord>(openedKey(marks.pouchId))) !== undefined;
      const earlier = await core.store.getJson<{ pouchId: string }>(sealKey(marks.sender.organisation, marks.sealNumber));
      // One seal number, two pouches: an old payload presented under a reused seal.
      if (earlier && earlier.pouchId !== toBase64Url(marks.pouchId)) return true;
      return openedBefore && options.refuseReopen === true;
    };
    const opened: OpenedPouch = await openPouch(core.crypto, replay(), {
      deviceId: core.identity.deviceId,
      pouchSecretKey: fromBase64Url(core.identity.pouchSecretKey),
      trust: this.#trust(),
      labelAllows,
      seenSeal,
      // The chain of custody, when the pouch carries one; where it must end is checked after reading.
      custody: { trust: this.#custodyTrust() },
      ...this.#hashing(),
    });
    const marks = await marksView(core.crypto, opened.marks, outside.recipients);
    const total = opened.marks.totalSize;
    let done = 0;
    const add = (n: number) => {
      done += n;
      options.onProgress?.({ bytes: done, total });
    };
    let pouchDigest: string | undefined;
    let custody: CustodyHopView[] | undefined;
    // At the consignee unit, a chain must end with this person or a person of this unit.
    const atConsignee = opened.marks.consignee.unit === me.person.unit;
    const members = atConsignee
      ? new Set((await listPeople(core)).filter((p) => p.unit === me.person.unit).map((p) => p.handle))
      : new Set<string>();
    const endsHere = (t: CustodyTaker) => t.handle === me.person.handle || t.handle === me.person.unit || members.has(t.handle);
    const checkChain = (hops: CustodyHop[]) => {
      const last = hops.at(-1);
      if (!last) {
        if (options.requireCustody) {
          throw new ValiseError(
            'POUCH_CHAIN_INCOMPLETE',
            'the pouch carries no custody receipt: no hand-over to the consignee is recorded',
          );
        }
        return;
      }
      if ((atConsignee || options.requireCustody) && !endsHere(last.taker)) {
        throw new ValiseError(
          'POUCH_CHAIN_INCOMPLETE',
          `the last recorded holder is ${last.taker.handle} at ${last.place}, not ${me.person.handle} or ${me.person.unit}: sign for the pouch first (valise pouch handover)`,
        );
      }
    };
    const remember = async () => {
      const m = opened.marks;
      const record: OpenedRecord = { sealNumber: m.sealNumber, sender: m.sender.deviceId, openedAt: core.clock().toISOString() };
      await core.store.putJson(openedKey(m.pouchId), record);
      await core.store.putJson(sealKey(m.sender.organisation, m.sealNumber), { pouchId: toBase64Url(m.pouchId) });
    };
    return {
      marks,
      documents: opened.manifest.documents,
      openedBefore,
      async *read() {
        for await (const d of opened.documents()) yield { index: d.index, entry: d.entry, content: counted(d.content, add) };
        checkChain(opened.custody ?? []);
        custody = (opened.custody ?? []).map(custodyHopView);
        if (opened.pouchDigest) pouchDigest = toHex(opened.pouchDigest);
        await remember();
      },
      get pouchDigest() {
        return pouchDigest;
      },
      get custody() {
        return custody;
      },
    };
  }
}
