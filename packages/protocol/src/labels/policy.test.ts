import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasCode, ValiseError } from '../errors.ts';
import { DEFAULT_LABEL_POLICY } from './default-policy.ts';
import { levelRank, levelStyle } from './dominance.ts';
import { type LabelPolicy, parseLabelPolicy } from './policy.ts';

const fileText = readFileSync(new URL('./default-label-policy.json', import.meta.url), 'utf8');

/** A fresh, mutable copy of the default policy to break in one place. */
function policyJson(): LabelPolicy {
  return JSON.parse(fileText) as LabelPolicy;
}

function problemOf(json: unknown): string {
  try {
    parseLabelPolicy(json);
  } catch (err) {
    expect(hasCode(err, 'LABEL_POLICY_INVALID')).toBe(true);
    return (err as ValiseError).message;
  }
  throw new Error('the policy was accepted');
}

describe('the default label policy (Freedonia demo)', () => {
  it('is the data file, validated', () => {
    expect(DEFAULT_LABEL_POLICY).toEqual(parseLabelPolicy(JSON.parse(fileText)));
    expect(DEFAULT_LABEL_POLICY.id).toBe('urn:valise:policy:freedonia-mfa:2026');
  });

  it('orders the five levels with their banner colours', () => {
    expect(DEFAULT_LABEL_POLICY.levels.map((l) => l.name)).toEqual(['UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET', 'TOP SECRET']);
    expect(levelRank(DEFAULT_LABEL_POLICY, 'UNCLASSIFIED')).toBe(0);
    expect(levelRank(DEFAULT_LABEL_POLICY, 'TOP SECRET')).toBe(4);
    expect(levelStyle(DEFAULT_LABEL_POLICY, 'UNCLASSIFIED')).toEqual({ colour: '#007a33', textColour: '#ffffff' });
    expect(levelStyle(DEFAULT_LABEL_POLICY, 'RESTRICTED')).toEqual({ colour: '#1f5fa8', textColour: '#ffffff' });
    expect(levelStyle(DEFAULT_LABEL_POLICY, 'CONFIDENTIAL')).toEqual({ colour: '#1f5fa8', textColour: '#ffffff' });
    expect(levelStyle(DEFAULT_LABEL_POLICY, 'SECRET')).toEqual({ colour: '#c8102e', textColour: '#ffffff' });
    expect(levelStyle(DEFAULT_LABEL_POLICY, 'TOP SECRET')).toEqual({ colour: '#f2a900', textColour: '#000000' });
  });

  it('refuses an unknown level by name, listing the levels', () => {
    expect(() => levelRank(DEFAULT_LABEL_POLICY, 'secret')).toThrow(/unknown classification "secret".*UNCLASSIFIED, RESTRICTED/);
    expect(() => levelStyle(DEFAULT_LABEL_POLICY, 'COSMIC')).toThrow(ValiseError);
    try {
      levelRank(DEFAULT_LABEL_POLICY, 'COSMIC');
    } catch (err) {
      expect(hasCode(err, 'LABEL_UNKNOWN_LEVEL')).toBe(true);
    }
  });

  it('knows the compartments, the countries and the coalition groups', () => {
    expect(DEFAULT_LABEL_POLICY.compartments.map((c) => c.name)).toEqual(['CRYPTO', 'NUCLEAR', 'HUMINT', 'ATOMAL']);
    const { countries, groups } = DEFAULT_LABEL_POLICY.releasability;
    for (const code of ['FRD', 'SYL', 'VLG', 'RUR', 'GBR', 'FRA', 'DEU', 'USA']) expect(countries).toContain(code);
    const members = (name: string) => groups.find((g) => g.name === name)?.members;
    expect(members('FVEY')).toEqual(['AUS', 'CAN', 'GBR', 'NZL', 'USA']);
    expect(members('FRSY')).toEqual(['FRD', 'SYL']);
    expect(members('NATO')).toHaveLength(33); // the 32 members of 2024, and Freedonia for the demo
    expect(members('NATO')).toEqual(expect.arrayContaining(['FRD', 'GBR', 'FRA', 'DEU', 'USA', 'TUR', 'SWE', 'FIN']));
    expect(members('NATO')).not.toContain('SYL');
  });

  it('is frozen, so no caller can change who may read what', () => {
    expect(() => {
      (DEFAULT_LABEL_POLICY.levels as unknown[]).push({ name: 'COSMIC', colour: '#000000', textColour: '#ffffff' });
    }).toThrow(TypeError);
    expect(() => {
      DEFAULT_LABEL_POLICY.releasability.groups[0]!.members.push('SYL');
    }).toThrow(TypeError);
  });
});

describe('parseLabelPolicy', () => {
  it('returns a copy that shares nothing with its input', () => {
    const json = policyJson();
    const policy = parseLabelPolicy(json);
    json.levels[0]!.name = 'CHANGED';
    json.releasability.groups[0]!.members.pop();
    expect(policy).toEqual(DEFAULT_LABEL_POLICY);
  });

  it('accepts upper-case colours and writes them in lower case', () => {
    const json = policyJson();
    json.levels[3]!.colour = '#C8102E';
    expect(parseLabelPolicy(json).levels[3]!.colour).toBe('#c8102e');
  });

  it('accepts a policy without compartments, groups or privacy marks', () => {
    const minimal = {
      id: 'urn:x',
      name: 'Minimal',
      levels: [{ name: 'OPEN', colour: '#ffffff', textColour: '#000000' }],
      compartments: [],
      releasability: { countries: [], groups: [] },
      privacyMarks: [],
    };
    expect(parseLabelPolicy(minimal)).toEqual(minimal);
  });

  const broken: [string, (p: LabelPolicy) => void, RegExp][] = [
    ['an empty level list', (p) => (p.levels = []), /levels: must have at least 1 entry/],
    ['a lower-case level', (p) => (p.levels[1]!.name = 'Restricted'), /levels\[1\]\.name: "Restricted" must be 2 to 64 capital letters/],
    ['a level with two spaces', (p) => (p.levels[4]!.name = 'TOP  SECRET'), /levels\[4\]\.name: "TOP {2}SECRET" must be .*single spaces/],
    ['a one-letter level', (p) => (p.levels[0]!.name = 'U'), /levels\[0\]\.name: "U" must be 2 to 64/],
    [
      'a repeated level',
      (p) => (p.levels[2]!.name = 'RESTRICTED'),
      /levels\[2\]\.name: level "RESTRICTED" is already defined at levels\[1\]\.name/,
    ],
    ['a short colour', (p) => (p.levels[3]!.colour = '#c81'), /levels\[3\]\.colour: "#c81" must be a colour written #rrggbb/],
    ['a named colour', (p) => (p.levels[0]!.textColour = 'white'), /levels\[0\]\.textColour: "white" must be a colour/],
    ['a missing colour', (p) => delete (p.levels[0] as Partial<LabelPolicy['levels'][0]>).colour, /levels\[0\]\.colour: is missing/],
    ['a misspelt field', (p) => Object.assign(p.levels[0]!, { color: '#ffffff' }), /levels\[0\]\.color: is not a known field/],
    [
      'a compartment with a space',
      (p) => (p.compartments[0]!.name = 'CRYPTO X'),
      /compartments\[0\]\.name: "CRYPTO X" must be 1 to 32 capital/,
    ],
    [
      'a repeated compartment',
      (p) => (p.compartments[3]!.name = 'CRYPTO'),
      /compartments\[3\]\.name: compartment "CRYPTO" is already defined at compartments\[0\]\.name/,
    ],
    [
      'a compartment without description',
      (p) => Object.assign(p.compartments[1]!, { description: 7 }),
      /compartments\[1\]\.description: must be a string; got a number \(7\)/,
    ],
    [
      'a two-letter country',
      (p) => (p.releasability.countries[5] = 'FR'),
      /releasability\.countries\[5\]: "FR" must be an ISO 3166-1 alpha-3/,
    ],
    [
      'a repeated country',
      (p) => p.releasability.countries.push('GBR'),
      /releasability\.countries\[44\]: country "GBR" is already defined at releasability\.countries\[\d+\]/,
    ],
    [
      'a three-letter group',
      (p) => (p.releasability.groups[0]!.name = 'NAT'),
      /releasability\.groups\[0\]\.name: "NAT" must be a tetragraph/,
    ],
    [
      'a group of unknown countries',
      (p) => p.releasability.groups[2]!.members.push('XYZ'),
      /releasability\.groups\[2\]\.members\[2\]: "XYZ" is not in releasability\.countries; add it there/,
    ],
    ['an empty group', (p) => (p.releasability.groups[1]!.members = []), /releasability\.groups\[1\]\.members: must have at least 1 entry/],
    [
      'a repeated group',
      (p) => (p.releasability.groups[2]!.name = 'NATO'),
      /releasability\.groups\[2\]\.name: group "NATO" is already defined at releasability\.groups\[0\]\.name/,
    ],
    [
      'a member listed twice',
      (p) => p.releasability.groups[2]!.members.push('FRD'),
      /releasability\.groups\[2\]\.members\[2\]: member "FRD" is already defined/,
    ],
    [
      'a repeated privacy mark',
      (p) => p.privacyMarks.push('STAFF'),
      /privacyMarks\[3\]: privacy mark "STAFF" is already defined at privacyMarks\[0\]/,
    ],
    ['a padded privacy mark', (p) => (p.privacyMarks[0] = ' STAFF'), /privacyMarks\[0\]: " STAFF" must not start or end with spaces/],
    [
      'an id with spaces',
      (p) => (p.id = 'my policy'),
      /^label policy is invalid \(1 problem\): id: "my policy" must be 1 to 256 printable ASCII/,
    ],
    ['an empty name', (p) => (p.name = ''), /name: "" must not be empty/],
    [
      'a missing releasability',
      (p) => delete (p as Partial<LabelPolicy>).releasability,
      /releasability: must be an object with the fields/,
    ],
    ['an extra top-level field', (p) => Object.assign(p, { levles: [] }), /levles: is not a known field; the fields are id, name, levels/],
  ];
  it.each(broken)('refuses %s, naming the path and what to fix', (_what, breakIt, message) => {
    const json = policyJson();
    breakIt(json);
    expect(problemOf(json)).toMatch(message);
  });

  it('refuses what is not a policy object at all', () => {
    expect(problemOf(null)).toMatch(/policy: must be an object with the fields id, name, levels.*; got null/);
    expect(problemOf([])).toMatch(/got an array/);
    expect(problemOf('{}')).toMatch(/got a string/);
  });

  it('lists every problem at once, so the file can be fixed in one pass', () => {
    const json = policyJson();
    json.levels[0]!.colour = 'green';
    json.compartments[0]!.name = 'crypto';
    json.releasability.groups[1]!.members.push('ZZZ');
    const message = problemOf(json);
    expect(message).toMatch(/^label policy is invalid \(3 problems\): /);
    expect(message).toContain('levels[0].colour');
    expect(message).toContain('compartments[0].name');
    expect(message).toContain('releasability.groups[1].members[5]');
  });

  it('cuts a long list of problems short', () => {
    const json = policyJson();
    json.releasability.countries = json.releasability.countries.map((c) => c.toLowerCase());
    const message = problemOf(json);
    expect(message).toMatch(/\(\d+ problems\)/);
    expect(message).toMatch(/; and \d+ more$/);
  });

  it('reads only own fields: a prototype cannot smuggle a field in', () => {
    const json = Object.create({ privacyMarks: [] }) as Record<string, unknown>;
    Object.assign(json, policyJson());
    delete json.privacyMarks;
    expect(problemOf(json)).toMatch(/privacyMarks: is missing; it must be an array/);
  });
});
