/**
 * Property tests (fast-check) of the label model: the text and JSON forms round-trip, normalising
 * is idempotent, label dominance is a partial order on what it means (who may read), and clearance
 * dominance is monotone along it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValiseError } from '../errors.ts';
import { DEFAULT_LABEL_POLICY } from './default-policy.ts';
import { type ClearanceProfile, clearanceDominates, labelDominates, levelRank, releasableCountries } from './dominance.ts';
import { formatLabel, labelFromJson, labelToJson, normaliseLabelText, parseLabel, type SecurityLabel } from './label.ts';
import { type LabelPolicy, parseLabelPolicy } from './policy.ts';

const LABEL_CODES = ['LABEL_SYNTAX', 'LABEL_UNKNOWN_LEVEL', 'LABEL_UNKNOWN_CATEGORY'];
/** A nationality no policy lists: a reader from a state outside every REL TO list. */
const OUTSIDER = 'ZZZ';

const sorted = (xs: readonly string[]) => [...xs].sort();

/** Any well-formed policy: random level names, compartments, countries and groups of those countries. */
const policyArb: fc.Arbitrary<LabelPolicy> = fc
  .record({
    id: fc.stringMatching(/^urn:[a-z0-9:.-]{1,30}$/),
    levels: fc.uniqueArray(fc.stringMatching(/^[A-Z]{2,8}( [A-Z]{2,8})?$/), { minLength: 1, maxLength: 6 }),
    colours: fc.array(fc.stringMatching(/^#[0-9a-f]{6}$/), { minLength: 12, maxLength: 12 }),
    compartments: fc.uniqueArray(fc.stringMatching(/^[A-Z0-9-]{1,10}$/), { maxLength: 6 }),
    countries: fc.uniqueArray(fc.stringMatching(/^[A-Z]{3}$/), { maxLength: 10 }),
    groups: fc.uniqueArray(fc.stringMatching(/^[A-Z]{4}$/), { maxLength: 3 }),
    privacyMarks: fc.uniqueArray(fc.stringMatching(/^[A-Z]{1,6}( [A-Z]{1,6})?$/), { maxLength: 3 }),
  })
  .chain((p) =>
    fc.tuple(...(p.countries.length === 0 ? [] : p.groups).map(() => fc.subarray(p.countries, { minLength: 1 }))).map((members) => ({
      id: p.id,
      name: `Policy ${p.id}`,
      levels: p.levels.map((name, i) => ({ name, colour: p.colours[i * 2]!, textColour: p.colours[i * 2 + 1]! })),
      compartments: p.compartments.map((name) => ({ name, description: `about ${name}` })),
      releasability: { countries: p.countries, groups: members.map((m, i) => ({ name: p.groups[i]!, members: m })) },
      privacyMarks: p.privacyMarks,
    })),
  );

function codesOf(policy: LabelPolicy): string[] {
  return [...policy.releasability.countries, ...policy.releasability.groups.map((g) => g.name)];
}

/** Any canonical label of the policy (REL TO capped so every label fits the 256-character wire limit). */
function labelArb(policy: LabelPolicy, withPrivacyMark = false): fc.Arbitrary<SecurityLabel> {
  return fc
    .record({
      classification: fc.constantFrom(...policy.levels.map((l) => l.name)),
      compartments: fc.shuffledSubarray(policy.compartments.map((c) => c.name)),
      releasableTo: fc.shuffledSubarray(codesOf(policy), { maxLength: Math.min(12, codesOf(policy).length) }),
      privacyMark:
        withPrivacyMark && policy.privacyMarks.length > 0 ? fc.option(fc.constantFrom(...policy.privacyMarks)) : fc.constant(null),
    })
    .map(({ classification, compartments, releasableTo, privacyMark }) => {
      const label: SecurityLabel = {
        policyId: policy.id,
        classification,
        compartments: sorted(compartments),
        releasableTo: sorted(releasableTo),
      };
      if (privacyMark !== null) label.privacyMark = privacyMark;
      return label;
    });
}

/** The same text as a hurried person might type it: random case, extra blanks around every separator. */
function messyArb(text: string): fc.Arbitrary<string> {
  const parts = text.split(/(\/\/|\/|,| )/);
  const blank = fc.constantFrom('', ' ', '  ', '\t', ' \t ');
  return fc
    .tuple(
      fc.array(fc.boolean(), { minLength: text.length, maxLength: text.length }),
      fc.array(blank, { minLength: 2 * parts.length + 2, maxLength: 2 * parts.length + 2 }),
    )
    .map(([upper, blanks]) => {
      let k = 0;
      const cased = parts.map((part, i) => {
        if (i % 2 === 1) return part === ' ' ? ` ${blanks[2 * i]}` : `${blanks[2 * i]}${part}${blanks[2 * i + 1]}`;
        return [...part].map((ch) => (upper[k++] ? ch : ch.toLowerCase())).join('');
      });
      return `${blanks.at(-2)}${cased.join('')}${blanks.at(-1)}`;
    });
}

/** A label dominated by `label`: lower or equal level, fewer compartments, a REL TO admitting at least as many. */
function weakerArb(policy: LabelPolicy, label: SecurityLabel): fc.Arbitrary<SecurityLabel> {
  const rank = levelRank(policy, label.classification);
  const codes = codesOf(policy);
  return fc
    .record({
      classification: fc.constantFrom(...policy.levels.slice(0, rank + 1).map((l) => l.name)),
      compartments: fc.subarray(label.compartments),
      dropRelTo: fc.boolean(),
      extra: fc.subarray(codes, { maxLength: Math.min(3, codes.length) }),
    })
    .map(({ classification, compartments, dropRelTo, extra }) => ({
      policyId: policy.id,
      classification,
      compartments,
      releasableTo: label.releasableTo.length === 0 || dropRelTo ? [] : sorted([...new Set([...label.releasableTo, ...extra])]),
    }));
}

function clearanceArb(policy: LabelPolicy): fc.Arbitrary<ClearanceProfile> {
  return fc.record({
    level: fc.constantFrom(...policy.levels.map((l) => l.name)),
    compartments: fc.subarray(policy.compartments.map((c) => c.name)),
    nationality: fc.constantFrom(...policy.releasability.countries, OUTSIDER),
  });
}

function sameAdmitted(a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.size === b.size && [...a].every((c) => b.has(c));
}

const withLabel = (policy: LabelPolicy, withPrivacyMark = false) => labelArb(policy, withPrivacyMark).map((label) => ({ policy, label }));
const anyPolicyLabel = fc.oneof(
  withLabel(DEFAULT_LABEL_POLICY),
  policyArb.chain((p) => withLabel(p)),
);
const anyPolicyLabelWithMark = fc.oneof(
  withLabel(DEFAULT_LABEL_POLICY, true),
  policyArb.chain((p) => withLabel(p, true)),
);

/** A small corner of the demo policy where random pairs are often comparable or equivalent. */
const small = DEFAULT_LABEL_POLICY;
const smallLabel: fc.Arbitrary<SecurityLabel> = fc
  .record({
    classification: fc.constantFrom(...small.levels.map((l) => l.name)),
    compartments: fc.subarray(['CRYPTO', 'NUCLEAR']),
    releasableTo: fc.subarray(['FRD', 'FRSY', 'GBR', 'NATO', 'SYL']),
  })
  .map((l) => ({ policyId: small.id, ...l }));

describe('label policies', () => {
  it('every well-formed policy is accepted and returned unchanged', () => {
    fc.assert(
      fc.property(policyArb, (p) => {
        expect(parseLabelPolicy(JSON.parse(JSON.stringify(p)))).toStrictEqual(p);
      }),
      { numRuns: 300 },
    );
  });
});

describe('text form', () => {
  it('parseLabel(formatLabel(l)) is l, for the demo policy and random policies', () => {
    fc.assert(
      fc.property(anyPolicyLabel, ({ policy, label }) => {
        expect(parseLabel(policy, formatLabel(policy, label))).toStrictEqual(label);
      }),
      { numRuns: 1000 },
    );
  });

  it('case and spacing do not matter, and normalising is idempotent', () => {
    const messy = anyPolicyLabel.chain(({ policy, label }) =>
      messyArb(formatLabel(policy, label)).map((text) => ({ policy, label, text })),
    );
    fc.assert(
      fc.property(messy, ({ policy, label, text }) => {
        expect(parseLabel(policy, text)).toStrictEqual(label);
        const once = normaliseLabelText(policy, text);
        expect(once).toBe(formatLabel(policy, label));
        expect(normaliseLabelText(policy, once)).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });

  it('any text either normalises to a fixed point or is refused with a label error code', () => {
    const pieces = [
      'SECRET',
      'secret',
      'TOP',
      ' SECRET',
      'CONFIDENTIAL',
      '//',
      '/',
      ',',
      ' ',
      'REL TO ',
      'rel to',
      'FRD',
      'nato',
      'FRSY',
      'CRYPTO',
      'humint',
      'X',
      '-',
      '\t',
      'É',
      '(',
    ];
    const textArb = fc.oneof(
      fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((xs) => xs.join('')),
      fc.string({ maxLength: 40 }),
    );
    let accepted = 0;
    fc.assert(
      fc.property(textArb, (text) => {
        let once: string;
        try {
          once = normaliseLabelText(DEFAULT_LABEL_POLICY, text);
        } catch (err) {
          expect(err).toBeInstanceOf(ValiseError);
          expect(LABEL_CODES).toContain((err as ValiseError).code);
          return;
        }
        accepted++;
        expect(normaliseLabelText(DEFAULT_LABEL_POLICY, once)).toBe(once);
        expect(once).toMatch(/^[A-Z0-9][A-Z0-9 ,/()._-]*$/); // LabelText, the wire pattern
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(0);
  });
});

describe('JSON form', () => {
  it('labelFromJson(labelToJson(l)) is l, privacy mark included', () => {
    fc.assert(
      fc.property(anyPolicyLabelWithMark, ({ policy, label }) => {
        expect(labelFromJson(policy, JSON.parse(JSON.stringify(labelToJson(label))))).toStrictEqual(label);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('labelDominates is a partial order on who may read', () => {
  it('is reflexive', () => {
    fc.assert(
      fc.property(anyPolicyLabel, ({ policy, label }) => labelDominates(policy, label, label)),
      { numRuns: 500 },
    );
  });

  /*
   * Antisymmetry, stated precisely: labels are compared by what they mean, so a ≥ b and b ≥ a
   * imply equal rank, equal compartment sets and equal admitted countries (both "no REL TO", or
   * the same set once groups are expanded). The REL TO lists themselves may differ: "REL TO FRSY"
   * and "REL TO FRD, SYL" admit the same readers. Dominance is a partial order on these meanings
   * (a preorder on label spellings).
   */
  it('is antisymmetric up to meaning: mutual dominance means same rank, compartments and admitted countries', () => {
    let mutual = 0;
    let differentlySpelt = 0;
    fc.assert(
      fc.property(smallLabel, smallLabel, (a, b) => {
        if (!(labelDominates(small, a, b) && labelDominates(small, b, a))) return;
        mutual++;
        if (formatLabel(small, a) !== formatLabel(small, b)) differentlySpelt++;
        expect(levelRank(small, a.classification)).toBe(levelRank(small, b.classification));
        expect(a.compartments).toEqual(b.compartments);
        expect(sameAdmitted(releasableCountries(small, a), releasableCountries(small, b))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
    expect(mutual).toBeGreaterThan(0);
    expect(differentlySpelt).toBeGreaterThan(0);
  });

  it('is transitive', () => {
    let chains = 0;
    fc.assert(
      fc.property(smallLabel, smallLabel, smallLabel, (a, b, c) => {
        if (!(labelDominates(small, a, b) && labelDominates(small, b, c))) return;
        chains++;
        expect(labelDominates(small, a, c)).toBe(true);
      }),
      { numRuns: 20_000 },
    );
    expect(chains).toBeGreaterThan(100);

    // Long chains built to hold: every step weakens the label.
    const chain = anyPolicyLabel.chain(({ policy, label: a }) =>
      weakerArb(policy, a).chain((b) => weakerArb(policy, b).map((c) => ({ policy, a, b, c }))),
    );
    fc.assert(
      fc.property(chain, ({ policy, a, b, c }) => {
        expect(labelDominates(policy, a, b)).toBe(true);
        expect(labelDominates(policy, b, c)).toBe(true);
        expect(labelDominates(policy, a, c)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('means "everyone who may read a may read b"', () => {
    // If some reader of a may not read b, one of a's least-cleared readers (a's level and
    // compartments exactly, any nationality a admits) is such a reader: checking those suffices.
    fc.assert(
      fc.property(
        anyPolicyLabel.chain(({ policy, label }) => labelArb(policy).map((b) => ({ policy, a: label, b }))),
        ({ policy, a, b }) => {
          const nationalities = releasableCountries(policy, a) ?? new Set([...policy.releasability.countries, OUTSIDER]);
          const everyReaderOfAReadsB = [...nationalities].every((nationality) =>
            clearanceDominates(policy, { level: a.classification, compartments: a.compartments, nationality }, b),
          );
          expect(labelDominates(policy, a, b)).toBe(everyReaderOfAReadsB);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('clearanceDominates', () => {
  it('is monotone: a clearance that may read a may read every b that a dominates', () => {
    let hits = 0;
    fc.assert(
      fc.property(clearanceArb(small), smallLabel, smallLabel, (clearance, a, b) => {
        if (!(clearanceDominates(small, clearance, a) && labelDominates(small, a, b))) return;
        hits++;
        expect(clearanceDominates(small, clearance, b)).toBe(true);
      }),
      { numRuns: 20_000 },
    );
    expect(hits).toBeGreaterThan(100);

    const weakened = anyPolicyLabel.chain(({ policy, label }) =>
      fc.tuple(clearanceArb(policy), weakerArb(policy, label)).map(([clearance, b]) => ({ policy, clearance, a: label, b })),
    );
    fc.assert(
      fc.property(weakened, ({ policy, clearance, a, b }) => {
        if (clearanceDominates(policy, clearance, a)) expect(clearanceDominates(policy, clearance, b)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
