/**
 * People together with their effective clearance (clearance.ts), at the injected clock's now: the
 * views the API shows and the subjects the policy engine decides about.
 */
import type { LabelPolicy, Person, Role } from '@valise/protocol';
import type { Db } from '../db/schema.ts';
import { chunks } from '../db/transactions.ts';
import { clearanceFromGrant, type EffectiveClearance } from './clearance.ts';
import { liveGrants } from './clearance-store.ts';
import { getPersonRow, listPersonRows, type PersonRow, personFromRow, rolesOf } from './store.ts';

/** Whom a policy decision is about: a person, their roles and their effective clearance. */
export interface PolicySubject {
  handle: string;
  roles: Role[];
  clearance: EffectiveClearance;
}

export function subjectOf(row: PersonRow, clearance: EffectiveClearance): PolicySubject {
  return { handle: row.handle, roles: rolesOf(row), clearance };
}

/** One person's view and policy subject, or undefined when there is no such person. */
export async function loadPerson(
  db: Db,
  policy: LabelPolicy,
  now: Date,
  handle: string,
): Promise<{ person: Person; subject: PolicySubject } | undefined> {
  const row = await getPersonRow(db, handle);
  if (!row) return undefined;
  const clearance = clearanceFromGrant(policy, (await liveGrants(db, [handle], now)).get(handle), row.nationality);
  return { person: personFromRow(row, clearance), subject: subjectOf(row, clearance) };
}

/** Everyone (or a unit's people), with their effective clearances. */
export async function loadPeople(db: Db, policy: LabelPolicy, now: Date, unit?: string): Promise<Person[]> {
  const rows = await listPersonRows(db, unit);
  const grants = await liveGrants(db, unit === undefined ? undefined : rows.map((r) => r.handle), now);
  return rows.map((r) => personFromRow(r, clearanceFromGrant(policy, grants.get(r.handle), r.nationality)));
}

/** The policy subjects of several people; unknown handles are absent. */
export async function loadSubjects(
  db: Db,
  policy: LabelPolicy,
  now: Date,
  handles: readonly string[],
): Promise<Map<string, PolicySubject>> {
  const unique = [...new Set(handles)];
  const out = new Map<string, PolicySubject>();
  if (unique.length === 0) return out;
  const grants = await liveGrants(db, unique, now);
  for (const part of chunks(unique)) {
    const rows = await db.selectFrom('people').selectAll().where('handle', 'in', part).execute();
    for (const r of rows) out.set(r.handle, subjectOf(r, clearanceFromGrant(policy, grants.get(r.handle), r.nationality)));
  }
  return out;
}
