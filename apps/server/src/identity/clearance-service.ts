/**
 * Granting and revoking clearances (security officers only), and a person's clearance history.
 * A grant is validated against the label policy (known level and compartments), must expire in the
 * future and carries a reason; a change is simply a newer grant. Nothing is ever deleted: grants
 * keep their revocation, and every grant and revocation is appended to clearance_history and
 * recorded as a security event in the same transaction.
 *
 * A clearance that goes down (a lower grant, a revocation, an expiry) must also take the person
 * out of the MLS groups they may no longer read: the hooks (the delivery service's) run in the
 * same transaction as the change. Expiry is nobody's action, so `sweepExpiredClearances` (run
 * every minute by main.ts, by tests after moving the clock) finds the grants that have expired
 * since it last looked and runs the hooks for their people.
 */
import type { ClearanceGrant, EffectiveClearanceView, GrantClearanceRequest, LabelPolicy, PersonClearances } from '@valise/protocol';
import type { BusEvent } from '../bus/bus.ts';
import type { ServiceContext } from '../context.ts';
import type { Db } from '../db/schema.ts';
import { serverError } from '../errors.ts';
import { newUlid } from '../ids.ts';
import { actorOfEvent, recordingDenials, recordSecurityEvent, type SecurityEventInput } from '../policy/security-events.ts';
import type { Actor } from './authentication.ts';
import { clearanceFromGrant, type EffectiveClearance } from './clearance.ts';
import {
  type ClearanceGrantRow,
  getGrant,
  grantsOf,
  historyOf,
  insertGrant,
  insertHistory,
  liveGrants,
  markGrantRevoked,
  markGrantsSwept,
  unsweptExpiredGrants,
} from './clearance-store.ts';
import { requireRole } from './roles.ts';
import { getPersonRow } from './store.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** How a person's clearance went down, and who did it (null: the server, for an expiry). */
export interface ClearanceChange {
  reason: 'clearance-changed' | 'clearance-revoked' | 'clearance-expired';
  actor: SecurityEventInput['actor'];
}

/**
 * Runs in the transaction of a change that may have lowered a person's clearance (with the change
 * visible): cuts the person off from what they may no longer read. Returns bus events to publish
 * once the transaction commits.
 */
export type ClearanceLoweredHook = (trx: Db, person: string, change: ClearanceChange) => Promise<BusEvent[]>;

/** Grants handled per round of the expiry sweep. */
const SWEEP_BATCH = 500;

export interface NewGrant {
  person: string;
  level: string;
  compartments: readonly string[];
  nationality: string;
  expiresAt: Date;
  reason: string;
  mayExport: boolean;
  /** The granting security officer; null for the server itself. */
  grantedBy: string | null;
}

/** Refuse a level or compartment the label policy does not define (BAD_REQUEST, naming what it does define). */
export function checkClearanceAgainstPolicy(policy: LabelPolicy, level: string, compartments: readonly string[]): void {
  if (!policy.levels.some((l) => l.name === level)) {
    throw serverError(
      'BAD_REQUEST',
      `unknown clearance level "${level.slice(0, 64)}"; the levels are ${policy.levels.map((l) => l.name).join(', ')}`,
    );
  }
  for (const c of compartments) {
    if (!policy.compartments.some((k) => k.name === c)) {
      const known = policy.compartments.map((k) => k.name).join(', ') || 'none';
      throw serverError('BAD_REQUEST', `unknown compartment "${c.slice(0, 64)}"; the label policy's compartments are ${known}`);
    }
  }
}

/**
 * Write a grant, its history entry and its security event (inside the caller's transaction).
 * The caller has checked the grantor's role and the person's existence.
 */
export async function recordGrant(trx: Db, ctx: ServiceContext, grant: NewGrant, actor: Actor | null): Promise<ClearanceGrantRow> {
  checkClearanceAgainstPolicy(ctx.labelPolicy, grant.level, grant.compartments);
  const now = ctx.clock();
  if (grant.expiresAt.getTime() <= now.getTime()) throw serverError('BAD_REQUEST', 'expiresAt must be in the future');
  const superseded = (await liveGrants(trx, [grant.person], now)).get(grant.person);
  const row: ClearanceGrantRow = {
    id: newUlid(now, ctx.crypto.randomBytes),
    person_handle: grant.person,
    level: grant.level,
    compartments: JSON.stringify([...new Set(grant.compartments)].sort()),
    nationality: grant.nationality,
    may_export: grant.mayExport ? 1 : 0,
    granted_by: grant.grantedBy,
    reason: grant.reason,
    granted_at: now.getTime(),
    expires_at: grant.expiresAt.getTime(),
    revoked_at: null,
    revoked_by: null,
    revoke_reason: null,
    expiry_swept_at: null,
  };
  await insertGrant(trx, row);
  const details = {
    level: row.level,
    compartments: JSON.parse(row.compartments) as string[],
    nationality: row.nationality,
    expiresAt: iso(row.expires_at),
    mayExport: grant.mayExport,
    supersedes: superseded?.id ?? null,
  };
  await insertHistory(trx, {
    id: newUlid(now, ctx.crypto.randomBytes),
    grant_id: row.id,
    person_handle: row.person_handle,
    action: 'granted',
    actor: grant.grantedBy,
    reason: grant.reason,
    at: now.getTime(),
    details: JSON.stringify(details),
  });
  await recordSecurityEvent(trx, ctx, {
    type: 'clearance-grant',
    actor: actor ? actorOfEvent(actor) : { person: grant.grantedBy, device: null },
    target: `person:${row.person_handle}`,
    code: null,
    details: { grant: row.id, ...details },
  });
  return row;
}

export class ClearanceService {
  readonly #ctx: ServiceContext;
  readonly #loweredHooks: ClearanceLoweredHook[];

  constructor(ctx: ServiceContext, loweredHooks: ClearanceLoweredHook[] = []) {
    this.#ctx = ctx;
    this.#loweredHooks = loweredHooks;
  }

  async #lowered(trx: Db, person: string, change: ClearanceChange): Promise<BusEvent[]> {
    const events: BusEvent[] = [];
    for (const hook of this.#loweredHooks) events.push(...(await hook(trx, person, change)));
    return events;
  }

  /** Grant (or change) a person's clearance. Security officers only, and never their own. */
  async grant(actor: Actor, req: GrantClearanceRequest): Promise<ClearanceGrant> {
    return recordingDenials(this.#ctx, actor, { action: 'grant-clearance', target: `person:${req.person}` }, async () => {
      requireRole(actor, 'security-officer');
      if (req.person === actor.person.handle) {
        throw serverError('FORBIDDEN', 'a security officer cannot grant their own clearance: another security officer must');
      }
      const expiresAt = new Date(req.expiresAt);
      const { row, events } = await this.#ctx.db.transaction().execute(async (trx) => {
        if (!(await getPersonRow(trx, req.person))) throw serverError('NOT_FOUND', 'no such person');
        const row = await recordGrant(
          trx,
          this.#ctx,
          { ...req, expiresAt, mayExport: req.mayExport ?? false, grantedBy: actor.person.handle },
          actor,
        );
        // A new grant may be lower than the one it replaces (level, compartments, nationality).
        return { row, events: await this.#lowered(trx, req.person, { reason: 'clearance-changed', actor: actorOfEvent(actor) }) };
      });
      await this.#ctx.bus.publish(events);
      return this.#view(row, row.id);
    });
  }

  /** Revoke a grant: from now on it counts for nothing (the person falls back to an older live grant or the baseline). */
  async revoke(actor: Actor, grantId: string, reason: string): Promise<ClearanceGrant> {
    return recordingDenials(this.#ctx, actor, { action: 'revoke-clearance', target: `grant:${grantId}` }, async () => {
      requireRole(actor, 'security-officer');
      const { db, clock, crypto } = this.#ctx;
      const now = clock();
      const { row, events } = await db.transaction().execute(async (trx) => {
        const grant = await getGrant(trx, grantId);
        if (!grant) throw serverError('NOT_FOUND', 'no such clearance grant');
        if (!(await markGrantRevoked(trx, grantId, actor.person.handle, reason, now))) {
          throw serverError('CONFLICT', 'this clearance grant has already been revoked');
        }
        await insertHistory(trx, {
          id: newUlid(now, crypto.randomBytes),
          grant_id: grantId,
          person_handle: grant.person_handle,
          action: 'revoked',
          actor: actor.person.handle,
          reason,
          at: now.getTime(),
          details: JSON.stringify({ level: grant.level, wasExpired: grant.expires_at <= now.getTime() }),
        });
        await recordSecurityEvent(trx, this.#ctx, {
          type: 'clearance-revoke',
          actor: actorOfEvent(actor),
          target: `person:${grant.person_handle}`,
          code: null,
          details: { grant: grantId, level: grant.level },
        });
        const after = await getGrant(trx, grantId);
        if (!after) throw serverError('INTERNAL', 'revoked grant vanished');
        const events = await this.#lowered(trx, grant.person_handle, { reason: 'clearance-revoked', actor: actorOfEvent(actor) });
        return { row: after, events };
      });
      await this.#ctx.bus.publish(events);
      const live = (await liveGrants(db, [row.person_handle], now)).get(row.person_handle);
      return this.#view(row, live?.id ?? null);
    });
  }

  /**
   * Handle every grant that has expired (by the injected clock) since the last sweep: its person is
   * cut off from what they may no longer read, then the grant is marked swept, one transaction per
   * person. Idempotent: a second sweep finds nothing to do, and removals already pending are not
   * asked for again.
   */
  async sweepExpiredClearances(): Promise<{ grants: number; people: string[] }> {
    const { db, clock, bus } = this.#ctx;
    let grants = 0;
    const people = new Set<string>();
    for (;;) {
      const now = clock();
      const expired = await unsweptExpiredGrants(db, now, SWEEP_BATCH);
      if (expired.length === 0) break;
      const byPerson = new Map<string, string[]>();
      for (const g of expired) byPerson.set(g.person_handle, [...(byPerson.get(g.person_handle) ?? []), g.id]);
      for (const [person, ids] of byPerson) {
        const events = await db.transaction().execute(async (trx) => {
          const events = await this.#lowered(trx, person, { reason: 'clearance-expired', actor: { person: null, device: null } });
          await markGrantsSwept(trx, ids, now);
          return events;
        });
        await bus.publish(events);
        people.add(person);
        grants += ids.length;
      }
    }
    return { grants, people: [...people].sort() };
  }

  /** A person's effective clearance, every grant they were given and every change, oldest first. */
  async history(actor: Actor, person: string): Promise<PersonClearances> {
    return recordingDenials(this.#ctx, actor, { action: 'read-clearances', target: `person:${person}` }, async () => {
      requireRole(actor, 'security-officer');
      const { db, clock, labelPolicy } = this.#ctx;
      const now = clock();
      const personRow = await getPersonRow(db, person);
      if (!personRow) throw serverError('NOT_FOUND', 'no such person');
      const live = (await liveGrants(db, [person], now)).get(person);
      const effective = clearanceFromGrant(labelPolicy, live, personRow.nationality);
      const grants = await grantsOf(db, person);
      const history = await historyOf(db, person);
      return {
        person,
        effective: effectiveView(effective),
        grants: grants.map((g) => this.#view(g, effective.grantId)),
        history: history.map((h) => ({
          id: h.id,
          grantId: h.grant_id,
          action: h.action as 'granted' | 'revoked',
          actor: h.actor,
          reason: h.reason,
          at: iso(h.at),
          details: JSON.parse(h.details) as Record<string, unknown>,
        })),
      };
    });
  }

  #view(row: ClearanceGrantRow, effectiveId: string | null): ClearanceGrant {
    const now = this.#ctx.clock().getTime();
    const status =
      row.revoked_at !== null ? 'revoked' : row.expires_at <= now ? 'expired' : row.id === effectiveId ? 'effective' : 'superseded';
    return {
      id: row.id,
      person: row.person_handle,
      level: row.level,
      compartments: JSON.parse(row.compartments) as string[],
      nationality: row.nationality,
      mayExport: row.may_export === 1,
      grantedBy: row.granted_by,
      reason: row.reason,
      grantedAt: iso(row.granted_at),
      expiresAt: iso(row.expires_at),
      revokedAt: row.revoked_at === null ? null : iso(row.revoked_at),
      revokedBy: row.revoked_by,
      revokeReason: row.revoke_reason,
      status,
    };
  }
}

export function effectiveView(c: EffectiveClearance): EffectiveClearanceView {
  return {
    level: c.level,
    compartments: [...c.compartments],
    nationality: c.nationality,
    expiresAt: c.expiresAt === null ? null : iso(c.expiresAt),
    mayExport: c.mayExport,
    grantId: c.grantId,
    baseline: c.grantId === null,
  };
}
