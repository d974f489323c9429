/**
 * Security labels after NATO STANAG 4774: policy identifier, classification, categories
 * (compartments, REL TO) and privacy mark; a canonical text form and a JSON form.
 *
 * Text form: `LEVEL[//COMP/COMP...][//REL TO CODE, CODE...]`, e.g. "SECRET//CRYPTO/NUCLEAR//REL TO FRD, SYL".
 * Input is tolerant of case and spacing only; the structure (order of segments, separators) is
 * strict, so a malformed label is refused with a message saying how to write it.
 */
import { ValiseError } from '../errors.ts';
import type { LabelPolicy } from './policy.ts';

/** A security label under a label policy; arrays sorted and unique. */
export interface SecurityLabel {
  policyId: string;
  /** A level name of the policy. */
  classification: string;
  /** Sorted, unique. */
  compartments: string[];
  /** Sorted, unique country codes and/or group tetragraphs; [] = no REL TO marking (not restricted by nationality). */
  releasableTo: string[];
  privacyMark?: string;
}

/** The JSON form of a label (the privacy mark exists only here, not in the text form). */
export interface SecurityLabelJson {
  policyId: string;
  classification: string;
  compartments: string[];
  releasableTo: string[];
  privacyMark?: string;
}

/** The longest canonical text a label may have: LabelText in the wire schema. */
export const MAX_LABEL_TEXT_LENGTH = 256;
const MAX_INPUT_LENGTH = 1024;
const MAX_CATEGORIES = 64;
const LABEL_CHARACTERS = /[^A-Za-z0-9 \t,/-]/;
const REL_TO = /^REL TO( |$)/;

/** Parses a label's text form (case and spacing are free); throws LABEL_SYNTAX, LABEL_UNKNOWN_LEVEL or LABEL_UNKNOWN_CATEGORY. */
export function parseLabel(policy: LabelPolicy, text: string): SecurityLabel {
  if (typeof text !== 'string') throw syntax(`a label must be text; got ${text === null ? 'null' : typeof text}`);
  if (text.length > MAX_INPUT_LENGTH) throw syntax(`the label is ${text.length} characters long; the limit is ${MAX_INPUT_LENGTH}`);
  checkCharacters(text, 'the label');
  const upper = text.toUpperCase().trim();
  if (upper === '')
    throw syntax(`the label is empty; write at least a classification, e.g. "${policy.levels[0]?.name}" or "${example(policy)}"`);

  const [first, ...rest] = upper.split(/\s*\/\/\s*/);
  const level = collapse(first!);
  if (level === '') throw syntax(`the label starts with "//"; write the classification first, as in "${example(policy)}"`);
  if (/[/,]/.test(level)) {
    throw syntax(`"${clip(level)}" is not a classification; separate the segments of a label with "//", as in "${example(policy)}"`);
  }

  let compartments: string[] | undefined;
  let releasableTo: string[] | undefined;
  rest.forEach((raw, i) => {
    const segment = collapse(raw);
    if (segment === '') throw syntax(`segment ${i + 2} of the label is empty; remove the extra "//"`);
    if (REL_TO.test(segment)) {
      if (releasableTo !== undefined) throw syntax('REL TO appears twice; list every country and group in one "REL TO A, B" segment');
      const list = segment.slice('REL TO'.length).trim();
      if (list === '') throw syntax('REL TO lists no one; write country codes or group tetragraphs after it, e.g. "REL TO FRD, NATO"');
      releasableTo = list.split(',').map((code) => code.trim());
    } else {
      if (releasableTo !== undefined) {
        throw syntax(`"${clip(segment)}" comes after REL TO; write the compartments first: LEVEL//COMPARTMENT/COMPARTMENT//REL TO CODES`);
      }
      if (compartments !== undefined) throw syntax('the compartments are split over two segments; join them with a single "/"');
      compartments = segment.split('/').map((name) => name.trim());
    }
  });
  return checkedLabel(policy, {
    policyId: policy.id,
    classification: level,
    compartments: compartments ?? [],
    releasableTo: releasableTo ?? [],
  });
}

/** The canonical text form of a label (validated against the policy first). */
export function formatLabel(policy: LabelPolicy, label: SecurityLabel): string {
  return textOf(checkedLabel(policy, partsOf(label)));
}

/** Parses and re-formats label text: the canonical spelling of what the user typed. */
export function normaliseLabelText(policy: LabelPolicy, text: string): string {
  return formatLabel(policy, parseLabel(policy, text));
}

/** The JSON form of a label (fresh arrays; privacyMark only when present). */
export function labelToJson(label: SecurityLabel): SecurityLabelJson {
  const json: SecurityLabelJson = {
    policyId: label.policyId,
    classification: label.classification,
    compartments: [...label.compartments],
    releasableTo: [...label.releasableTo],
  };
  if (label.privacyMark !== undefined) json.privacyMark = label.privacyMark;
  return json;
}

/** Reads a label's JSON form, validated like parseLabel; a label of another policy is LABEL_POLICY_MISMATCH. */
export function labelFromJson(policy: LabelPolicy, json: unknown): SecurityLabel {
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    for (const key of Object.keys(json)) {
      if (!LABEL_FIELDS.includes(key)) throw syntax(`"${clip(key)}" is not a field of a label; the fields are ${LABEL_FIELDS.join(', ')}`);
    }
  }
  return checkedLabel(policy, partsOf(json));
}

const LABEL_FIELDS = ['policyId', 'classification', 'compartments', 'releasableTo', 'privacyMark'];

/** The label fields of an untrusted object, type-checked; other properties are ignored. */
function partsOf(value: unknown): SecurityLabel {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw syntax(`a label must be an object with ${LABEL_FIELDS.join(', ')}`);
  }
  const o = value as Record<string, unknown>;
  const field = (key: string) => (Object.hasOwn(o, key) ? o[key] : undefined);
  const policyId = field('policyId');
  if (typeof policyId !== 'string') throw syntax('policyId must be a string');
  const classification = field('classification');
  if (typeof classification !== 'string') throw syntax('classification must be a string');
  const privacyMark = field('privacyMark');
  if (privacyMark !== undefined && typeof privacyMark !== 'string') throw syntax('privacyMark must be a string when present');
  const parts: SecurityLabel = {
    policyId,
    classification,
    compartments: stringList(field('compartments'), 'compartments'),
    releasableTo: stringList(field('releasableTo'), 'releasableTo'),
  };
  if (privacyMark !== undefined) parts.privacyMark = privacyMark;
  return parts;
}

function stringList(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw syntax(`${name} must be an array of strings`);
  return value as string[];
}

/**
 * Validates a label's parts against the policy and returns the canonical label. Parts may be
 * spelled loosely (case, spacing), as typed by a person; the result is spelled as the policy does.
 */
function checkedLabel(policy: LabelPolicy, parts: SecurityLabel): SecurityLabel {
  if (parts.policyId !== policy.id) {
    throw new ValiseError(
      'LABEL_POLICY_MISMATCH',
      `the label is under policy "${clip(parts.policyId)}" but this server applies "${policy.id}"; it must be relabelled under this policy`,
    );
  }
  const label: SecurityLabel = {
    policyId: policy.id,
    classification: checkedLevel(policy, parts.classification),
    compartments: checkedCompartments(policy, parts.compartments),
    releasableTo: checkedReleasability(policy, parts.releasableTo),
  };
  if (parts.privacyMark !== undefined) {
    if (!policy.privacyMarks.includes(parts.privacyMark)) {
      const allowed = policy.privacyMarks.length === 0 ? 'the policy allows none' : `allowed: ${policy.privacyMarks.join(', ')}`;
      throw new ValiseError('LABEL_UNKNOWN_CATEGORY', `unknown privacy mark "${clip(parts.privacyMark)}"; ${allowed}`);
    }
    label.privacyMark = parts.privacyMark;
  }
  const text = textOf(label);
  if (text.length > MAX_LABEL_TEXT_LENGTH) {
    throw syntax(
      `the label is ${text.length} characters long when written out; the limit is ${MAX_LABEL_TEXT_LENGTH}: name fewer countries or use a group such as ${policy.releasability.groups[0]?.name ?? 'a coalition tetragraph'}`,
    );
  }
  return label;
}

function checkedLevel(policy: LabelPolicy, raw: string): string {
  checkCharacters(raw, 'the classification');
  const level = collapse(raw.toUpperCase());
  if (policy.levels.some((l) => l.name === level)) return level;
  const names = policy.levels.map((l) => l.name);
  // "SECRET REL TO NATO", "SECRET CRYPTO": a known level followed by more words; point at the separator.
  const prefix = [...names].sort((a, b) => b.length - a.length).find((name) => level.startsWith(`${name} `));
  if (prefix !== undefined) {
    throw syntax(
      `"${clip(level)}" is not a classification; separate the parts with "//", e.g. "${prefix}//${level.slice(prefix.length + 1)}"`,
    );
  }
  throw new ValiseError('LABEL_UNKNOWN_LEVEL', `unknown classification "${clip(level)}"; the policy's levels are ${names.join(', ')}`);
}

function checkedCompartments(policy: LabelPolicy, raw: readonly string[]): string[] {
  if (raw.length > MAX_CATEGORIES) throw syntax(`the label names ${raw.length} compartments; the limit is ${MAX_CATEGORIES}`);
  const seen = new Set<string>();
  for (const item of raw) {
    checkCharacters(item, 'a compartment');
    const name = item.trim().toUpperCase();
    if (name === '') throw syntax('a compartment is empty; separate compartments with a single "/"');
    if (/\s/.test(name)) {
      const hint = /\bREL\s+TO\b/.test(name) ? ' and put "//" before REL TO' : '';
      throw syntax(`"${clip(collapse(name))}" is not a compartment; separate compartments with "/"${hint}`);
    }
    if (!policy.compartments.some((c) => c.name === name)) {
      const allowed =
        policy.compartments.length === 0
          ? 'the policy defines none'
          : `the policy's compartments are ${compartmentNames(policy).join(', ')}`;
      const isCode = policy.releasability.countries.includes(name) || policy.releasability.groups.some((g) => g.name === name);
      const hint = isCode ? ` (${name} is a releasability code: write "REL TO ${name}")` : '';
      throw new ValiseError('LABEL_UNKNOWN_CATEGORY', `unknown compartment "${clip(name)}"${hint}; ${allowed}`);
    }
    if (seen.has(name)) throw syntax(`compartment ${name} is listed twice; name each compartment once`);
    seen.add(name);
  }
  return [...seen].sort();
}

function checkedReleasability(policy: LabelPolicy, raw: readonly string[]): string[] {
  if (raw.length > MAX_CATEGORIES) throw syntax(`REL TO names ${raw.length} codes; the limit is ${MAX_CATEGORIES}`);
  const seen = new Set<string>();
  for (const item of raw) {
    checkCharacters(item, 'a REL TO code');
    const code = item.trim().toUpperCase();
    if (code === '') throw syntax('REL TO has an empty entry; separate codes with a single ","');
    if (/\s/.test(code)) throw syntax(`"${clip(collapse(code))}" is not one code; separate REL TO codes with ",", e.g. "REL TO FRD, SYL"`);
    const { countries, groups } = policy.releasability;
    if (!countries.includes(code) && !groups.some((g) => g.name === code)) {
      const hint = policy.compartments.some((c) => c.name === code) ? ` (${code} is a compartment: write it before REL TO)` : '';
      const groupList = groups.length === 0 ? 'none' : groups.map((g) => g.name).join(', ');
      throw new ValiseError(
        'LABEL_UNKNOWN_CATEGORY',
        `unknown REL TO code "${clip(code)}"${hint}; the policy's countries are ${countries.join(', ') || 'none'}; its groups are ${groupList}`,
      );
    }
    if (seen.has(code)) throw syntax(`REL TO lists ${code} twice; name each country or group once`);
    seen.add(code);
  }
  return [...seen].sort();
}

function textOf(label: SecurityLabel): string {
  let text = label.classification;
  if (label.compartments.length > 0) text += `//${label.compartments.join('/')}`;
  if (label.releasableTo.length > 0) text += `//REL TO ${label.releasableTo.join(', ')}`;
  return text;
}

function checkCharacters(text: string, what: string): void {
  const bad = LABEL_CHARACTERS.exec(text);
  if (bad !== null) {
    const char = bad[0];
    const point = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw syntax(
      `${what} contains ${JSON.stringify(char)} (U+${point}) at position ${bad.index}; labels use only letters A-Z, digits, spaces, "/", "," and "-"`,
    );
  }
}

function compartmentNames(policy: LabelPolicy): string[] {
  return policy.compartments.map((c) => c.name);
}

/** A well-formed label under this policy, for error messages: "SECRET//CRYPTO//REL TO NATO". */
function example(policy: LabelPolicy): string {
  const level = policy.levels[Math.min(3, policy.levels.length - 1)]?.name ?? 'SECRET';
  const compartment = policy.compartments[0] ? `//${policy.compartments[0].name}` : '';
  const code = policy.releasability.groups[0]?.name ?? policy.releasability.countries[0];
  return `${level}${compartment}${code ? `//REL TO ${code}` : ''}`;
}

function collapse(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function syntax(message: string): ValiseError {
  return new ValiseError('LABEL_SYNTAX', message);
}
