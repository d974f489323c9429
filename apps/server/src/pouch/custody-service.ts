/**
 * Chain of custody and tracking on the server: each taker's device reports the receipt it signed;
 * the server checks it against the chain it holds (verifyCustodyChain: signature, the taker's key
 * in the directory, hash link, sequence, the previous holder), stores it, appends a
 * 'custody-handover' event to the audit log and moves the next hop's deadline. A pouch whose next
 * hop is overdue is reported missing once, to the security officers of both units.
 *
 * Who may take custody: any enrolled, live device of the organisation. A courier needs no special
 * role and no clearance: the pouch is sealed, the courier never reads it, and what makes a
 * hand-over accountable is the taker's signature with a key the directory and the audit log know.
 */
import {
  constantTimeEqual,
  decodeCustodyReceipt,
  type PostReceiptRequest,
  type PostReceiptResponse,
  type PouchTrack,
  toHex,
  verifyCustodyChain,
} from '@valise/protocol';
import type { ServiceContext } from '../context.ts';
import { bytesOf, isUniqueViolation } from '../db/transactions.ts';
import { decodeField } from '../encoding.ts';
import { serverError } from '../errors.ts';
import type { Actor } from '../identity/authentication.ts';
import { getDeviceRow, getPersonRow, listPersonRows, rolesOf } from '../identity/store.ts';
import { actorOfEvent, recordingDenials, recordSecurityEvent } from '../policy/security-events.ts';
import { type PouchService, pouchFailure } from './service.ts';
import { getPouchRow, hopOf, type PouchRow, pouchSummary, type ReceiptRow, receiptRows } from './store.ts';

/** A receipt may be dated at most this far ahead of the server's clock. */
export const RECEIPT_CLOCK_SKEW_MS = 5 * 60_000;

export class CustodyService {
  readonly #ctx: ServiceContext;
  readonly #pouches: PouchService;

  constructor(ctx: ServiceContext, pouches: PouchService) {
    this.#ctx = ctx;
    this.#pouches = pouches;
  }

  /** The hybrid key the directory holds for a taker: the device must belong to the person the receipt names. */
  #trust = async (taker: { handle: string; deviceId: string }): Promise<Uint8Array | undefined> => {
    const device = await getDeviceRow(this.#ctx.db, taker.deviceId);
    return device && device.person_handle === taker.handle ? bytesOf(device.identity_key) : undefined;
  };

  /** Record a hand-over: the caller's device is the taker that signed `req.receipt`. */
  async postReceipt(actor: Actor, id: string, req: PostReceiptRequest): Promise<PostReceiptResponse> {
    const { db, clock, crypto } = this.#ctx;
    const row = await getPouchRow(db, id);
    if (!row) throw serverError('NOT_FOUND', `no pouch ${id}`);
    const bytes = decodeField(req.receipt, 'receipt');
    let receipt: ReturnType<typeof decodeCustodyReceipt>;
    try {
      receipt = decodeCustodyReceipt(bytes);
    } catch (err) {
      pouchFailure(err);
    }
    await recordingDenials(this.#ctx, actor, { action: 'pouch-handover', target: `pouch:${id}` }, async () => {
      if (receipt.taker.deviceId !== actor.deviceId || receipt.taker.handle !== actor.person.handle) {
        throw serverError('FORBIDDEN', 'a custody receipt is reported by the device of its taker, which signed it');
      }
    });
    if (row.status !== 'available' && row.status !== 'received') {
      throw serverError('POUCH_NOT_AVAILABLE', 'custody is recorded once the pouch is uploaded and verified');
    }
    const now = clock().getTime();
    if (receipt.time > now + RECEIPT_CLOCK_SKEW_MS) {
      throw serverError('POUCH_RECEIPT_TIME', 'the receipt is dated in the future: check the clock of the taking device');
    }
    const held = await receiptRows(db, id);
    // Reported again (a taker re-running the hand-over): the same answer, nothing recorded twice.
    const again = held.find((r) => sameReceipt(bytesOf(r.receipt), bytes));
    if (again) return { hop: hopOf(again), pouch: pouchSummary(row) };
    const hops = await verifyCustodyChain(crypto, {
      receipts: [...held.map((r) => bytesOf(r.receipt)), bytes],
      pouchDigest: bytesOf(row.pouch_digest as Uint8Array),
      sealNumber: row.seal_number,
      sender: { publicKey: bytesOf(row.sender_key) },
      trust: this.#trust,
    }).catch(pouchFailure);
    const hop = hops[hops.length - 1];
    if (!hop || hop.sequence !== held.length + 1) throw serverError('CONFLICT', 'the chain changed meanwhile: report the receipt again');
    const taker = await getPersonRow(db, hop.taker.handle);
    const atConsignee = taker?.unit_handle === row.consignee_unit;
    const receiptRow: ReceiptRow = {
      pouch: id,
      sequence: hop.sequence,
      receipt: bytes,
      receipt_digest: hop.receiptDigest,
      taker_handle: hop.taker.handle,
      taker_device: hop.taker.deviceId,
      place: hop.place,
      from_name: hop.from.name,
      at: hop.time,
      recorded_at: now,
    };
    try {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('pouch_receipts').values(receiptRow).execute();
        const moved = await trx
          .updateTable('pouches')
          .set({
            holder: hop.taker.handle,
            hops: hop.sequence,
            missing_at: null,
            // At the consignee unit the journey ends: no next hop is due.
            expected_by: atConsignee ? null : now + row.hop_window_ms,
            ...(atConsignee ? { status: 'received' as const } : {}),
          })
          .where('id', '=', id)
          .where('hops', '=', hop.sequence - 1)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) !== 1) throw serverError('CONFLICT', 'the chain changed meanwhile: report the receipt again');
        await recordSecurityEvent(trx, this.#ctx, {
          type: 'custody-handover',
          actor: actorOfEvent(actor),
          target: `pouch:${id}`,
          code: null,
          details: {
            sealNumber: row.seal_number,
            pouchDigest: toHex(bytesOf(row.pouch_digest as Uint8Array)),
            sequence: hop.sequence,
            from: hop.from.name,
            taker: hop.taker.handle,
            takerDevice: hop.taker.deviceId,
            place: hop.place,
            time: new Date(hop.time).toISOString(),
            receiptDigest: toHex(hop.receiptDigest),
          },
        });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw serverError('CONFLICT', 'this hand-over was recorded already');
      throw err;
    }
    const updated = (await getPouchRow(db, id)) as PouchRow;
    await this.#pouches.notify(updated, [row.sender_person, ...(await this.#pouches.clearedMembers(row))], 'handover');
    return { hop: hopOf(receiptRow), pouch: pouchSummary(updated) };
  }

  /**
   * Where a pouch is: for its sender's person, the consignee unit's cleared members, the security
   * officers of both units, and anyone who has held it.
   */
  async track(actor: Actor, id: string): Promise<PouchTrack> {
    const { db, clock } = this.#ctx;
    const row = await getPouchRow(db, id);
    if (!row) throw serverError('NOT_FOUND', `no pouch ${id}`);
    const receipts = await receiptRows(db, id);
    await recordingDenials(this.#ctx, actor, { action: 'pouch-track', target: `pouch:${id}` }, async () => {
      const officer = actor.person.roles.includes('security-officer') && [row.sender_unit, row.consignee_unit].includes(actor.person.unit);
      if (officer || actor.person.handle === row.sender_person || receipts.some((r) => r.taker_handle === actor.person.handle)) return;
      await this.#pouches.requireRecipient(actor, row, 'pouch-track');
    });
    const overdue = row.expected_by !== null && row.expected_by < clock().getTime() && row.status !== 'rejected';
    return { pouch: pouchSummary(row), hops: receipts.map(hopOf), missing: row.missing_at !== null || overdue };
  }

  /**
   * Report every pouch whose next hop is overdue as missing, once: an 'alert' security event (in
   * the audit log) naming both units and their security officers, and a push to those officers'
   * devices. Returns the pouches reported by this run.
   */
  async sweepMissing(): Promise<string[]> {
    const { db, clock } = this.#ctx;
    const now = clock().getTime();
    const due = await db
      .selectFrom('pouches')
      .selectAll()
      .where('missing_at', 'is', null)
      .where('expected_by', '<', now)
      .where('status', 'in', ['uploading', 'available'])
      .limit(1000)
      .execute();
    const reported: string[] = [];
    for (const row of due) {
      const officers = await this.#officers([row.sender_unit, row.consignee_unit]);
      const marked = await db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('pouches')
          .set({ missing_at: now })
          .where('id', '=', row.id)
          .where('missing_at', 'is', null)
          .where('expected_by', '<', now)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) return false;
        await recordSecurityEvent(trx, this.#ctx, {
          type: 'alert',
          actor: { person: null, device: null },
          target: `pouch:${row.id}`,
          code: 'POUCH_MISSING',
          details: {
            message: `pouch ${row.seal_number} did not reach its next hop in time`,
            sealNumber: row.seal_number,
            senderUnit: row.sender_unit,
            consigneeUnit: row.consignee_unit,
            holder: row.holder,
            hops: row.hops,
            expectedBy: new Date(row.expected_by as number).toISOString(),
            officers,
          },
        });
        return true;
      });
      if (!marked) continue;
      reported.push(row.id);
      await this.#pouches.notify(row, officers, 'missing');
    }
    return reported;
  }

  /** Security officers of these units. */
  async #officers(units: string[]): Promise<string[]> {
    const out = new Set<string>();
    for (const unit of new Set(units)) {
      for (const p of await listPersonRows(this.#ctx.db, unit)) if (rolesOf(p).includes('security-officer')) out.add(p.handle);
    }
    return [...out].sort();
  }
}

/** True when two receipts are the same bytes (a repeated report). */
function sameReceipt(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && constantTimeEqual(a, b);
}
