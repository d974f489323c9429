/**
 * The organisation's directory and its administration: units, people, enrolment codes, device
 * revocation. Every method takes the acting person and checks their roles itself, so no route can
 * forget authorisation.
 */
import type { CreatePersonRequest, Device, EnrolmentCodeResponse, Person, Role, Unit } from '@valise/protocol';
import { utf8 } from '@valise/protocol';
import type { ServiceContext } from '../context.ts';
import type { Db } from '../db/schema.ts';
import { isUniqueViolation } from '../db/transactions.ts';
import { serverError } from '../errors.ts';
import type { Actor } from './authentication.ts';
import { isClearanceLevel } from './clearance.ts';
import { deleteSessionsOf, insertEnrolmentCode } from './credentials-store.ts';
import { generateEnrolmentCode, normaliseEnrolmentCode } from './enrolment-code.ts';
import {
  deviceFromRow,
  getDeviceRow,
  getPerson,
  getUnit,
  insertPerson,
  insertUnit,
  listDevicesOf,
  listPeople,
  listUnits,
  markDeviceRevoked,
} from './store.ts';

export const DEFAULT_ENROLMENT_CODE_TTL_SECONDS = 7 * 24 * 3600;

/** Runs inside the revocation transaction: other capabilities drop what a revoked device held. */
export type RevocationHook = (trx: Db, deviceId: string, now: Date) => Promise<void>;

export function requireRole(actor: Actor, ...roles: Role[]): void {
  if (!roles.some((r) => actor.person.roles.includes(r))) {
    throw serverError('FORBIDDEN', `this needs the role ${roles.join(' or ')}`);
  }
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
        if (await getPerson(trx, unit.handle)) throw serverError('CONFLICT', 'a person already has this handle');
        await insertUnit(trx, unit, clock());
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw serverError('CONFLICT', 'a unit with this handle already exists');
      throw err;
    }
    return unit;
  }

  /** Create a person; `actor` null means the server itself (seeding). */
  async createPerson(actor: Actor | null, req: CreatePersonRequest): Promise<Person> {
    if (actor) {
      requireRole(actor, 'admin', 'security-officer');
      // Only an administrator may make another administrator.
      if (req.roles.includes('admin')) requireRole(actor, 'admin');
    }
    this.#assertOwnDomain(req.handle, 'person');
    if (!isClearanceLevel(req.clearance)) throw serverError('BAD_REQUEST', `unknown clearance level "${req.clearance}"`);
    const person: Person = {
      handle: req.handle,
      name: req.name,
      unit: req.unit,
      roles: req.roles,
      clearance: req.clearance,
      compartments: req.compartments ?? [],
      nationality: req.nationality,
    };
    const { db, clock } = this.#ctx;
    try {
      await db.transaction().execute(async (trx) => {
        if (!(await getUnit(trx, req.unit))) throw serverError('BAD_REQUEST', 'unit does not exist');
        if (await getPerson(trx, req.handle)) throw serverError('CONFLICT', 'a person with this handle already exists');
        if (await getUnit(trx, req.handle)) throw serverError('CONFLICT', 'a unit already has this handle');
        await insertPerson(trx, person, clock());
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw serverError('CONFLICT', 'a person with this handle already exists');
      throw err;
    }
    return person;
  }

  /** Issue a one-time enrolment code; only its SHA-256 is kept. */
  async issueEnrolmentCode(actor: Actor | null, req: { person: string; ttlSeconds?: number }): Promise<EnrolmentCodeResponse> {
    if (actor) requireRole(actor, 'security-officer', 'admin');
    const { db, clock, crypto } = this.#ctx;
    const now = clock();
    const target = await getPerson(db, req.person);
    if (!target) throw serverError('NOT_FOUND', 'no such person');
    // Whoever holds a code can enrol a device of their own choosing as that person. A security
    // officer who could issue a code for an administrator could therefore become one, which
    // createPerson forbids ("only an administrator may make another administrator").
    if (actor && target.roles.includes('admin')) requireRole(actor, 'admin');
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
    return listPeople(this.#ctx.db);
  }

  // ---- directory (every authenticated device) ----------------------------------------------------
  async people(): Promise<Person[]> {
    return listPeople(this.#ctx.db);
  }

  async units(): Promise<Unit[]> {
    return listUnits(this.#ctx.db);
  }

  async devicesOf(handle: string): Promise<Device[]> {
    if (!(await getPerson(this.#ctx.db, handle))) throw serverError('NOT_FOUND', 'no such person');
    return listDevicesOf(this.#ctx.db, handle);
  }

  async membersOf(unitHandle: string): Promise<Person[]> {
    if (!(await getUnit(this.#ctx.db, unitHandle))) throw serverError('NOT_FOUND', 'no such unit');
    return listPeople(this.#ctx.db, unitHandle);
  }

  async device(id: string): Promise<Device> {
    const row = await getDeviceRow(this.#ctx.db, id);
    if (!row) throw serverError('NOT_FOUND', 'no such device');
    return deviceFromRow(row);
  }

  // ---- revocation ----------------------------------------------------------------------------------
  /**
   * Revoke a device: its sessions end at once, it can no longer authenticate, it is never again
   * queued anything and its key packages are dropped so no one can add it to a group. Allowed for
   * the device's own person (a lost second device) and for security officers.
   */
  async revokeDevice(actor: Actor, deviceId: string): Promise<Device> {
    const { db, clock, bus } = this.#ctx;
    const row = await getDeviceRow(db, deviceId);
    if (!row) throw serverError('NOT_FOUND', 'no such device');
    if (row.person_handle !== actor.person.handle) requireRole(actor, 'security-officer');
    const now = clock();
    const revokedNow = await db.transaction().execute(async (trx) => {
      const changed = await markDeviceRevoked(trx, deviceId, now);
      if (!changed) return false;
      await deleteSessionsOf(trx, deviceId);
      for (const hook of this.#revocationHooks) await hook(trx, deviceId, now);
      return true;
    });
    if (revokedNow) await bus.publish([{ type: 'revoked', deviceId }]);
    const after = await getDeviceRow(db, deviceId);
    if (!after) throw serverError('NOT_FOUND', 'no such device');
    return deviceFromRow(after);
  }
}
