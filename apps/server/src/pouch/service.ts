/**
 * Diplomatic pouches in transit (docs/protocol.md, "Pouch transport"): the sender announces a
 * pouch by its signed header, uploads its bytes in resumable chunks, and the server — which holds
 * no key — verifies the whole file (structure, pouch digest, the sender's seal) before delivering
 * it to the consignee unit's members whose clearance the label allows. Custody receipts and
 * tracking are in custody-service.ts.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import {
  type CreatePouchRequest,
  type CreatePouchResponse,
  constantTimeEqual,
  frameCustodyReceipt,
  inspectPouch,
  POUCH_LIMITS,
  type PouchSummary,
  type PouchUploadStatus,
  pouchHeaderLength,
  sealedPouchSize,
  toBase64Url,
  toHex,
  ValiseError,
  verifyPouch,
} from '@valise/protocol';
import type { BusEvent } from '../bus/bus.ts';
import type { ServiceContext } from '../context.ts';
import { bytesOf } from '../db/transactions.ts';
import { decodeField } from '../encoding.ts';
import { serverError } from '../errors.ts';
import type { Actor } from '../identity/authentication.ts';
import { getDeviceRow, getUnit, listPersonRows } from '../identity/store.ts';
import type { AccessControl } from '../policy/access.ts';
import { actorOfEvent, recordingDenials, recordSecurityEvent } from '../policy/security-events.ts';
import type { PouchFiles } from './files.ts';
import { getPouchRow, liveDevicesOf, type PouchRow, pouchSummary, receiptRows } from './store.ts';

export const API_POUCHES = '/api/v1/pouches';
/** Default largest pouch a server accepts (sealed bytes). */
export const DEFAULT_MAX_POUCH_BYTES = 64 * 1024 ** 3;
const HOUR_MS = 3_600_000;

/** Pouch codes of the protocol (a pouch that fails a check) become 422 with that code. */
export function pouchFailure(err: unknown): never {
  if (err instanceof ValiseError && err.code.startsWith('POUCH_')) throw new ValiseError(err.code, err.message);
  throw err;
}

export interface PouchDownload {
  status: 200 | 206;
  start: number;
  end: number;
  total: number;
  body: AsyncIterable<Uint8Array>;
}

/** Per-pouch lock: one upload request writes a pouch's file at a time (in this process). */
class Locks {
  readonly #tails = new Map<string, Promise<unknown>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    if (this.#tails.has(key)) throw serverError('CONFLICT', 'another upload request for this pouch is in progress');
    const run = fn();
    this.#tails.set(key, run);
    try {
      return await run;
    } finally {
      this.#tails.delete(key);
    }
  }
}

export class PouchService {
  readonly #ctx: ServiceContext;
  readonly #access: AccessControl;
  readonly files: PouchFiles;
  readonly maxBytes: number;
  readonly #locks = new Locks();

  constructor(ctx: ServiceContext, access: AccessControl, files: PouchFiles, maxBytes = DEFAULT_MAX_POUCH_BYTES) {
    this.#ctx = ctx;
    this.#access = access;
    this.files = files;
    this.maxBytes = maxBytes;
  }

  // ---- announce ----------------------------------------------------------------------------------

  /**
   * Announce a pouch by its header. The caller must be the sealing device (its key on the marks),
   * of the sender unit, allowed to send at the label; the consignee unit must exist here. The same
   * announcement again returns the pouch as it stands (a client resuming); a rejected pouch
   * announced again starts over.
   */
  async create(actor: Actor, req: CreatePouchRequest): Promise<CreatePouchResponse> {
    const { db, clock, organisation } = this.#ctx;
    const header = decodeField(req.header, 'header');
    if (pouchHeaderLength(header) !== header.length) {
      throw serverError('BAD_REQUEST', 'header must be exactly the pouch bytes from offset 0 to the end of the marks signature');
    }
    const { marks } = await inspectPouch(this.#ctx.crypto, [header]).catch(pouchFailure);
    const id = toBase64Url(marks.pouchId);
    return recordingDenials(this.#ctx, actor, { action: 'pouch-create', target: `pouch:${id}` }, async () => {
      if (marks.sender.deviceId !== actor.deviceId) {
        throw serverError('FORBIDDEN', `the pouch was sealed by device ${marks.sender.deviceId}: only that device may send it`);
      }
      const device = await getDeviceRow(db, actor.deviceId);
      if (!device || !constantTimeEqual(bytesOf(device.identity_key), marks.sender.publicKey)) {
        throw serverError('FORBIDDEN', "the sender key on the marks is not the calling device's identity key");
      }
      if (marks.sender.organisation !== organisation.domain || marks.consignee.organisation !== organisation.domain) {
        throw serverError('BAD_REQUEST', `this server carries pouches of ${organisation.domain} only`);
      }
      if (marks.sender.unit !== actor.person.unit) {
        throw serverError(
          'FORBIDDEN',
          `the marks name ${marks.sender.unit} as the sender unit; the caller belongs to ${actor.person.unit}`,
        );
      }
      if (!(await getUnit(db, marks.consignee.unit))) {
        throw serverError('POUCH_UNKNOWN_UNIT', `there is no unit ${marks.consignee.unit} to deliver to`);
      }
      if (marks.label.policyId !== this.#ctx.labelPolicy.id) {
        throw serverError(
          'LABEL_POLICY_MISMATCH',
          `the pouch is labelled under policy ${marks.label.policyId}, not ${this.#ctx.labelPolicy.id}`,
        );
      }
      const { label, text } = this.#access.labels.fromRequest(marks.label.text, 'the label on the marks');
      if (text !== marks.label.text) throw serverError('BAD_REQUEST', 'the label on the marks is not in canonical form');
      const { subject, device: policyDevice } = await this.#access.caller(db, actor);
      this.#access.require(this.#access.engine.canSend(subject, policyDevice, label, label), 'sending a pouch at this label', text);

      const size = sealedPouchSize(header.length, marks.payloadLength);
      if (req.size !== size) throw serverError('BAD_REQUEST', `size must be the sealed pouch's size, ${size} bytes by its header`);
      if (size > this.maxBytes) throw serverError('PAYLOAD_TOO_LARGE', `this server accepts pouches of up to ${this.maxBytes} bytes`);
      const headerDigest = await this.#ctx.crypto.sha256(header);
      const now = clock().getTime();
      const windowMs = Math.round((req.expectedHours ?? POUCH_LIMITS.defaultExpectedHours) * HOUR_MS);

      const existing = await getPouchRow(db, id);
      if (existing) {
        const same = existing.sender_device === actor.deviceId && constantTimeEqual(bytesOf(existing.header_digest), headerDigest);
        if (!same) throw serverError('CONFLICT', 'a pouch with this id exists already');
        if (existing.status !== 'rejected') return this.#created(existing);
        await this.files.create(id);
        await db
          .updateTable('pouches')
          .set({ status: 'uploading', received: 0, rejection: null, created_at: now, hop_window_ms: windowMs, expected_by: now + windowMs })
          .where('id', '=', id)
          .where('status', '=', 'rejected')
          .execute();
        return this.#created((await getPouchRow(db, id)) as PouchRow);
      }
      await this.files.create(id);
      const row: PouchRow = {
        id,
        seal_number: marks.sealNumber,
        sender_person: actor.person.handle,
        sender_unit: marks.sender.unit,
        sender_device: actor.deviceId,
        sender_key: marks.sender.publicKey,
        consignee_unit: marks.consignee.unit,
        label: text,
        privacy_mark: marks.label.privacyMark ? marks.label.privacyMark : null,
        item_count: marks.itemCount,
        size,
        header_length: header.length,
        header_digest: headerDigest,
        received: 0,
        status: 'uploading',
        rejection: null,
        pouch_digest: null,
        created_at: now,
        available_at: null,
        hop_window_ms: windowMs,
        expected_by: now + windowMs,
        missing_at: null,
        holder: actor.person.handle,
        hops: 0,
      };
      await db.insertInto('pouches').values(row).execute();
      return this.#created(row);
    });
  }

  #created(row: PouchRow): CreatePouchResponse {
    return { pouch: pouchSummary(row), uploadUrl: `${API_POUCHES}/${row.id}/content` };
  }

  // ---- upload ------------------------------------------------------------------------------------

  async #ownRow(actor: Actor, id: string, action: string): Promise<PouchRow> {
    const row = await getPouchRow(this.#ctx.db, id);
    if (!row) throw serverError('NOT_FOUND', `no pouch ${id}`);
    await recordingDenials(this.#ctx, actor, { action, target: `pouch:${id}` }, async () => {
      if (row.sender_device !== actor.deviceId) throw serverError('FORBIDDEN', 'only the device that sealed this pouch may upload it');
    });
    return row;
  }

  /** How much of the pouch the server holds (the sender's device only). */
  async uploadStatus(actor: Actor, id: string): Promise<PouchUploadStatus> {
    const row = await this.#ownRow(actor, id, 'pouch-upload-status');
    return { id, size: row.size, received: row.received, status: row.status };
  }

  /**
   * Append a chunk at `offset`, which must be what the server holds (else POUCH_OFFSET_MISMATCH,
   * 409, naming the offset to continue from). When the last byte arrives, the whole file is
   * verified: the pouch becomes available to the consignee unit, or is rejected and deleted.
   */
  async upload(
    actor: Actor,
    id: string,
    offset: number,
    declaredLength: number | undefined,
    body: AsyncIterable<Uint8Array>,
  ): Promise<PouchUploadStatus> {
    const row = await this.#ownRow(actor, id, 'pouch-upload');
    return this.#locks.run(id, async () => {
      const current = (await getPouchRow(this.#ctx.db, id)) as PouchRow;
      if (current.status === 'rejected') {
        throw serverError('POUCH_REJECTED', `the pouch was rejected (${current.rejection}): announce it again to start over`);
      }
      if (current.status !== 'uploading') throw offsetMismatch(current, 'the pouch is complete already');
      if (offset !== current.received) throw offsetMismatch(current, `the upload continues at byte ${current.received}, not ${offset}`);
      const limit = Math.min(POUCH_LIMITS.uploadChunkBytes, row.size - offset);
      if (declaredLength !== undefined && declaredLength > limit) {
        throw serverError(
          'PAYLOAD_TOO_LARGE',
          `a chunk here is at most ${limit} bytes (the per-request limit or what is left of the pouch)`,
        );
      }
      const { written } = await this.files.writeChunk(id, offset, limit, body);
      const received = offset + written;
      await this.#ctx.db.updateTable('pouches').set({ received }).where('id', '=', id).where('received', '=', offset).execute();
      if (received < row.size) return { id, size: row.size, received, status: 'uploading' as const };
      return this.#complete(actor, { ...current, received });
    });
  }

  /** Verify the stored file; deliver it, or reject it and delete its bytes. */
  async #complete(actor: Actor, row: PouchRow): Promise<PouchUploadStatus> {
    const { db, crypto, clock } = this.#ctx;
    const path = await this.files.path(row.id);
    let pouchDigest: Uint8Array;
    try {
      const headerHash = createHash('sha256');
      let seen = 0;
      const source = (async function* (files: PouchFiles) {
        for await (const piece of files.read(path, 0, row.size) as AsyncIterable<Uint8Array>) {
          if (seen < row.header_length) headerHash.update(piece.subarray(0, row.header_length - seen));
          seen += piece.length;
          yield piece;
        }
      })(this.files);
      const verified = await verifyPouch(crypto, source, { sha256Stream: () => createHash('sha256') });
      if (
        !constantTimeEqual(new Uint8Array(headerHash.digest()), bytesOf(row.header_digest)) ||
        toBase64Url(verified.marks.pouchId) !== row.id
      ) {
        throw new ValiseError('POUCH_MARKS_TAMPERED', 'the uploaded header differs from the one the pouch was announced with');
      }
      if (verified.receipts.length > 0) throw new ValiseError('POUCH_BAD_FORMAT', 'upload the sealed pouch without custody receipts');
      pouchDigest = verified.pouchDigest;
    } catch (err) {
      const code = err instanceof ValiseError && err.code.startsWith('POUCH_') ? err.code : 'POUCH_BAD_FORMAT';
      await this.files.remove(row.id);
      await db.updateTable('pouches').set({ status: 'rejected', rejection: code, received: 0 }).where('id', '=', row.id).execute();
      pouchFailure(err instanceof ValiseError ? err : new ValiseError(code, 'the pouch could not be read'));
    }
    const now = clock().getTime();
    const delivered = await db.transaction().execute(async (trx) => {
      const done = await trx
        .updateTable('pouches')
        .set({ status: 'available', pouch_digest: pouchDigest, available_at: now })
        .where('id', '=', row.id)
        .where('status', '=', 'uploading')
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1) return false;
      await recordSecurityEvent(trx, this.#ctx, {
        type: 'send',
        actor: actorOfEvent(actor),
        target: `pouch:${row.id}`,
        code: null,
        details: {
          kind: 'pouch',
          sealNumber: row.seal_number,
          consigneeUnit: row.consignee_unit,
          label: row.label,
          size: row.size,
          pouchDigest: toHex(pouchDigest),
        },
      });
      return true;
    });
    if (delivered) await this.notify(row, await this.clearedMembers(row), 'delivered');
    return { id: row.id, size: row.size, received: row.size, status: 'available' };
  }

  // ---- delivery ----------------------------------------------------------------------------------

  /** People of the consignee unit whose clearance the label allows now. */
  async clearedMembers(row: PouchRow): Promise<string[]> {
    const members = (await listPersonRows(this.#ctx.db, row.consignee_unit)).map((p) => p.handle);
    const subjects = await this.#access.subjects(this.#ctx.db, members);
    return members.filter((h) => {
      const subject = subjects.get(h);
      return subject !== undefined && this.#access.readable({ subject, device: { id: '', revoked: false } }, row.label).allowed;
    });
  }

  /** Tell these people's live devices (WebSocket) that something happened to a pouch; no content. */
  async notify(row: PouchRow, people: readonly string[], event: 'delivered' | 'handover' | 'missing'): Promise<void> {
    const devices = await liveDevicesOf(this.#ctx.db, people);
    const events: BusEvent[] = devices.map((deviceId) => ({ type: 'pouch', deviceId, pouch: row.id, event }));
    await this.#ctx.bus.publish(events);
  }

  /**
   * May this caller fetch the pouch? The sender's person, or a member of the consignee unit whose
   * clearance the label allows (anyone else: FORBIDDEN; an uncleared member: the policy's code).
   */
  async requireRecipient(actor: Actor, row: PouchRow, action: string): Promise<void> {
    await recordingDenials(this.#ctx, actor, { action, target: `pouch:${row.id}` }, async () => {
      if (actor.person.handle === row.sender_person) return;
      if (actor.person.unit !== row.consignee_unit) throw serverError('FORBIDDEN', 'this pouch is not addressed to your unit');
      const caller = await this.#access.caller(this.#ctx.db, actor);
      this.#access.requireRead(caller, row.label, 'receiving this pouch');
    });
  }

  /**
   * The pouch file with every custody receipt the server holds appended, from `range` (RFC 9110
   * `bytes=N-` or `bytes=N-M`) when given. Receipts only ever append, so a resumed download stays
   * consistent with what was fetched before.
   */
  async download(actor: Actor, id: string, range: string | undefined): Promise<PouchDownload> {
    const row = await getPouchRow(this.#ctx.db, id);
    if (!row) throw serverError('NOT_FOUND', `no pouch ${id}`);
    await this.requireRecipient(actor, row, 'pouch-download');
    if (row.status !== 'available' && row.status !== 'received') {
      throw serverError('POUCH_NOT_AVAILABLE', `the pouch is ${row.status}: it can be fetched once it is uploaded and verified`);
    }
    const receipts = await receiptRows(this.#ctx.db, id);
    const frames = receipts.map((r) => frameCustodyReceipt(bytesOf(r.receipt)));
    const total = row.size + frames.reduce((n, f) => n + f.length, 0);
    let start = 0;
    let end = total;
    let status: 200 | 206 = 200;
    if (range !== undefined) {
      const m = /^bytes=(\d{1,16})-(\d{0,16})$/.exec(range.trim());
      const first = m ? Number(m[1]) : Number.NaN;
      const last = m?.[2] ? Number(m[2]) : total - 1;
      if (!m || first > last || first >= total) {
        throw Object.assign(serverError('RANGE_NOT_SATISFIABLE', `the range must be bytes=N- or bytes=N-M within 0..${total - 1}`), {
          total,
        });
      }
      start = first;
      end = Math.min(last + 1, total);
      status = 206;
    }
    const path = await this.files.path(id);
    if ((await stat(path).catch(() => undefined))?.size !== row.size) throw serverError('UNAVAILABLE', 'the pouch file is not readable');
    if (start === 0) {
      await recordSecurityEvent(this.#ctx.db, this.#ctx, {
        type: 'deliver',
        actor: actorOfEvent(actor),
        target: `pouch:${id}`,
        code: null,
        details: { kind: 'pouch', sealNumber: row.seal_number, receipts: receipts.length },
      });
    }
    const files = this.files;
    async function* body(): AsyncGenerator<Uint8Array> {
      if (start < row!.size) yield* files.read(path, start, Math.min(end, row!.size)) as AsyncIterable<Uint8Array>;
      let at = row!.size;
      for (const f of frames) {
        const from = Math.max(start, at);
        const to = Math.min(end, at + f.length);
        if (from < to) yield f.subarray(from - at, to - at);
        at += f.length;
      }
    }
    return { status, start, end, total, body: body() };
  }

  /** The caller's pouches: inbox (to their unit, label allowed), sent (by them), or missing (security officers: both units). */
  async list(actor: Actor, box: 'inbox' | 'sent' | 'missing'): Promise<{ pouches: PouchSummary[] }> {
    const db = this.#ctx.db;
    if (box === 'sent') {
      const rows = await db
        .selectFrom('pouches')
        .selectAll()
        .where('sender_person', '=', actor.person.handle)
        .orderBy('created_at', 'desc')
        .limit(1000)
        .execute();
      return { pouches: rows.map(pouchSummary) };
    }
    if (box === 'missing') {
      return recordingDenials(this.#ctx, actor, { action: 'pouch-missing-list', target: null }, async () => {
        if (!actor.person.roles.includes('security-officer'))
          throw serverError('FORBIDDEN', 'the missing pouches are for security officers');
        const unit = actor.person.unit;
        const rows = await db
          .selectFrom('pouches')
          .selectAll()
          .where('missing_at', 'is not', null)
          .where((eb) => eb.or([eb('sender_unit', '=', unit), eb('consignee_unit', '=', unit)]))
          .orderBy('missing_at', 'desc')
          .limit(1000)
          .execute();
        return { pouches: rows.map(pouchSummary) };
      });
    }
    const rows = await db
      .selectFrom('pouches')
      .selectAll()
      .where('consignee_unit', '=', actor.person.unit)
      .where('status', 'in', ['available', 'received'])
      .orderBy('available_at', 'desc')
      .limit(1000)
      .execute();
    const caller = await this.#access.caller(db, actor);
    return { pouches: rows.filter((r) => this.#access.readable(caller, r.label).allowed).map(pouchSummary) };
  }
}

function offsetMismatch(row: PouchRow, message: string): ValiseError {
  return Object.assign(serverError('POUCH_OFFSET_MISMATCH', message), { offset: row.received });
}
