/**
 * Effective clearance. People hold clearances as grants (clearance_grants): a level, compartments,
 * a nationality, an expiry, the security officer who granted it, a reason, and optionally the
 * export right. A person's EFFECTIVE clearance is their latest unrevoked grant that has not expired
 * at the injected clock's now; a newer grant supersedes an older one, so a change is a new grant.
 *
 * With no such grant a person holds the BASELINE: the label policy's lowest level (UNCLASSIFIED by
 * default), no compartments, their own nationality (people.nationality), no expiry and no export
 * right. A grant whose level or compartments the current label policy no longer defines is not
 * honoured either (fail closed): the person falls back to the baseline until it is re-granted.
 */
import type { LabelPolicy } from '@valise/protocol';
import type { ClearanceGrantRow } from './clearance-store.ts';

export interface EffectiveClearance {
  level: string;
  /** Sorted, unique. */
  compartments: string[];
  nationality: string;
  /** Milliseconds since the epoch; null for the baseline, which does not expire. */
  expiresAt: number | null;
  /** The export right (save to file, print) that came with the grant. */
  mayExport: boolean;
  /** The grant this comes from; null for the baseline. */
  grantId: string | null;
}

/** Clearances granted without an explicit expiry (a person's initial clearance) last this long. */
export const DEFAULT_GRANT_TTL_MS = 365 * 24 * 3600 * 1000;

/** The clearance of someone who holds no live grant: the lowest level, nothing else. */
export function baselineClearance(policy: LabelPolicy, nationality: string): EffectiveClearance {
  return { level: policy.levels[0]!.name, compartments: [], nationality, expiresAt: null, mayExport: false, grantId: null };
}

/** The clearance a live grant gives, or the baseline when the label policy no longer knows its level or a compartment. */
export function clearanceFromGrant(policy: LabelPolicy, grant: ClearanceGrantRow | undefined, nationality: string): EffectiveClearance {
  if (!grant) return baselineClearance(policy, nationality);
  const compartments = JSON.parse(grant.compartments) as string[];
  const known =
    policy.levels.some((l) => l.name === grant.level) && compartments.every((c) => policy.compartments.some((k) => k.name === c));
  if (!known) return baselineClearance(policy, nationality);
  return {
    level: grant.level,
    compartments,
    nationality: grant.nationality,
    expiresAt: grant.expires_at,
    mayExport: grant.may_export === 1,
    grantId: grant.id,
  };
}
