/**
 * Labels as the server meets them: text from requests, parsed and put in canonical form before
 * anything is stored, and text the server stored itself, parsed again (through a bounded cache)
 * whenever a decision needs it.
 */
import { type LabelPolicy, normaliseLabelText, parseLabel, releasableCountries, type SecurityLabel, ValiseError } from '@valise/protocol';
import { serverError } from '../errors.ts';

const CACHE_LIMIT = 10_000;

export class Labels {
  readonly policy: LabelPolicy;
  readonly #cache = new Map<string, SecurityLabel>();

  constructor(policy: LabelPolicy) {
    this.policy = policy;
  }

  /**
   * A label from a request: the parsed label and its canonical text, which is what gets stored.
   * A malformed label is 400 LABEL_SYNTAX, an unknown level LABEL_UNKNOWN_LEVEL, an unknown
   * compartment, REL TO code or privacy mark LABEL_UNKNOWN_CATEGORY (the protocol's codes).
   */
  fromRequest(text: string, field = 'label'): { label: SecurityLabel; text: string } {
    try {
      const canonical = normaliseLabelText(this.policy, text);
      return { label: this.stored(canonical), text: canonical };
    } catch (err) {
      if (err instanceof ValiseError) throw new ValiseError(err.code, `${field}: ${err.message}`);
      throw err;
    }
  }

  /**
   * A label this server stored. One that no longer parses under the current label policy (the
   * policy file changed) admits no one: LABEL_NOT_DOMINATED, until a security officer relabels.
   */
  stored(text: string): SecurityLabel {
    const cached = this.#cache.get(text);
    if (cached) return cached;
    let label: SecurityLabel;
    try {
      label = parseLabel(this.policy, text);
    } catch {
      throw serverError(
        'LABEL_NOT_DOMINATED',
        `the stored label "${text.slice(0, 80)}" is not valid under the label policy in force: no one may read it`,
      );
    }
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(text, label);
    return label;
  }

  /** The rank of the policy's highest level: downgrading from it needs two security officers. */
  get topRank(): number {
    return this.policy.levels.length - 1;
  }

  /** Countries a label admits (REL TO, groups expanded), undefined when it has no REL TO. */
  admits(label: SecurityLabel): Set<string> | undefined {
    return releasableCountries(this.policy, label);
  }
}
