/**
 * The organisation's directory and its administration: units, people, enrolment codes, device
 * revocation. Every method takes the acting person and checks their roles itself, so no route can
 * forget authorisation.
 */
import type { CreatePersonRequest, Device, EnrolmentCodeResponse, Person, Unit } from '@valise/protocol';
import { toBase64Url, utf8 } from '@valise/protocol';
import type { BusEvent } from '../bus/bus.ts';
import type { ServiceContext } from '../context.ts';
import type { Db } from '../db/schema.ts';
import { bytesOf, isUniqueViolation } from '../db/transactions.ts';
import { serverError } from '../errors.ts';
import { actorOfEvent, recordSecurityEvent } from '../policy/security-events.ts';
import type { Actor } from './authentication.ts';
import { DEFAULT_GRANT_TTL_MS } from './clearance.ts';
import { checkClearanceAgainstPolicy, recordGrant } from './clearance-service.ts';
import { deleteSessionsOf, insertEnrolmentCode } from './credentials-store.ts';
import { generateEnrolmentCode, normaliseEnrolmentCode } from './enrolment-code.ts';
import { loadPeople, loadPerson } from './people.ts';
import { requireRole } from './roles.ts';
import {
  deviceFromRow,
  getDeviceRow,
  getPersonRow,
  getUnit,
  insertPerson,
  insertUnit,
  listDevicesOf,
  listUnits,
  markDeviceRevoked,
} from './store.ts';

export { requireRole } from './roles.ts';

export const DEFAULT_ENROLMENT_CODE_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Runs inside the revocation transaction: other capabilities drop what a revoked device held and
 * have it cut off from its conversations. Returns bus events to publish once the revocation commits.
 */
export type RevocationHook = (trx: Db, deviceId: string, now: Date, actor: Actor) => Promise<BusEvent[] | undefined>;

/** Who grants a person's initial clearance, and why, when the server itself creates them (seeding). */
export interface InitialGrant {
  grantedBy: string | null;
  reason: string;
  expiresAt?: Date;
}

export class IdentityService {
  readonly #ctx: ServiceContext;
  readonly #revocationHooks: RevocationHook[];

  constructor(ctx: ServiceContext, revocationHooks: RevocationHook[] = []) {
    this.#ctx = ctx;
    this.#revocationHooks = revocationHooks;
  }

  #assertOwnDomain(handle: string, what: string): void {
    if (!handle.endsWith(`@${this.#ctx.organisation.domain}`)) {
      throw serverError('BAD_REQUEST', `${what} handle must end with @${this.#ctx.organisation.domain}`);
    }
  }

  // ---- administration ----------------------------------------------------------------------------
  async createUnit(actor: Actor | null, unit: Unit): Promise<Unit> {
    if (actor) requireRole(actor, 'admin');
    this.#assertOwnDomain(unit.handle, 'unit');
    const { db, clock } = this.#ctx;
    try {
      await db.transaction().execute(async (trx) => {
        if (await getUnit(trx, unit.handle)) throw serverError('CONFLICT', 'a unit with this handle already exists');
        if (await getPersonRow(trx, unit.handle)) throw serverError('CONFLICT', 'a person already has this handle');
        await insertUnit(trx, unit, clock());
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw serverError('CONFLICT', 'a unit with this handle already exists');
      throw err;
    }
    return unit;
  }

  /**
   * Create a person with an initial clearance grant (valid a year unless `initial` says otherwise),
   * recorded as granted by the creating administrator or security officer; `actor` null means the
   * server itself (seeding), which names the grantor in `initial`.
   */
  async createPerson(actor: Actor | null, req: CreatePersonRequest, initial?: InitialGrant): Promise<Person> {
    if (actor) {
      requireRole(actor, 'admin', 'security-officer');
      // Only an administrator may make another administrator.
      if (req.roles.includes('admin')) requireRole(actor, 'admin');
    }
    this.#assertOwnDomain(req.handle, 'person');
    const compartments = [...new Set(req.compartments ?? [])].sort();
    checkClearanceAgainstPolicy(this.#ctx.labelPolicy, req.clearance, compartments);
    const { db, clock } = this.#ctx;
    const now = clock();
    try {
      await db.transaction().execute(async (trx) => {
        if (!(await getUnit(trx, req.unit))) throw serverError('BAD_REQUEST', 'unit does not exist');
        if (await getPersonRow(trx, req.handle)) throw serverError('CONFLICT', 'a person with this handle already exists');
        if (await getUnit(trx, req.handle)) throw serverError('CONFLICT', 'a unit already has this handle');
        await insertPerson(trx, req, now);
        await recordGrant(
          trx,
          this.#ctx,
          {
            person: req.handle,
            level: req.clearance,
            compartments,
            nationality: req.nationality,
            expiresAt: initial?.expiresAt ?? new Date(now.getTime() + DEFAULT_GRANT_TTL_MS),
            reason: initial?.reason ?? 'initial clearance, given when the person was created',
            mayExport: false,
            grantedBy: actor?.person.handle ?? initial?.grantedBy ?? null,
          },
          actor,
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw serverError('CONFLICT', 'a person with this handle already exists');
      throw err;
    }
    const created = await loadPerson(db, this.#ctx.labelPolicy, now, req.handle);
    if (!created) throw serverError('INTERNAL', 'created person vanished');
    return created.person;
  }

  /** Issue a one-time enrolment code; only its SHA-256 is kept. */
  async issueEnrolmentCode(actor: Actor | null, req: { person: string; ttlSeconds?: number }): Promise<EnrolmentCodeResponse> {
    if (actor) requireRole(actor, 'security-officer', 'admin');
    const { db, clock, crypto } = this.#ctx;
    const now = clock();
    const target = await getPersonRow(db, req.person);
    if (!target) throw serverError('NOT_FOUND', 'no such person');
    // Whoever holds a code can enrol a device of their own choosing as that person. A security
    // officer who could issue a code for an administrator could therefore become one, which
    // createPerson forbids ("only an administrator may make another administrator").
    if (actor && (JSON.parse(target.roles) as string[]).includes('admin')) requireRole(actor, 'admin');
    const code = generateEnrolmentCode(crypto.randomBytes);
    const normalised = normaliseEnrolmentCode(code);
    if (normalised === null) throw serverError('INTERNAL', 'generated an invalid enrolment code');
    const expiresAt = new Date(now.getTime() + (req.ttlSeconds ?? DEFAULT_ENROLMENT_CODE_TTL_SECONDS) * 1000);
    await insertEnrolmentCode(
      db,
      { hash: await crypto.sha256(utf8(normalised)), person: req.person, issuedBy: actor?.person.handle ?? null, expiresAt },
      now,
    );
    return { person: req.person, code, expiresAt: expiresAt.toISOString() };
  }

  async listPeopleForAdmin(actor: Actor): Promise<Person[]> {
    requireRole(actor, 'admin', 'security-officer');
    return this.people();
  }

  // ---- directory (every authenticated device) ----------------------------------------------------
  /** Everyone, each with their effective clearance now. */
  async people(): Promise<Person[]> {
    const { db, labelPolicy, clock } = this.#ctx;
    return loadPeople(db, labelPolicy, clock());
  }

  async units(): Promise<Unit[]> {
    return listUnits(this.#ctx.db);
  }

  async devicesOf(handle: string): Promise<Device[]> {
    if (!(await getPersonRow(this.#ctx.db, handle))) throw serverError('NOT_FOUND', 'no such person');
    return listDevicesOf(this.#ctx.db, handle);
  }

  async membersOf(unitHandle: string): Promise<Person[]> {
    const { db, labelPolicy, clock } = this.#ctx;
    if (!(await getUnit(db, unitHandle))) throw serverError('NOT_FOUND', 'no such unit');
    return loadPeople(db, labelPolicy, clock(), unitHandle);
  }

  async device(id: string): Promise<Device> {
    const row = await getDeviceRow(this.#ctx.db, id);
    if (!row) throw serverError('NOT_FOUND', 'no such device');
    return deviceFromRow(row);
  }

  // ---- revocation ----------------------------------------------------------------------------------
  /**
   * Revoke a device: its sessions end at once, it can no longer authenticate, it is never again
   * queued anything and its key packages are dropped so no one can add it to a group; the members
   * of its conversations are asked to remove it from their MLS groups. Allowed for the device's
   * own person (a lost second device) and for security officers.
   */
  async revokeDevice(actor: Actor, deviceId: string): Promise<Device> {
    const { db, clock, bus } = this.#ctx;
    const row = await getDeviceRow(db, deviceId);
    if (!row) throw serverError('NOT_FOUND', 'no such device');
    if (row.person_handle !== actor.person.handle) requireRole(actor, 'security-officer');
    const now = clock();
    const revokedNow = await db.transaction().execute(async (trx) => {
      const changed = await markDeviceRevoked(trx, deviceId, now);
      if (!changed) return undefined;
      await deleteSessionsOf(trx, deviceId);
      // Key transparency: the withdrawal of the key is logged with the revocation itself.
      await recordSecurityEvent(trx, this.#ctx, {
        type: 'device-revoke',
        actor: actorOfEvent(actor),
        target: `device:${deviceId}`,
        code: null,
        details: {
          deviceId,
          person: row.person_handle,
          keyFingerprint: toBase64Url(await this.#ctx.crypto.sha256(bytesOf(row.identity_key))),
          revokedAt: now.toISOString(),
        },
      });
      const events: BusEvent[] = [{ type: 'revoked', deviceId }];
      for (const hook of this.#revocationHooks) events.push(...((await hook(trx, deviceId, now, actor)) ?? []));
      return events;
    });
    if (revokedNow) await bus.publish(revokedNow);
    const after = await getDeviceRow(db, deviceId);
    if (!after) throw serverError('NOT_FOUND', 'no such device');
    return deviceFromRow(after);
  }
}
