/**
 * The exhaustive matrix: every clearance against every label in a corner of the demo policy,
 * compared with a reference written here from first principles. The reference uses no production
 * helper: a literal level order, loops for set inclusion, and a literal table of which of the test
 * nationalities each coalition group contains (read off the demo policy's definition by hand).
 *
 *   clearances: 5 levels × 8 compartment sets × 3 nationalities          = 120
 *   labels:     5 levels × 8 compartment sets × 6 REL TO lists            = 240
 *   clearanceDominates: every clearance × every label, 120 × 240         = 28,800 cases
 *   labelDominates:     every label × every label, 240 × 240             = 57,600 pairs
 *
 * (5·8·3 × 5·8·6 is 28,800, not 57,600: the second figure is the label × label matrix.)
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_POLICY } from './default-policy.ts';
import { clearanceDominates, labelDominates } from './dominance.ts';
import { parseLabel, type SecurityLabel } from './label.ts';

// ---- the reference, from first principles ---------------------------------------------------

const LEVEL_ORDER = ['UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET', 'TOP SECRET'];

/** Which of the test nationalities each group admits: NATO has Freedonia (demo) and the UK, not Sylvania. */
const GROUP_MEMBERS: Record<string, string[]> = {
  NATO: ['FRD', 'GBR'],
  FRSY: ['FRD', 'SYL'],
};

interface RefClearance {
  level: string;
  compartments: string[];
  nationality: string;
}
interface RefLabel {
  level: string;
  compartments: string[];
  relTo: string[]; // [] = no REL TO marking
}

function rankOf(level: string): number {
  for (let i = 0; i < LEVEL_ORDER.length; i++) if (LEVEL_ORDER[i] === level) return i;
  throw new Error(`reference: unknown level ${level}`);
}

function contains(list: string[], item: string): boolean {
  for (const x of list) if (x === item) return true;
  return false;
}

function referenceMayRead(clearance: RefClearance, label: RefLabel): boolean {
  if (rankOf(clearance.level) < rankOf(label.level)) return false; // no read up
  for (const needed of label.compartments) if (!contains(clearance.compartments, needed)) return false; // need-to-know
  if (label.relTo.length === 0) return true; // no REL TO: not restricted by nationality
  for (const code of label.relTo) {
    if (code === clearance.nationality) return true;
    const members = GROUP_MEMBERS[code];
    if (members !== undefined && contains(members, clearance.nationality)) return true;
  }
  return false;
}

// ---- the matrix -----------------------------------------------------------------------------

const COMPARTMENTS = ['CRYPTO', 'NUCLEAR', 'HUMINT'];
const NATIONALITIES = ['FRD', 'SYL', 'GBR'];
const REL_TO_LISTS: string[][] = [[], ['FRD'], ['SYL'], ['FRD', 'SYL'], ['NATO'], ['FRSY']];

/** All 8 subsets of the three compartments, in the order the bits of 0..7 pick them. */
const COMPARTMENT_SETS: string[][] = [];
for (let mask = 0; mask < 8; mask++) COMPARTMENT_SETS.push(COMPARTMENTS.filter((_, bit) => (mask >> bit) & 1));

const clearances: RefClearance[] = [];
for (const level of LEVEL_ORDER)
  for (const compartments of COMPARTMENT_SETS)
    for (const nationality of NATIONALITIES) clearances.push({ level, compartments, nationality });

const labels: { ref: RefLabel; label: SecurityLabel; text: string }[] = [];
for (const level of LEVEL_ORDER) {
  for (const compartments of COMPARTMENT_SETS) {
    for (const relTo of REL_TO_LISTS) {
      // Written as a person would (compartments in set order, not sorted) and read by the real parser.
      let text = level;
      if (compartments.length > 0) text += `//${compartments.join('/')}`;
      if (relTo.length > 0) text += `//REL TO ${relTo.join(', ')}`;
      labels.push({ ref: { level, compartments, relTo }, label: parseLabel(DEFAULT_LABEL_POLICY, text), text });
    }
  }
}

describe('label dominance matrix (demo policy)', () => {
  it('has every clearance and every label', () => {
    expect(clearances).toHaveLength(5 * 8 * 3);
    expect(labels).toHaveLength(5 * 8 * 6);
  });

  it('parses every label of the matrix to the intended fields', () => {
    for (const { ref, label, text } of labels) {
      expect(label.classification, text).toBe(ref.level);
      expect([...label.compartments].sort(), text).toEqual([...ref.compartments].sort());
      expect([...label.releasableTo].sort(), text).toEqual([...ref.relTo].sort());
    }
  });

  it('clearanceDominates agrees with the reference in all 28,800 cases', () => {
    let cases = 0;
    let allowed = 0;
    const disagreements: string[] = [];
    for (const clearance of clearances) {
      for (const { ref, label, text } of labels) {
        cases++;
        const expected = referenceMayRead(clearance, ref);
        const actual = clearanceDominates(DEFAULT_LABEL_POLICY, clearance, label);
        if (expected) allowed++;
        if (actual !== expected && disagreements.length < 10) {
          disagreements.push(
            `${clearance.level}/${clearance.compartments.join('+') || '-'}/${clearance.nationality} on ${text}: expected ${expected}`,
          );
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(cases).toBe(5 * 8 * 3 * (5 * 8 * 6)); // 28,800
    // Not degenerate: both outcomes occur in quantity.
    expect(allowed).toBeGreaterThan(2_000);
    expect(cases - allowed).toBeGreaterThan(2_000);
    console.info(`label dominance matrix: ${cases} cases, ${allowed} allowed, ${cases - allowed} refused`);
  });

  /*
   * labelDominates against its definition, "everyone who may read a may read b", evaluated with
   * the reference over every matrix clearance plus a reader from a state no list names (ZZZ).
   * Restricting readers to FRD, SYL, GBR and ZZZ loses nothing here: NATO is the only list
   * admitting anyone else, and whenever NATO's admitted set is not inside another list's, GBR
   * (in NATO, in no other list) already witnesses it.
   */
  it('labelDominates agrees with "every reader of a may read b" for all 57,600 label pairs', () => {
    const readers: RefClearance[] = [...clearances];
    for (const level of LEVEL_ORDER) for (const compartments of COMPARTMENT_SETS) readers.push({ level, compartments, nationality: 'ZZZ' });
    const readableBy = labels.map(({ ref }) => readers.map((c) => referenceMayRead(c, ref)));

    let pairs = 0;
    let dominated = 0;
    const disagreements: string[] = [];
    for (let i = 0; i < labels.length; i++) {
      for (let j = 0; j < labels.length; j++) {
        pairs++;
        let expected = true;
        for (let r = 0; r < readers.length; r++) if (readableBy[i]![r] && !readableBy[j]![r]) expected = false;
        if (expected) dominated++;
        const actual = labelDominates(DEFAULT_LABEL_POLICY, labels[i]!.label, labels[j]!.label);
        if (actual !== expected && disagreements.length < 10)
          disagreements.push(`${labels[i]!.text} ≥ ${labels[j]!.text}: expected ${expected}`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(pairs).toBe(57_600);
    expect(dominated).toBeGreaterThan(1_000);
    console.info(`label dominance pairs: ${pairs} pairs, ${dominated} dominated`);
  });
});
