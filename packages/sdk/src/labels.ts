/**
 * Labels on the client: the organisation's label policy (served by the server, the same file the
 * server enforces), canonical label text before anything is encrypted (the server stores the
 * canonical form and a recipient compares it with the signed one), and the refusal of recipients
 * who may not read a label before anything is sent.
 */
import {
  type ClearanceProfile,
  clearanceDominates,
  formatLabel,
  type LabelPolicy,
  type Person,
  parseLabel,
  parseLabelPolicy,
  type SecurityLabel,
  ValiseError,
} from '@valise/protocol';
import type { ClientCore } from './core.ts';

const policies = new WeakMap<ClientCore, Promise<LabelPolicy>>();

/** The organisation's label policy, fetched once per client. */
export function labelPolicyOf(core: ClientCore): Promise<LabelPolicy> {
  let p = policies.get(core);
  if (!p) {
    p = core.api.get<unknown>('/label-policy').then(parseLabelPolicy);
    p.catch(() => policies.delete(core));
    policies.set(core, p);
  }
  return p;
}

export function clearanceOf(person: Person): ClearanceProfile {
  return { level: person.clearance, compartments: person.compartments, nationality: person.nationality };
}

/** Parse a label against the policy and return it with its canonical text. */
export async function canonicalLabel(core: ClientCore, text: string): Promise<{ label: SecurityLabel; text: string; policy: LabelPolicy }> {
  const policy = await labelPolicyOf(core);
  const label = parseLabel(policy, text);
  return { label, text: formatLabel(policy, label), policy };
}

/**
 * Split people into those cleared for the label and those who are not. The writer must be
 * cleared too: nobody writes above their own clearance.
 */
export function partitionByClearance(
  policy: LabelPolicy,
  label: SecurityLabel,
  people: Person[],
): { cleared: Person[]; notCleared: Person[] } {
  const cleared: Person[] = [];
  const notCleared: Person[] = [];
  for (const p of people) (clearanceDominates(policy, clearanceOf(p), label) ? cleared : notCleared).push(p);
  return { cleared, notCleared };
}

export function notClearedError(labelText: string, people: Person[]): ValiseError {
  const who = people.map(
    (p) => `${p.handle} (${p.clearance}${p.compartments.length ? `//${p.compartments.join('/')}` : ''}, ${p.nationality})`,
  );
  return new ValiseError('RECIPIENT_NOT_CLEARED', `not cleared to read ${labelText}: ${who.join('; ')}. Nothing was sent.`);
}
