/**
 * Labels in the web app: the organisation's label policy (levels, banner colours, compartments,
 * REL TO codes) fetched from the server once per session, and what the screens derive from it —
 * a label's colours, the labels the writer may choose, and why an addressee may not read a label.
 * The server enforces the same policy; this only lets people see the answer before they send.
 */
import type { ValiseClient } from '@valise/sdk';
import {
  type ClearanceProfile,
  clearanceDominates,
  formatLabel,
  type LabelPolicy,
  levelRank,
  levelStyle,
  parseLabel,
  releasableCountries,
  type SecurityLabel,
} from '@valise/sdk/browser';
import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import { explain } from './errors.ts';

export interface LabelPolicyState {
  policy: LabelPolicy | undefined;
  error: string | undefined;
  retry(): void;
}

const LabelPolicyContext = createContext<LabelPolicyState>({ policy: undefined, error: undefined, retry: () => undefined });
export const LabelPolicyProvider = LabelPolicyContext.Provider;

/** The organisation's label policy as the screens below the workspace see it. */
export function useLabelPolicy(): LabelPolicyState {
  return useContext(LabelPolicyContext);
}

/** Fetch the label policy for a client (the SDK keeps it once fetched); for the workspace's provider. */
export function useLabelPolicyOf(client: ValiseClient): LabelPolicyState {
  const [policy, setPolicy] = useState<LabelPolicy>();
  const [error, setError] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt is the retry trigger
  useEffect(() => {
    let cancelled = false;
    setError(undefined);
    client.labelPolicy().then(
      (p) => {
        if (!cancelled) setPolicy(p);
      },
      (err: unknown) => {
        if (!cancelled) setError(explain(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [client, attempt]);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { policy, error, retry };
}

/**
 * The classification level of a label's text: the first segment of the canonical form
 * ("SECRET//CRYPTO//REL TO NATO" → "SECRET"), when the policy knows it.
 */
export function levelOfLabel(policy: LabelPolicy | undefined, text: string): string | undefined {
  const level = text.split('//')[0]?.trim().toUpperCase().replace(/\s+/g, ' ');
  if (!level) return undefined;
  if (!policy) return FALLBACK_LEVELS.includes(level) ? level : undefined;
  return policy.levels.some((l) => l.name === level) ? level : undefined;
}

/** Banner colours for a label from the policy; undefined while the policy loads or for a level it does not define. */
export function labelColours(policy: LabelPolicy | undefined, text: string): { background: string; color: string } | undefined {
  const level = policy ? levelOfLabel(policy, text) : undefined;
  if (!policy || !level) return undefined;
  const { colour, textColour } = levelStyle(policy, level);
  return { background: colour, color: textColour };
}

// Until the policy arrives (a moment after sign-in), banners use the usual conventions for the
// common levels (styles.css) and a neutral grey for anything else; the level is always written
// out, so nothing depends on colour alone.
const FALLBACK_LEVELS = ['UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET', 'TOP SECRET'];

/** CSS modifier for a label's banner and chip before (or without) the policy's colours. */
export function fallbackTone(text: string): 'unclassified' | 'restricted' | 'secret' | 'top-secret' | 'unknown' {
  switch (levelOfLabel(undefined, text)) {
    case 'UNCLASSIFIED':
      return 'unclassified';
    case 'RESTRICTED':
    case 'CONFIDENTIAL':
      return 'restricted';
    case 'SECRET':
      return 'secret';
    case 'TOP SECRET':
      return 'top-secret';
    default:
      return 'unknown';
  }
}

/** The label the picker's choices make, canonical; undefined until a level is chosen. */
export function composeLabel(
  policy: LabelPolicy,
  choice: { level: string; compartments: string[]; releasableTo: string[] },
): { label: SecurityLabel; text: string } | undefined {
  if (!choice.level) return undefined;
  const label = parseLabel(
    policy,
    [
      choice.level,
      ...(choice.compartments.length > 0 ? [choice.compartments.join('/')] : []),
      ...(choice.releasableTo.length > 0 ? [`REL TO ${choice.releasableTo.join(', ')}`] : []),
    ].join('//'),
  );
  return { label, text: formatLabel(policy, label) };
}

/**
 * Why someone with this clearance may not read the label, as a short phrase for a recipient chip
 * ("not cleared for SECRET"); undefined when they may read it.
 */
export function whyNotCleared(policy: LabelPolicy, clearance: ClearanceProfile, label: SecurityLabel): string | undefined {
  if (clearanceDominates(policy, clearance, label)) return undefined;
  const known = policy.levels.some((l) => l.name === clearance.level);
  if (!known || levelRank(policy, clearance.level) < levelRank(policy, label.classification)) {
    return `not cleared for ${label.classification}`;
  }
  const missing = label.compartments.filter((c) => !clearance.compartments.includes(c));
  if (missing.length > 0) return `not cleared for ${missing.join(', ')}`;
  const admitted = releasableCountries(policy, label);
  if (admitted && !admitted.has(clearance.nationality)) return `not releasable to ${clearance.nationality}`;
  return `not cleared for ${label.classification}`;
}
