/**
 * The organisation's label policy, after the SPIF (Security Policy Information File) of NATO
 * STANAG 4774: a data file naming the ordered classification levels, their banner colours and the
 * known categories. It is read once at start-up; a bad file is refused with every problem listed
 * by its path, so the operator can fix it in one pass.
 */
import { ValiseError } from '../errors.ts';

/** A classification level and its banner colours (#rrggbb background and text). */
export interface LabelLevel {
  name: string;
  colour: string;
  textColour: string;
}

/** A restrictive category (need-to-know): a reader must hold every compartment of a label. */
export interface LabelCompartment {
  name: string;
  description: string;
}

/** A coalition tetragraph (e.g. NATO) and the countries it stands for in REL TO lists. */
export interface ReleasabilityGroup {
  name: string;
  members: string[];
}

/** The organisation's label policy, after NATO STANAG 4774's SPIF idea: a data file. */
export interface LabelPolicy {
  /** Policy identifier, e.g. "urn:valise:policy:freedonia-mfa:2026". */
  id: string;
  name: string;
  /** Ordered from lowest to highest; rank = index in this array. */
  levels: LabelLevel[];
  /** Restrictive categories (need-to-know): a reader must hold ALL of the label's compartments. */
  compartments: LabelCompartment[];
  /** Permissive category: REL TO. Known ISO 3166-1 alpha-3 codes and coalition tetragraphs with their member countries. */
  releasability: { countries: string[]; groups: ReleasabilityGroup[] };
  /** Allowed privacy marks (free-text tags like "STAFF", "MEDICAL"); may be empty. */
  privacyMarks: string[];
}

// Level names are words of capitals separated by single spaces, so that the tolerant label parser
// (which collapses runs of spaces) always finds them again.
const LEVEL_NAME = /^[A-Z]+( [A-Z]+)*$/;
const COLOUR = /^#[0-9a-fA-F]{6}$/;
const COMPARTMENT_NAME = /^[A-Z0-9-]{1,32}$/;
const COUNTRY_CODE = /^[A-Z]{3}$/;
const GROUP_NAME = /^[A-Z]{4}$/;
const POLICY_ID = /^[\x21-\x7e]{1,256}$/;
// Printable text without control characters, trimmed.
const PRINTABLE = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u;
const MAX_LISTED_PROBLEMS = 20;

type Report = (path: string, what: string) => void;

/** Validates a label policy read from JSON and returns a fresh copy; throws LABEL_POLICY_INVALID naming every bad path. */
export function parseLabelPolicy(json: unknown): LabelPolicy {
  const problems: string[] = [];
  const report: Report = (path, what) => {
    problems.push(`${path}: ${what}`);
  };
  const policy = readPolicy(json, report);
  if (policy === undefined || problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ');
    const more = problems.length > MAX_LISTED_PROBLEMS ? `; and ${problems.length - MAX_LISTED_PROBLEMS} more` : '';
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new ValiseError('LABEL_POLICY_INVALID', `label policy is invalid (${count}): ${listed}${more}`);
  }
  return policy;
}

function readPolicy(json: unknown, report: Report): LabelPolicy | undefined {
  const root = readObject(json, 'policy', ['id', 'name', 'levels', 'compartments', 'releasability', 'privacyMarks'], report);
  if (root === undefined) return undefined;

  const id = readString(root.id, 'id', report, (s) =>
    POLICY_ID.test(s) ? undefined : 'must be 1 to 256 printable ASCII characters without spaces, e.g. "urn:valise:policy:my-mfa:2026"',
  );
  const name = readString(root.name, 'name', report, (s) => {
    if (s.trim() === '') return 'must not be empty';
    if (s !== s.trim()) return 'must not start or end with spaces';
    if (s.length > 200) return 'must be at most 200 characters';
    return PRINTABLE.test(s) ? undefined : 'must not contain control characters';
  });

  const levels = readArray(root.levels, 'levels', report, 1).map((item, i) => readLevel(item, `levels[${i}]`, report));
  noDuplicates(
    levels.map((l) => l?.name),
    (i) => `levels[${i}].name`,
    'level',
    report,
  );

  const compartments = readArray(root.compartments, 'compartments', report, 0).map((item, i) =>
    readCompartment(item, `compartments[${i}]`, report),
  );
  noDuplicates(
    compartments.map((c) => c?.name),
    (i) => `compartments[${i}].name`,
    'compartment',
    report,
  );

  const releasability = readReleasability(root.releasability, report);

  const privacyMarks = readArray(root.privacyMarks, 'privacyMarks', report, 0).map((item, i) =>
    readString(item, `privacyMarks[${i}]`, report, (s) => {
      if (s.trim() === '') return 'must not be empty';
      if (s !== s.trim()) return 'must not start or end with spaces';
      if (s.length > 64) return 'must be at most 64 characters';
      return PRINTABLE.test(s) ? undefined : 'must not contain control characters';
    }),
  );
  noDuplicates(privacyMarks, (i) => `privacyMarks[${i}]`, 'privacy mark', report);

  if (
    id === undefined ||
    name === undefined ||
    releasability === undefined ||
    levels.some((l) => l === undefined) ||
    compartments.some((c) => c === undefined) ||
    privacyMarks.some((m) => m === undefined)
  ) {
    return undefined;
  }
  return {
    id,
    name,
    levels: levels as LabelLevel[],
    compartments: compartments as LabelCompartment[],
    releasability,
    privacyMarks: privacyMarks as string[],
  };
}

function readLevel(item: unknown, path: string, report: Report): LabelLevel | undefined {
  const o = readObject(item, path, ['name', 'colour', 'textColour'], report);
  if (o === undefined) return undefined;
  const name = readString(o.name, `${path}.name`, report, (s) =>
    LEVEL_NAME.test(s) && s.length >= 2 && s.length <= 64
      ? undefined
      : 'must be 2 to 64 capital letters A-Z, words separated by single spaces (e.g. "TOP SECRET")',
  );
  const colour = readString(o.colour, `${path}.colour`, report, colourProblem);
  const textColour = readString(o.textColour, `${path}.textColour`, report, colourProblem);
  if (name === undefined || colour === undefined || textColour === undefined) return undefined;
  return { name, colour: colour.toLowerCase(), textColour: textColour.toLowerCase() };
}

function colourProblem(s: string): string | undefined {
  return COLOUR.test(s) ? undefined : 'must be a colour written #rrggbb (six hexadecimal digits, e.g. "#c8102e")';
}

function readCompartment(item: unknown, path: string, report: Report): LabelCompartment | undefined {
  const o = readObject(item, path, ['name', 'description'], report);
  if (o === undefined) return undefined;
  const name = readString(o.name, `${path}.name`, report, (s) =>
    COMPARTMENT_NAME.test(s) ? undefined : 'must be 1 to 32 capital letters, digits or "-" (e.g. "CRYPTO")',
  );
  const description = readString(o.description, `${path}.description`, report, (s) => {
    if (s.length > 500) return 'must be at most 500 characters';
    return PRINTABLE.test(s) ? undefined : 'must not contain control characters';
  });
  if (name === undefined || description === undefined) return undefined;
  return { name, description };
}

function readReleasability(value: unknown, report: Report): LabelPolicy['releasability'] | undefined {
  const o = readObject(value, 'releasability', ['countries', 'groups'], report);
  if (o === undefined) return undefined;

  const countries = readArray(o.countries, 'releasability.countries', report, 0).map((item, i) =>
    readString(item, `releasability.countries[${i}]`, report, (s) =>
      COUNTRY_CODE.test(s) ? undefined : 'must be an ISO 3166-1 alpha-3 code: three capital letters (e.g. "FRA")',
    ),
  );
  noDuplicates(countries, (i) => `releasability.countries[${i}]`, 'country', report);
  const known = new Set(countries.filter((c) => c !== undefined));

  const groups = readArray(o.groups, 'releasability.groups', report, 0).map((item, i) => {
    const path = `releasability.groups[${i}]`;
    const g = readObject(item, path, ['name', 'members'], report);
    if (g === undefined) return undefined;
    const name = readString(g.name, `${path}.name`, report, (s) => {
      if (!GROUP_NAME.test(s)) return 'must be a tetragraph: four capital letters (e.g. "NATO")';
      return known.has(s) ? 'is already a country code; a name may be used only once across countries and groups' : undefined;
    });
    const members = readArray(g.members, `${path}.members`, report, 1).map((m, j) =>
      readString(m, `${path}.members[${j}]`, report, (s) =>
        known.has(s) ? undefined : 'is not in releasability.countries; add it there or remove it from the group',
      ),
    );
    noDuplicates(members, (j) => `${path}.members[${j}]`, 'member', report);
    if (name === undefined || members.some((m) => m === undefined)) return undefined;
    return { name, members: members as string[] };
  });
  noDuplicates(
    groups.map((g) => g?.name),
    (i) => `releasability.groups[${i}].name`,
    'group',
    report,
  );

  if (countries.some((c) => c === undefined) || groups.some((g) => g === undefined)) return undefined;
  return { countries: countries as string[], groups: groups as ReleasabilityGroup[] };
}

/** Reports every value seen before at a lower index (undefined values were reported already). */
function noDuplicates(values: (string | undefined)[], pathOf: (i: number) => string, what: string, report: Report): void {
  const first = new Map<string, number>();
  values.forEach((v, i) => {
    if (v === undefined) return;
    const earlier = first.get(v);
    if (earlier === undefined) first.set(v, i);
    else report(pathOf(i), `${what} "${v}" is already defined at ${pathOf(earlier)}; each name may appear only once`);
  });
}

function readObject(value: unknown, path: string, keys: readonly string[], report: Report): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    report(path, `must be an object with the fields ${keys.join(', ')}; got ${kindOf(value)}`);
    return undefined;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) report(path === 'policy' ? key : `${path}.${key}`, `is not a known field; the fields are ${keys.join(', ')}`);
  }
  // Only own properties: a missing field must read as undefined, never as something inherited.
  for (const key of keys) out[key] = Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
  return out;
}

function readArray(value: unknown, path: string, report: Report, min: number): unknown[] {
  if (!Array.isArray(value)) {
    report(path, value === undefined ? 'is missing; it must be an array' : `must be an array; got ${kindOf(value)}`);
    return [];
  }
  if (value.length < min) report(path, `must have at least ${min} ${min === 1 ? 'entry' : 'entries'}`);
  if (value.length > 1000) report(path, 'must have at most 1000 entries');
  return value.slice(0, 1000);
}

function readString(value: unknown, path: string, report: Report, check: (s: string) => string | undefined): string | undefined {
  if (typeof value !== 'string') {
    report(path, value === undefined ? 'is missing; it must be a string' : `must be a string; got ${kindOf(value)}`);
    return undefined;
  }
  const problem = check(value);
  if (problem !== undefined) {
    report(path, `${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} ${problem}`);
    return undefined;
  }
  return value;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  return `a ${typeof value} (${String(value)})`;
}
