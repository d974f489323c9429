import { describe, expect, it } from 'vitest';
import { hasCode, type ValiseError } from '../errors.ts';
import { DEFAULT_LABEL_POLICY as policy } from './default-policy.ts';
import {
  type ClearanceProfile,
  clearanceDominates,
  labelDominates,
  releasableCountries,
  writableCompartments,
  writableLevels,
} from './dominance.ts';
import {
  formatLabel,
  labelFromJson,
  labelToJson,
  MAX_LABEL_TEXT_LENGTH,
  normaliseLabelText,
  parseLabel,
  type SecurityLabel,
} from './label.ts';

const POLICY_ID = policy.id;

function label(classification: string, compartments: string[] = [], releasableTo: string[] = []): SecurityLabel {
  return { policyId: POLICY_ID, classification, compartments, releasableTo };
}

function refusal(f: () => unknown): ValiseError {
  try {
    f();
  } catch (err) {
    return err as ValiseError;
  }
  throw new Error('accepted');
}

function expectRefused(f: () => unknown, code: string, message: RegExp): void {
  const err = refusal(f);
  expect(hasCode(err, code), `${err.message}`).toBe(true);
  expect(err.message).toMatch(message);
}

describe('parseLabel and formatLabel', () => {
  it('reads and writes the canonical text form', () => {
    const l = parseLabel(policy, 'SECRET//CRYPTO/NUCLEAR//REL TO FRD, SYL');
    expect(l).toStrictEqual(label('SECRET', ['CRYPTO', 'NUCLEAR'], ['FRD', 'SYL']));
    expect(formatLabel(policy, l)).toBe('SECRET//CRYPTO/NUCLEAR//REL TO FRD, SYL');
    expect(parseLabel(policy, 'TOP SECRET')).toStrictEqual(label('TOP SECRET'));
    expect(parseLabel(policy, 'CONFIDENTIAL//REL TO NATO')).toStrictEqual(label('CONFIDENTIAL', [], ['NATO']));
    expect(parseLabel(policy, 'UNCLASSIFIED//HUMINT')).toStrictEqual(label('UNCLASSIFIED', ['HUMINT']));
  });

  it('is tolerant of case and spacing, and sorts the categories', () => {
    expect(normaliseLabelText(policy, '  top   secret //  nuclear / crypto //rel  to syl ,frd,nato ')).toBe(
      'TOP SECRET//CRYPTO/NUCLEAR//REL TO FRD, NATO, SYL',
    );
    expect(normaliseLabelText(policy, 'Secret\t//\tREL TO fvey')).toBe('SECRET//REL TO FVEY');
    expect(normaliseLabelText(policy, 'restricted//rel to frsy, FRD')).toBe('RESTRICTED//REL TO FRD, FRSY');
  });

  it('formats a label whose lists are out of order canonically', () => {
    expect(formatLabel(policy, label('SECRET', ['NUCLEAR', 'CRYPTO'], ['SYL', 'FRD']))).toBe('SECRET//CRYPTO/NUCLEAR//REL TO FRD, SYL');
  });

  it('leaves the privacy mark out of the text form', () => {
    expect(formatLabel(policy, { ...label('SECRET'), privacyMark: 'MEDICAL' })).toBe('SECRET');
    expect(parseLabel(policy, 'SECRET')).not.toHaveProperty('privacyMark');
  });

  it('refuses an unknown classification, listing the levels', () => {
    expectRefused(
      () => parseLabel(policy, 'SECRIT//CRYPTO'),
      'LABEL_UNKNOWN_LEVEL',
      /unknown classification "SECRIT"; the policy's levels are UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET, TOP SECRET/,
    );
    expectRefused(() => parseLabel(policy, 'COSMIC TOP SECRET'), 'LABEL_UNKNOWN_LEVEL', /"COSMIC TOP SECRET"/);
  });

  it('refuses an unknown compartment, listing the compartments', () => {
    expectRefused(
      () => parseLabel(policy, 'SECRET//NOFORN'),
      'LABEL_UNKNOWN_CATEGORY',
      /unknown compartment "NOFORN"; the policy's compartments are CRYPTO, NUCLEAR, HUMINT, ATOMAL/,
    );
  });

  it('refuses an unknown REL TO code, listing countries and groups', () => {
    expectRefused(
      () => parseLabel(policy, 'SECRET//REL TO FRD, XYZ'),
      'LABEL_UNKNOWN_CATEGORY',
      /unknown REL TO code "XYZ"; the policy's countries are FRD, SYL, .*; its groups are NATO, FVEY, FRSY/,
    );
    expectRefused(() => parseLabel(policy, 'SECRET//REL TO EU'), 'LABEL_UNKNOWN_CATEGORY', /"EU"/);
  });

  it('points at a category written in the wrong segment', () => {
    expectRefused(() => parseLabel(policy, 'SECRET//FRD'), 'LABEL_UNKNOWN_CATEGORY', /FRD is a releasability code: write "REL TO FRD"/);
    expectRefused(
      () => parseLabel(policy, 'SECRET//REL TO CRYPTO'),
      'LABEL_UNKNOWN_CATEGORY',
      /CRYPTO is a compartment: write it before REL TO/,
    );
  });

  const syntaxErrors: [string, string | number, RegExp][] = [
    ['', 'an empty label', /the label is empty; write at least a classification, e.g. "UNCLASSIFIED" or "SECRET\/\/CRYPTO\/\/REL TO NATO"/],
    ['   ', 'a blank label', /the label is empty/],
    ['//CRYPTO', 'no classification', /starts with "\/\/"; write the classification first/],
    ['SECRET REL TO NATO', 'a missing separator', /separate the parts with "\/\/", e.g. "SECRET\/\/REL TO NATO"/],
    ['TOP SECRET CRYPTO', 'a missing separator after two words', /e.g. "TOP SECRET\/\/CRYPTO"/],
    ['SECRET/CRYPTO', 'a single slash', /"SECRET\/CRYPTO" is not a classification; separate the segments of a label with "\/\/"/],
    ['SECRET//', 'a trailing separator', /segment 2 of the label is empty; remove the extra "\/\/"/],
    ['SECRET////CRYPTO', 'a doubled separator', /segment 2 of the label is empty/],
    ['SECRET///CRYPTO', 'a stray slash', /a compartment is empty; separate compartments with a single "\/"/],
    ['SECRET//CRYPTO//NUCLEAR', 'two compartment segments', /the compartments are split over two segments; join them with a single "\/"/],
    ['SECRET//REL TO FRD//CRYPTO', 'compartments after REL TO', /"CRYPTO" comes after REL TO; write the compartments first/],
    ['SECRET//REL TO FRD//REL TO SYL', 'two REL TO segments', /REL TO appears twice/],
    ['SECRET//REL TO', 'an empty REL TO', /REL TO lists no one/],
    ['SECRET//REL TO FRD,,SYL', 'an empty REL TO entry', /REL TO has an empty entry/],
    ['SECRET//REL TO FRD SYL', 'codes without commas', /"FRD SYL" is not one code; separate REL TO codes with ","/],
    ['SECRET//CRYPTO REL TO FRD', 'REL TO without its separator', /"CRYPTO REL TO FRD" is not a compartment; .* put "\/\/" before REL TO/],
    ['SECRET//CRYPTO/CRYPTO', 'a repeated compartment', /compartment CRYPTO is listed twice/],
    ['SECRET//REL TO FRD, frd', 'a repeated code', /REL TO lists FRD twice/],
    ['SECRET (NATO)', 'a parenthesis', /contains "\(" \(U\+0028\) at position 7; labels use only letters A-Z, digits, spaces/],
    ['SÉCRET', 'an accented letter', /contains "É" \(U\+00C9\) at position 1/],
    ['ſECRET', 'a letter that upper-cases to ASCII', /U\+017F/],
    ['SECRET\n//CRYPTO', 'a line break', /U\+000A/],
    ['S'.repeat(1025), 'an over-long input', /1025 characters long; the limit is 1024/],
  ];
  it.each(syntaxErrors)('refuses %j (%s) with LABEL_SYNTAX', (text, _what, message) => {
    expectRefused(() => parseLabel(policy, text as string), 'LABEL_SYNTAX', message);
  });

  it('refuses what is not text', () => {
    expectRefused(() => parseLabel(policy, 42 as unknown as string), 'LABEL_SYNTAX', /a label must be text; got number/);
    expectRefused(() => parseLabel(policy, null as unknown as string), 'LABEL_SYNTAX', /got null/);
  });

  it('refuses a label too long for the wire (LabelText, 256 characters)', () => {
    const everyone = policy.releasability.countries.slice(0, 50).join(', ');
    const text = `TOP SECRET//ATOMAL/CRYPTO/HUMINT/NUCLEAR//REL TO ${everyone}`;
    expect(text.length).toBeGreaterThan(MAX_LABEL_TEXT_LENGTH);
    expectRefused(
      () => parseLabel(policy, text),
      'LABEL_SYNTAX',
      /characters long when written out; the limit is 256: name fewer countries or use a group such as NATO/,
    );
  });

  it('formatLabel validates the label it is given', () => {
    expectRefused(() => formatLabel(policy, label('SECRETISH')), 'LABEL_UNKNOWN_LEVEL', /SECRETISH/);
    expectRefused(() => formatLabel(policy, label('SECRET', ['X'])), 'LABEL_UNKNOWN_CATEGORY', /unknown compartment "X"/);
    expectRefused(() => formatLabel(policy, { ...label('SECRET'), policyId: 'urn:other' }), 'LABEL_POLICY_MISMATCH', /"urn:other"/);
    expectRefused(
      () => formatLabel(policy, { ...label('SECRET'), privacyMark: 'GOSSIP' }),
      'LABEL_UNKNOWN_CATEGORY',
      /unknown privacy mark "GOSSIP"; allowed: STAFF/,
    );
  });
});

describe('the JSON form', () => {
  it('round-trips, privacy mark included', () => {
    const l: SecurityLabel = { ...label('CONFIDENTIAL', ['HUMINT'], ['FVEY']), privacyMark: 'STAFF' };
    const json = labelToJson(l);
    expect(json).toStrictEqual({
      policyId: POLICY_ID,
      classification: 'CONFIDENTIAL',
      compartments: ['HUMINT'],
      releasableTo: ['FVEY'],
      privacyMark: 'STAFF',
    });
    expect(labelFromJson(policy, JSON.parse(JSON.stringify(json)))).toStrictEqual(l);
    expect(labelToJson(label('SECRET'))).not.toHaveProperty('privacyMark');
  });

  it('canonicalises spelling and order like the text parser', () => {
    expect(
      labelFromJson(policy, {
        policyId: POLICY_ID,
        classification: 'top  secret',
        compartments: ['nuclear', 'CRYPTO'],
        releasableTo: ['syl', 'FRD'],
      }),
    ).toStrictEqual(label('TOP SECRET', ['CRYPTO', 'NUCLEAR'], ['FRD', 'SYL']));
  });

  it('refuses malformed JSON labels with the label codes', () => {
    const good = { policyId: POLICY_ID, classification: 'SECRET', compartments: [], releasableTo: [] };
    expectRefused(() => labelFromJson(policy, null), 'LABEL_SYNTAX', /a label must be an object with policyId, classification/);
    expectRefused(() => labelFromJson(policy, 'SECRET'), 'LABEL_SYNTAX', /must be an object/);
    expectRefused(() => labelFromJson(policy, { ...good, caveat: 'X' }), 'LABEL_SYNTAX', /"caveat" is not a field of a label/);
    expectRefused(
      () => labelFromJson(policy, { ...good, compartments: 'CRYPTO' }),
      'LABEL_SYNTAX',
      /compartments must be an array of strings/,
    );
    expectRefused(() => labelFromJson(policy, { ...good, releasableTo: [1] }), 'LABEL_SYNTAX', /releasableTo must be an array of strings/);
    expectRefused(() => labelFromJson(policy, { ...good, classification: undefined }), 'LABEL_SYNTAX', /classification must be a string/);
    expectRefused(() => labelFromJson(policy, { ...good, privacyMark: 3 }), 'LABEL_SYNTAX', /privacyMark must be a string/);
    expectRefused(() => labelFromJson(policy, { ...good, classification: 'COSMIC' }), 'LABEL_UNKNOWN_LEVEL', /COSMIC/);
    expectRefused(() => labelFromJson(policy, { ...good, compartments: ['CRYPTO', 'crypto'] }), 'LABEL_SYNTAX', /listed twice/);
    expectRefused(() => labelFromJson(policy, { ...good, releasableTo: ['ATL'] }), 'LABEL_UNKNOWN_CATEGORY', /"ATL"/);
    expectRefused(() => labelFromJson(policy, { ...good, privacyMark: 'staff' }), 'LABEL_UNKNOWN_CATEGORY', /privacy mark "staff"/);
    expectRefused(
      () => labelFromJson(policy, { ...good, policyId: 'urn:valise:policy:sylvania:2026' }),
      'LABEL_POLICY_MISMATCH',
      /sylvania/,
    );
  });
});

describe('dominance', () => {
  const frdSecret: ClearanceProfile = { level: 'SECRET', compartments: ['CRYPTO'], nationality: 'FRD' };

  it('admits a cleared reader and names each rule that refuses', () => {
    expect(clearanceDominates(policy, frdSecret, parseLabel(policy, 'SECRET//CRYPTO//REL TO FRD, SYL'))).toBe(true);
    expect(clearanceDominates(policy, frdSecret, parseLabel(policy, 'CONFIDENTIAL'))).toBe(true);
    expect(clearanceDominates(policy, frdSecret, parseLabel(policy, 'TOP SECRET'))).toBe(false); // no read up
    expect(clearanceDominates(policy, frdSecret, parseLabel(policy, 'SECRET//CRYPTO/HUMINT'))).toBe(false); // need-to-know
    expect(clearanceDominates(policy, frdSecret, parseLabel(policy, 'SECRET//REL TO SYL'))).toBe(false); // releasability
    expect(clearanceDominates(policy, frdSecret, parseLabel(policy, 'SECRET//REL TO NATO'))).toBe(true); // via a group
    expect(clearanceDominates(policy, { ...frdSecret, nationality: 'SYL' }, parseLabel(policy, 'SECRET//REL TO NATO'))).toBe(false);
  });

  it('never treats a group name as a nationality', () => {
    expect(clearanceDominates(policy, { ...frdSecret, nationality: 'NATO' }, parseLabel(policy, 'SECRET//REL TO NATO'))).toBe(false);
  });

  it('expands REL TO groups', () => {
    expect(releasableCountries(policy, parseLabel(policy, 'SECRET'))).toBeUndefined();
    expect(releasableCountries(policy, parseLabel(policy, 'SECRET//REL TO FRSY, GBR'))).toEqual(new Set(['FRD', 'SYL', 'GBR']));
    expect(releasableCountries(policy, parseLabel(policy, 'SECRET//REL TO NATO'))?.size).toBe(33);
  });

  it('fails closed on labels the policy does not know', () => {
    expectRefused(() => clearanceDominates(policy, frdSecret, label('COSMIC')), 'LABEL_UNKNOWN_LEVEL', /COSMIC/);
    expectRefused(() => clearanceDominates(policy, frdSecret, label('SECRET', [], ['XYZ'])), 'LABEL_UNKNOWN_CATEGORY', /XYZ/);
    expectRefused(() => clearanceDominates(policy, { ...frdSecret, level: 'secret' }, label('SECRET')), 'LABEL_UNKNOWN_LEVEL', /secret/);
    expectRefused(
      () => clearanceDominates(policy, frdSecret, { ...label('SECRET'), policyId: 'urn:other' }),
      'LABEL_POLICY_MISMATCH',
      /urn:other/,
    );
  });

  it('orders labels by who may read them', () => {
    const at = (t: string) => parseLabel(policy, t);
    expect(labelDominates(policy, at('SECRET//CRYPTO//REL TO FRD'), at('CONFIDENTIAL//REL TO NATO'))).toBe(true);
    expect(labelDominates(policy, at('SECRET//REL TO FRD'), at('SECRET'))).toBe(true);
    expect(labelDominates(policy, at('SECRET'), at('SECRET//REL TO FRD'))).toBe(false); // no REL TO admits everyone
    expect(labelDominates(policy, at('SECRET//REL TO FRSY'), at('SECRET//REL TO FRD, SYL'))).toBe(true);
    expect(labelDominates(policy, at('SECRET//REL TO FRD, SYL'), at('SECRET//REL TO FRSY'))).toBe(true);
    expect(labelDominates(policy, at('SECRET//REL TO NATO'), at('SECRET//REL TO FRSY'))).toBe(false);
    expect(labelDominates(policy, at('SECRET'), at('SECRET//CRYPTO'))).toBe(false);
    expect(labelDominates(policy, at('CONFIDENTIAL//CRYPTO'), at('SECRET'))).toBe(false);
  });

  it('offers the levels and compartments a clearance may write', () => {
    expect(writableLevels(policy, frdSecret)).toEqual(['UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET']);
    expect(writableLevels(policy, { ...frdSecret, level: 'UNCLASSIFIED' })).toEqual(['UNCLASSIFIED']);
    expect(writableCompartments(policy, { ...frdSecret, compartments: ['NUCLEAR', 'UNKNOWN', 'ATOMAL'] })).toEqual(['ATOMAL', 'NUCLEAR']);
    expectRefused(() => writableLevels(policy, { ...frdSecret, level: 'NONE' }), 'LABEL_UNKNOWN_LEVEL', /NONE/);
  });
});
