/**
 * Label dominance: who may read what. Three rules after Bell-LaPadula and STANAG 4774 categories:
 * no read up (level rank), need-to-know (every compartment of the label held), and releasability
 * (the reader's nationality among the countries a REL TO list admits, groups expanded). The server's
 * Cedar policies and the key distribution use these same definitions, so there is only one.
 */
import { ValiseError } from '../errors.ts';
import type { SecurityLabel } from './label.ts';
import type { LabelPolicy } from './policy.ts';

/** What a person is cleared for: a level, compartments and a nationality (ISO 3166-1 alpha-3). */
export interface ClearanceProfile {
  level: string;
  compartments: string[];
  nationality: string;
}

/** The rank of a level (0 = lowest); throws LABEL_UNKNOWN_LEVEL for a name the policy does not define. */
export function levelRank(policy: LabelPolicy, level: string): number {
  const rank = policy.levels.findIndex((l) => l.name === level);
  if (rank < 0) {
    throw new ValiseError(
      'LABEL_UNKNOWN_LEVEL',
      `unknown classification "${String(level).slice(0, 40)}"; the policy's levels are ${policy.levels.map((l) => l.name).join(', ')}`,
    );
  }
  return rank;
}

/** A level's banner colours (#rrggbb background and text); throws LABEL_UNKNOWN_LEVEL. */
export function levelStyle(policy: LabelPolicy, level: string): { colour: string; textColour: string } {
  const { colour, textColour } = policy.levels[levelRank(policy, level)]!;
  return { colour, textColour };
}

/** Countries a REL TO list admits, groups expanded; undefined when the label has no REL TO marking. */
export function releasableCountries(policy: LabelPolicy, label: SecurityLabel): Set<string> | undefined {
  samePolicy(policy, label);
  if (label.releasableTo.length === 0) return undefined;
  const admitted = new Set<string>();
  for (const code of label.releasableTo) {
    const group = policy.releasability.groups.find((g) => g.name === code);
    if (group !== undefined) {
      for (const member of group.members) admitted.add(member);
    } else if (policy.releasability.countries.includes(code)) {
      admitted.add(code);
    } else {
      // Fail closed: a code the policy does not know admits no one, and says so loudly.
      throw new ValiseError('LABEL_UNKNOWN_CATEGORY', `unknown REL TO code "${String(code).slice(0, 40)}" in a label`);
    }
  }
  return admitted;
}

/** No read up, need-to-know, releasability: true when this clearance may read content with this label. */
export function clearanceDominates(policy: LabelPolicy, clearance: ClearanceProfile, label: SecurityLabel): boolean {
  samePolicy(policy, label);
  if (levelRank(policy, clearance.level) < levelRank(policy, label.classification)) return false;
  if (!label.compartments.every((c) => clearance.compartments.includes(c))) return false;
  const admitted = releasableCountries(policy, label);
  return admitted === undefined || admitted.has(clearance.nationality);
}

/** a dominates b: everyone who may read a may read b (rank ≥, compartments ⊇, admitted countries ⊆, no REL TO admitting everyone). */
export function labelDominates(policy: LabelPolicy, a: SecurityLabel, b: SecurityLabel): boolean {
  samePolicy(policy, a);
  samePolicy(policy, b);
  if (levelRank(policy, a.classification) < levelRank(policy, b.classification)) return false;
  if (!b.compartments.every((c) => a.compartments.includes(c))) return false;
  const admittedB = releasableCountries(policy, b);
  if (admittedB === undefined) return true;
  const admittedA = releasableCountries(policy, a);
  // No REL TO on a admits every nationality, including ones the policy never lists: never a subset.
  if (admittedA === undefined) return false;
  for (const country of admittedA) if (!admittedB.has(country)) return false;
  return true;
}

/** The levels this clearance may write (every level up to its own), lowest first, for a compose picker. */
export function writableLevels(policy: LabelPolicy, clearance: ClearanceProfile): string[] {
  return policy.levels.slice(0, levelRank(policy, clearance.level) + 1).map((l) => l.name);
}

/** The compartments this clearance may put on a label (those it holds that the policy knows), sorted. */
export function writableCompartments(policy: LabelPolicy, clearance: ClearanceProfile): string[] {
  return policy.compartments
    .map((c) => c.name)
    .filter((name) => clearance.compartments.includes(name))
    .sort();
}

function samePolicy(policy: LabelPolicy, label: SecurityLabel): void {
  if (label.policyId !== policy.id) {
    throw new ValiseError(
      'LABEL_POLICY_MISMATCH',
      `the label is under policy "${String(label.policyId).slice(0, 80)}" but this server applies "${policy.id}"`,
    );
  }
}
