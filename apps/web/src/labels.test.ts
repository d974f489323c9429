import { DEFAULT_LABEL_POLICY as policy } from '@valise/sdk';
import { describe, expect, it } from 'vitest';
import { withOwnCountry } from './components/LabelPicker.tsx';
import { composeLabel, labelColours, levelOfLabel, whyNotCleared } from './labels.ts';

const frd = (level: string, compartments: string[] = []) => ({ level, compartments, nationality: 'FRD' });

describe('labels in the web app', () => {
  it('builds the canonical label from the picker’s choices', () => {
    expect(composeLabel(policy, { level: '', compartments: [], releasableTo: [] })).toBeUndefined();
    expect(composeLabel(policy, { level: 'SECRET', compartments: ['NUCLEAR', 'CRYPTO'], releasableTo: ['SYL', 'FRD'] })?.text).toBe(
      'SECRET//CRYPTO/NUCLEAR//REL TO FRD, SYL',
    );
  });

  it('adds the writer’s own country to a REL TO list that does not admit it', () => {
    const choice = { level: 'SECRET', compartments: [], releasableTo: ['SYL'] };
    expect(withOwnCountry(policy, choice, 'FRD').releasableTo).toEqual(['SYL', 'FRD']);
    expect(withOwnCountry(policy, { ...choice, releasableTo: ['NATO'] }, 'FRD').releasableTo).toEqual(['NATO']);
    expect(withOwnCountry(policy, { ...choice, releasableTo: [] }, 'FRD').releasableTo).toEqual([]);
  });

  it('says why an addressee may not read a label', () => {
    const label = composeLabel(policy, { level: 'SECRET', compartments: ['CRYPTO'], releasableTo: ['FRSY'] })!.label;
    expect(whyNotCleared(policy, frd('CONFIDENTIAL', ['CRYPTO']), label)).toBe('not cleared for SECRET');
    expect(whyNotCleared(policy, frd('TOP SECRET'), label)).toBe('not cleared for CRYPTO');
    expect(whyNotCleared(policy, { level: 'TOP SECRET', compartments: ['CRYPTO'], nationality: 'USA' }, label)).toBe(
      'not releasable to USA',
    );
    expect(whyNotCleared(policy, frd('SECRET', ['CRYPTO']), label)).toBeUndefined();
  });

  it('takes banner colours from the policy, by the label’s level', () => {
    expect(levelOfLabel(policy, 'TOP SECRET//CRYPTO//REL TO NATO')).toBe('TOP SECRET');
    expect(labelColours(policy, 'TOP SECRET//CRYPTO')).toEqual({ background: '#f2a900', color: '#000000' });
    expect(labelColours(policy, 'COSMIC//X')).toBeUndefined();
    expect(labelColours(undefined, 'SECRET')).toBeUndefined();
  });
});
