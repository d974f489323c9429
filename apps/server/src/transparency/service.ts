/**
 * Key transparency, the server's side: openings of the key events (device enrolments and
 * revocations) for monitors, one device's openings with inclusion proofs for clients about to
 * encrypt to it, and alerts reported by a device about a device of its person it did not enrol.
 *
 * Every enrolled device of the organisation may read every key event: they name devices, people
 * and key fingerprints, which the directory already shows to each of them.
 */
import {
  type DeviceAlertRequest,
  type DeviceAlertResponse,
  type DeviceKeyProofResponse,
  KEY_EVENT_TYPES,
  type KeyEventOpening,
  type KeyEventProof,
  type KeyEventsResponse,
  toBase64Url,
  toStdBase64,
} from '@valise/protocol';
import type { AuditLog } from '../audit/service.ts';
import type { ServiceContext } from '../context.ts';
import { bytesOf } from '../db/transactions.ts';
import { serverError } from '../errors.ts';
import type { Actor } from '../identity/authentication.ts';
import { actorOfEvent, recordSecurityEvent } from '../policy/security-events.ts';

export const KEY_EVENTS_DEFAULT_LIMIT = 500;

interface KeyEventRow {
  idx: number | bigint | string;
  salt: Uint8Array;
  event: string;
  type: string;
}

function opening(r: KeyEventRow): KeyEventOpening {
  return { index: Number(r.idx), event: r.event, salt: toBase64Url(bytesOf(r.salt)) };
}

export class TransparencyService {
  readonly #ctx: ServiceContext;
  readonly #log: AuditLog;

  constructor(ctx: ServiceContext, log: AuditLog) {
    this.#ctx = ctx;
    this.#log = log;
  }

  #keyEvents() {
    return this.#ctx.db
      .selectFrom('log_events')
      .innerJoin('security_events', 'security_events.id', 'log_events.event_id')
      .select(['log_events.idx as idx', 'log_events.salt as salt', 'log_events.event as event', 'security_events.type as type'])
      .where('security_events.type', 'in', [...KEY_EVENT_TYPES]);
  }

  /**
   * Openings of every key event with `from` ≤ index < min(`to`, latest checkpoint size), oldest
   * first, at most `limit`; `to` in the answer is where the scan stopped (exclusive).
   */
  async keyEvents(_actor: Actor, query: { from: number; to?: number; limit?: number }): Promise<KeyEventsResponse> {
    const latest = await this.#log.latest();
    const end = Math.min(query.to ?? latest.size, latest.size);
    if (query.from > end) throw serverError('BAD_REQUEST', `from (${query.from}) is beyond the end of the scan (${end})`);
    const limit = query.limit ?? KEY_EVENTS_DEFAULT_LIMIT;
    const rows = (await this.#keyEvents()
      .where('log_events.idx', '>=', query.from)
      .where('log_events.idx', '<', end)
      .orderBy('log_events.idx')
      .limit(limit + 1)
      .execute()) as KeyEventRow[];
    const more = rows.length > limit;
    const events = rows.slice(0, limit).map(opening);
    const last = events[events.length - 1];
    return { events, to: more && last ? last.index + 1 : end, more };
  }

  /**
   * A device's enrolment (and revocation, if any) with inclusion proofs against the latest
   * checkpoint, made on demand when the device's events are newer than it.
   */
  async deviceProof(_actor: Actor, deviceId: string): Promise<DeviceKeyProofResponse> {
    const rows = (await this.#keyEvents()
      .where('security_events.target', '=', `device:${deviceId}`)
      .orderBy('log_events.idx')
      .execute()) as KeyEventRow[];
    const enrol = rows.find((r) => r.type === 'device-enrol');
    if (!enrol) throw serverError('NOT_FOUND', `device ${deviceId} has no published enrolment`);
    const revoke = rows.find((r) => r.type === 'device-revoke');
    const needed = Math.max(...[enrol, revoke].filter((r) => r !== undefined).map((r) => Number(r.idx))) + 1;
    let cp = await this.#log.latest();
    if (cp.size < needed) cp = await this.#log.checkpoint();
    if (cp.size < needed) throw serverError('UNAVAILABLE', 'the audit log has no checkpoint covering this device yet: retry');
    const withProof = async (r: KeyEventRow): Promise<KeyEventProof> => ({
      ...opening(r),
      proof: (await this.#log.inclusionProof(Number(r.idx), cp.size)).map(toStdBase64),
    });
    return {
      deviceId,
      checkpoint: cp.note,
      size: cp.size,
      enrol: await withProof(enrol),
      revoke: revoke ? await withProof(revoke) : null,
    };
  }

  /**
   * A device reports that its person did not enrol `deviceId` (enrolled at log index `index`):
   * recorded once per reporting device as an 'alert' security event, which security officers see.
   */
  async reportAlert(actor: Actor, req: DeviceAlertRequest): Promise<DeviceAlertResponse> {
    const { db } = this.#ctx;
    const row = (await this.#keyEvents()
      .where('log_events.idx', '=', req.index)
      .where('security_events.type', '=', 'device-enrol')
      .where('security_events.target', '=', `device:${req.deviceId}`)
      .executeTakeFirst()) as KeyEventRow | undefined;
    if (!row) throw serverError('NOT_FOUND', `log entry ${req.index} is not the enrolment of device ${req.deviceId}`);
    const person = (JSON.parse(row.event) as { details?: { person?: unknown } }).details?.person;
    if (person !== actor.person.handle) {
      throw serverError('FORBIDDEN', 'a device reports only devices enrolled for its own person');
    }
    const target = `device:${req.deviceId}`;
    const earlier = await db
      .selectFrom('security_events')
      .select(['id', 'at'])
      .where('type', '=', 'alert')
      .where('target', '=', target)
      .where('actor_device', '=', actor.deviceId)
      .executeTakeFirst();
    if (earlier) return { id: earlier.id, person, at: new Date(Number(earlier.at)).toISOString() };
    const at = this.#ctx.clock();
    const id = await recordSecurityEvent(
      db,
      { ...this.#ctx, clock: () => at },
      {
        type: 'alert',
        actor: actorOfEvent(actor),
        target,
        code: 'KT_UNKNOWN_DEVICE',
        details: { kind: 'device-not-enrolled-by-person', deviceId: req.deviceId, person, index: req.index },
      },
    );
    return { id, person, at: at.toISOString() };
  }
}
