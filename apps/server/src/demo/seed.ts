/**
 * The demo ministry: the Ministry of Foreign Affairs of Freedonia, its headquarters and two
 * embassies, people at every clearance level, a security officer and an administrator, each with
 * a one-time enrolment code. Seeding is idempotent: on a data folder that already has the demo,
 * every person gets a fresh code (one for a further device of people already enrolled), so
 * demo.json always holds one usable code per person.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CreatePersonRequest, Organisation, Role, Unit } from '@valise/protocol';
import { getPerson, getUnit } from '../identity/store.ts';
import type { Services } from '../services.ts';

export const DEMO_ORGANISATION: Organisation = { name: 'Ministry of Foreign Affairs of Freedonia', domain: 'mfa.freedonia.example' };
const at = (local: string) => `${local}@${DEMO_ORGANISATION.domain}`;

export const DEMO_UNITS: Unit[] = [
  { handle: at('hq'), name: 'Headquarters, Freedonia City', kind: 'headquarters' },
  { handle: at('embassy-sylvania'), name: 'Embassy of Freedonia in Sylvania', kind: 'embassy' },
  { handle: at('embassy-vulgaria'), name: 'Embassy of Freedonia in Vulgaria', kind: 'embassy' },
];

const person = (
  local: string,
  name: string,
  unit: string,
  clearance: string,
  roles: Role[],
  compartments: string[] = [],
): CreatePersonRequest => ({
  handle: at(local),
  name,
  unit: at(unit),
  roles,
  clearance,
  compartments,
  nationality: 'FRD',
});

export const DEMO_PEOPLE: CreatePersonRequest[] = [
  person('alice', 'Alice Firefly', 'hq', 'TOP SECRET', ['user'], ['CRISIS']),
  person('bob', 'Bob Marx', 'embassy-sylvania', 'SECRET', ['user']),
  person('carol', 'Carol Teasdale', 'embassy-vulgaria', 'CONFIDENTIAL', ['user']),
  person('dave', 'Dave Trentino', 'embassy-sylvania', 'RESTRICTED', ['user']),
  person('erin', 'Erin Zeppo', 'embassy-vulgaria', 'UNCLASSIFIED', ['user']),
  person('frank', 'Frank Chicolini', 'hq', 'SECRET', ['user', 'security-officer']),
  person('grace', 'Grace Pinky', 'hq', 'CONFIDENTIAL', ['user', 'admin']),
  person('heidi', 'Heidi Brown', 'embassy-sylvania', 'TOP SECRET', ['user'], ['CRISIS']),
];

/** Demo enrolment codes stay valid for a week (at least two days were asked for). */
const DEMO_CODE_TTL_SECONDS = 7 * 24 * 3600;

export interface DemoPerson {
  handle: string;
  name: string;
  unit: string;
  clearance: string;
  roles: Role[];
  /** A fresh one-time enrolment code. */
  code: string;
}

export async function seedDemo(services: Services): Promise<DemoPerson[]> {
  const { db, organisation } = services.ctx;
  if (organisation.domain !== DEMO_ORGANISATION.domain) {
    throw new Error(`this data folder belongs to ${organisation.domain}, not the demo ministry (${DEMO_ORGANISATION.domain})`);
  }
  for (const unit of DEMO_UNITS) {
    if (!(await getUnit(db, unit.handle))) await services.identity.createUnit(null, unit);
  }
  for (const p of DEMO_PEOPLE) {
    if (!(await getPerson(db, p.handle))) await services.identity.createPerson(null, p);
  }
  const out: DemoPerson[] = [];
  for (const p of DEMO_PEOPLE) {
    const { code } = await services.identity.issueEnrolmentCode(null, { person: p.handle, ttlSeconds: DEMO_CODE_TTL_SECONDS });
    out.push({ handle: p.handle, name: p.name, unit: p.unit, clearance: p.clearance, roles: p.roles, code });
  }
  return out;
}

/** DIR/demo.json: where the server is and who can enrol with which code. Readable by its owner only. */
export function writeDemoFile(dataDir: string, serverUrl: string, people: DemoPerson[]): string {
  const file = join(dataDir, 'demo.json');
  writeFileSync(file, `${JSON.stringify({ server: serverUrl, people }, null, 2)}\n`, { mode: 0o600 });
  return file;
}
