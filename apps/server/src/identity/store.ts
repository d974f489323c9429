/**
 * Storage of the organisation's directory: the organisation itself, units, people and devices.
 * Rows are mapped to the wire types of @valise/protocol here, so nothing above sees a row.
 */
import { type Device, type Organisation, type Person, type Role, toBase64Url, type Unit } from '@valise/protocol';
import type { Selectable } from 'kysely';
import type { Db, DevicesTable, PeopleTable, UnitsTable } from '../db/schema.ts';
import { bytesOf } from '../db/transactions.ts';
import type { EffectiveClearance } from './clearance.ts';

export type PersonRow = Selectable<PeopleTable>;
export type DeviceRow = Selectable<DevicesTable>;

const iso = (ms: number) => new Date(ms).toISOString();

/** A person as the API shows them: clearance, compartments and nationality are those of their effective clearance. */
export function personFromRow(row: PersonRow, clearance: EffectiveClearance): Person {
  return {
    handle: row.handle,
    name: row.name,
    unit: row.unit_handle,
    roles: rolesOf(row),
    clearance: clearance.level,
    compartments: [...clearance.compartments],
    nationality: clearance.nationality,
  };
}

export function rolesOf(row: PersonRow): Role[] {
  return JSON.parse(row.roles) as Role[];
}

export function unitFromRow(row: Selectable<UnitsTable>): Unit {
  return { handle: row.handle, name: row.name, kind: row.kind as Unit['kind'] };
}

export function deviceFromRow(row: DeviceRow): Device {
  return {
    id: row.id,
    person: row.person_handle,
    name: row.name,
    identityKey: toBase64Url(bytesOf(row.identity_key)),
    ...(row.pouch_key !== null && row.pouch_key_signature !== null
      ? { pouchKey: toBase64Url(bytesOf(row.pouch_key)), pouchKeySignature: toBase64Url(bytesOf(row.pouch_key_signature)) }
      : {}),
    enrolledAt: iso(row.enrolled_at),
    revokedAt: row.revoked_at === null ? null : iso(row.revoked_at),
  };
}

// ---- organisation ------------------------------------------------------------------------------
export async function getOrganisation(db: Db): Promise<Organisation | undefined> {
  const row = await db.selectFrom('organisation').select(['name', 'domain']).where('id', '=', 1).executeTakeFirst();
  return row ? { name: row.name, domain: row.domain } : undefined;
}

export async function insertOrganisation(db: Db, org: Organisation, now: Date): Promise<void> {
  await db.insertInto('organisation').values({ id: 1, name: org.name, domain: org.domain, created_at: now.getTime() }).execute();
}

// ---- units -------------------------------------------------------------------------------------
export async function insertUnit(db: Db, unit: Unit, now: Date): Promise<void> {
  await db.insertInto('units').values({ handle: unit.handle, name: unit.name, kind: unit.kind, created_at: now.getTime() }).execute();
}

export async function getUnit(db: Db, handle: string): Promise<Unit | undefined> {
  const row = await db.selectFrom('units').selectAll().where('handle', '=', handle).executeTakeFirst();
  return row ? unitFromRow(row) : undefined;
}

export async function listUnits(db: Db): Promise<Unit[]> {
  return (await db.selectFrom('units').selectAll().orderBy('handle').execute()).map(unitFromRow);
}

// ---- people (their clearances are in clearance-store.ts; people.ts puts the two together) ------
export async function insertPerson(
  db: Db,
  person: { handle: string; name: string; unit: string; roles: Role[]; nationality: string },
  now: Date,
): Promise<void> {
  await db
    .insertInto('people')
    .values({
      handle: person.handle,
      name: person.name,
      unit_handle: person.unit,
      roles: JSON.stringify(person.roles),
      nationality: person.nationality,
      created_at: now.getTime(),
    })
    .execute();
}

export async function getPersonRow(db: Db, handle: string): Promise<PersonRow | undefined> {
  return db.selectFrom('people').selectAll().where('handle', '=', handle).executeTakeFirst();
}

export async function listPersonRows(db: Db, unit?: string): Promise<PersonRow[]> {
  let q = db.selectFrom('people').selectAll().orderBy('handle');
  if (unit !== undefined) q = q.where('unit_handle', '=', unit);
  return q.execute();
}

// ---- devices -----------------------------------------------------------------------------------
export async function insertDevice(
  db: Db,
  device: {
    id: string;
    person: string;
    name: string;
    identityKey: Uint8Array;
    identityKeyHash: Uint8Array;
    pouchKey?: { publicKey: Uint8Array; signature: Uint8Array };
  },
  now: Date,
): Promise<void> {
  await db
    .insertInto('devices')
    .values({
      id: device.id,
      person_handle: device.person,
      name: device.name,
      identity_key: device.identityKey,
      identity_key_hash: device.identityKeyHash,
      pouch_key: device.pouchKey?.publicKey ?? null,
      pouch_key_signature: device.pouchKey?.signature ?? null,
      enrolled_at: now.getTime(),
      revoked_at: null,
      queue_seq: 0,
    })
    .execute();
}

export async function getDeviceRow(db: Db, id: string): Promise<DeviceRow | undefined> {
  return db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function deviceIdWithKeyHash(db: Db, identityKeyHash: Uint8Array): Promise<string | undefined> {
  const row = await db.selectFrom('devices').select('id').where('identity_key_hash', '=', identityKeyHash).executeTakeFirst();
  return row?.id;
}

export async function listDevicesOf(db: Db, person: string): Promise<Device[]> {
  const rows = await db.selectFrom('devices').selectAll().where('person_handle', '=', person).orderBy('id').execute();
  return rows.map(deviceFromRow);
}

/** People handles that have at least one device that is not revoked. */
export async function peopleWithActiveDevices(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('devices').select('person_handle').where('revoked_at', 'is', null).distinct().execute();
  return new Set(rows.map((r) => r.person_handle));
}

/** Mark a device revoked; false when it was already revoked (the first time stands). */
export async function markDeviceRevoked(db: Db, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('devices')
    .set({ revoked_at: now.getTime() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
