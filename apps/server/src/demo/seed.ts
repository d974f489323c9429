/**
 * The demo ministry: the Ministry of Foreign Affairs of Freedonia, its headquarters and two
 * embassies, people at every clearance level, a security officer and an administrator, each with
 * a one-time enrolment code. Seeding is idempotent: on a data folder that already has the demo,
 * every person gets a fresh code (one for a further device of people already enrolled), so
 * demo.json always holds one usable code per person.
 *
 * Each demo person's clearance is a grant by the demo security officer (Frank), reason "demo",
 * valid for a year from seeding; everyone is a Freedonian national (FRD). The lead diplomat of
 * each embassy holds SECRET, so the two embassies can exchange SECRET cables.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CreatePersonRequest, LabelPolicy, Organisation, Role, Unit } from '@valise/protocol';
import { getPersonRow, getUnit } from '../identity/store.ts';
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
  person('alice', 'Alice Firefly', 'hq', 'TOP SECRET', ['user'], ['CRYPTO', 'NUCLEAR']),
  person('bob', 'Bob Marx', 'embassy-sylvania', 'SECRET', ['user']),
  person('carol', 'Carol Teasdale', 'embassy-vulgaria', 'SECRET', ['user']),
  person('dave', 'Dave Trentino', 'embassy-sylvania', 'RESTRICTED', ['user']),
  person('erin', 'Erin Zeppo', 'embassy-vulgaria', 'UNCLASSIFIED', ['user']),
  // Two security officers cleared for the top level, so that two-person integrity (lowering a TOP
  // SECRET label) can be shown: Frank at headquarters, Heidi as the embassy's regional security officer.
  person('frank', 'Frank Chicolini', 'hq', 'TOP SECRET', ['user', 'security-officer'], ['CRYPTO', 'NUCLEAR']),
  person('grace', 'Grace Pinky', 'hq', 'CONFIDENTIAL', ['user', 'admin']),
  person('heidi', 'Heidi Brown', 'embassy-sylvania', 'TOP SECRET', ['user', 'security-officer'], ['CRYPTO']),
];

/** The demo security officer, who granted every demo clearance. */
export const DEMO_SECURITY_OFFICER = at('frank');
/** Demo clearances last a year from seeding. */
const DEMO_GRANT_TTL_MS = 365 * 24 * 3600 * 1000;

/** Demo enrolment codes stay valid for a week (at least two days were asked for). */
const DEMO_CODE_TTL_SECONDS = 7 * 24 * 3600;

/** Why the demo cannot run under a label policy (it needs the demo's levels and compartments), or undefined. */
export function demoPolicyProblem(policy: LabelPolicy): string | undefined {
  const levels = new Set(policy.levels.map((l) => l.name));
  const compartments = new Set(policy.compartments.map((c) => c.name));
  const missing = [
    ...new Set([
      ...DEMO_PEOPLE.map((p) => p.clearance).filter((l) => !levels.has(l)),
      ...DEMO_PEOPLE.flatMap((p) => p.compartments ?? []).filter((c) => !compartments.has(c)),
    ]),
  ];
  return missing.length === 0
    ? undefined
    : `the demo ministry needs the levels and compartments ${missing.join(', ')}, which the label policy "${policy.name}" does not define`;
}

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
  const expiresAt = new Date(services.ctx.clock().getTime() + DEMO_GRANT_TTL_MS);
  for (const p of DEMO_PEOPLE) {
    if (!(await getPersonRow(db, p.handle))) {
      await services.identity.createPerson(null, p, { grantedBy: DEMO_SECURITY_OFFICER, reason: 'demo', expiresAt });
    }
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
