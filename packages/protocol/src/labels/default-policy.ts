/**
 * The demo ministry's label policy (Freedonia): UNCLASSIFIED < RESTRICTED < CONFIDENTIAL < SECRET <
 * TOP SECRET. It lives in default-label-policy.json, the data file an organisation would replace
 * with its own; it is validated here like any other policy file.
 */
import defaultPolicyJson from './default-label-policy.json' with { type: 'json' };
import { type LabelPolicy, parseLabelPolicy } from './policy.ts';

/** Freedonia demo policy: five levels, CRYPTO/NUCLEAR/HUMINT/ATOMAL, NATO, FVEY and FRSY; frozen. */
export const DEFAULT_LABEL_POLICY: LabelPolicy = deepFreeze(parseLabelPolicy(defaultPolicyJson));

// Shared by every caller in the process: freezing makes an accidental edit throw instead of
// silently changing who may read what.
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
