import { ValiseError } from '@valise/sdk';
import { describe, expect, it } from 'vitest';
import { explain } from './errors.ts';

describe('label errors as sentences', () => {
  it('names the addressees who are not cleared, and what to do', () => {
    const err = new ValiseError(
      'RECIPIENT_NOT_CLEARED',
      'not cleared to read SECRET//CRYPTO: carol@mfa.example (CONFIDENTIAL, FRD); dave@mfa.example (SECRET, FRD). Nothing was sent.',
    );
    expect(explain(err)).toBe(
      'Nothing was sent: carol@mfa.example (CONFIDENTIAL, FRD), dave@mfa.example (SECRET, FRD) are not cleared to read SECRET//CRYPTO. Remove these addressees, or choose a label they may read.',
    );
  });

  it('explains a label above the writer’s clearance', () => {
    const err = new ValiseError('LABEL_NOT_DOMINATED', 'you are cleared to SECRET: you cannot write TOP SECRET');
    expect(explain(err)).toMatch(
      /^Nothing was sent: you are cleared to SECRET: you cannot write TOP SECRET\. Choose a label within your clearance/,
    );
  });
});
