/**
 * The policy engine against the protocol's dominance functions: the Cedar rules and the
 * TypeScript definitions must never disagree. Thousands of random clearances and labels of the
 * default label policy (levels, compartment sets, nationalities known and unknown, REL TO lists of
 * countries and coalition groups), then the engine's mapping of refusals to error codes.
 */
import {
  type ClearanceProfile,
  clearanceDominates,
  DEFAULT_LABEL_POLICY,
  formatLabel,
  labelDominates,
  type SecurityLabel,
} from '@valise/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EffectiveClearance } from '../identity/clearance.ts';
import type { PolicySubject } from '../identity/people.ts';
import { PolicyEngine } from './engine.ts';

const policy = DEFAULT_LABEL_POLICY;
const NOW = Date.parse('2026-11-23T09:00:00Z');
const engine = new PolicyEngine(policy, () => new Date(NOW));
const device = { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', revoked: false };

const levels = policy.levels.map((l) => l.name);
const compartments = policy.compartments.map((c) => c.name);
const codes = [...policy.releasability.countries.slice(0, 6), ...policy.releasability.groups.map((g) => g.name)];
const nationalities = [...policy.releasability.countries.slice(0, 6), 'USA', 'GBR', 'XXX'];

const arbLabel: fc.Arbitrary<SecurityLabel> = fc.record({
  policyId: fc.constant(policy.id),
  classification: fc.constantFrom(...levels),
  compartments: fc.subarray(compartments).map((a) => [...a].sort()),
  releasableTo: fc.oneof(fc.constant([] as string[]), fc.subarray(codes, { minLength: 1 })).map((a) => [...a].sort()),
});
const arbClearance: fc.Arbitrary<ClearanceProfile> = fc.record({
  level: fc.constantFrom(...levels),
  compartments: fc.subarray(compartments),
  nationality: fc.constantFrom(...nationalities),
});

function subject(
  c: ClearanceProfile,
  more: Partial<EffectiveClearance> & { roles?: PolicySubject['roles']; handle?: string } = {},
): PolicySubject {
  const { roles, handle, ...clearance } = more;
  return {
    handle: handle ?? 'someone@mfa.example',
    roles: roles ?? ['user'],
    clearance: {
      level: c.level,
      compartments: [...c.compartments],
      nationality: c.nationality,
      expiresAt: null,
      mayExport: false,
      grantId: null,
      ...clearance,
    },
  };
}

const RUNS = { numRuns: 3000, seed: 20261123 };

describe('the policy engine agrees with the protocol', () => {
  it('canRead is clearanceDominates, on thousands of random cases', () => {
    let allowed = 0;
    fc.assert(
      fc.property(arbClearance, arbLabel, (c, label) => {
        const expected = clearanceDominates(policy, c, label);
        const decision = engine.canRead(subject(c), device, label);
        if (decision.allowed) allowed++;
        expect(decision.allowed, `${c.level}/${c.compartments.join('+')}/${c.nationality} reading ${formatLabel(policy, label)}`).toBe(
          expected,
        );
        if (!decision.allowed) expect(decision.code).toBe('LABEL_NOT_DOMINATED');
      }),
      RUNS,
    );
    // Both answers were exercised, not just one.
    expect(allowed).toBeGreaterThan(100);
    expect(allowed).toBeLessThan(2900);
  });

  it('canJoin is clearanceDominates too', () => {
    fc.assert(
      fc.property(arbClearance, arbLabel, (c, label) => {
        expect(engine.canJoin(subject(c), label).allowed).toBe(clearanceDominates(policy, c, label));
      }),
      { ...RUNS, numRuns: 1000 },
    );
  });

  it('canSend is: the sender reads both labels and the conversation label dominates the message label', () => {
    let exceeded = 0;
    fc.assert(
      fc.property(arbClearance, arbLabel, arbLabel, (c, conversation, message) => {
        const fits = labelDominates(policy, conversation, message);
        const cleared = clearanceDominates(policy, c, conversation) && clearanceDominates(policy, c, message);
        const decision = engine.canSend(subject(c), device, conversation, message);
        expect(decision.allowed).toBe(fits && cleared);
        if (!fits) {
          exceeded++;
          expect(decision).toMatchObject({ allowed: false, code: 'LABEL_EXCEEDS_CONVERSATION' });
        } else if (!cleared) expect(decision).toMatchObject({ allowed: false, code: 'LABEL_NOT_DOMINATED' });
      }),
      { ...RUNS, numRuns: 2000 },
    );
    expect(exceeded).toBeGreaterThan(100);
  });

  it('canUpgrade follows labelDominates for the direction', () => {
    fc.assert(
      fc.property(arbLabel, arbLabel, (current, next) => {
        const top = { level: 'TOP SECRET', compartments, nationality: 'FRD' };
        const member = engine.canUpgrade(subject(top), current, next, { isMember: true });
        const cleared = clearanceDominates(policy, top, next);
        expect(member.allowed).toBe(cleared && labelDominates(policy, next, current));
      }),
      { ...RUNS, numRuns: 1000 },
    );
  });
});

const L = (text: string): SecurityLabel => {
  const [classification, ...rest] = text.split('//');
  const rel = rest.find((r) => r.startsWith('REL TO '));
  const comps = rest.find((r) => !r.startsWith('REL TO '));
  return {
    policyId: policy.id,
    classification: classification!,
    compartments: comps ? comps.split('/') : [],
    releasableTo: rel ? rel.slice(7).split(', ') : [],
  };
};
const TS = { level: 'TOP SECRET', compartments: [], nationality: 'FRD' };

describe('the policy engine maps refusals to codes', () => {
  it('refuses a revoked device, and an expired clearance, whatever the label', () => {
    expect(engine.canRead(subject(TS), { ...device, revoked: true }, L('UNCLASSIFIED'))).toMatchObject({
      allowed: false,
      code: 'DEVICE_REVOKED',
    });
    expect(engine.canRead(subject(TS, { expiresAt: NOW }), device, L('UNCLASSIFIED'))).toMatchObject({
      allowed: false,
      code: 'CLEARANCE_EXPIRED',
    });
    expect(engine.canJoin(subject(TS, { expiresAt: NOW - 1 }), L('UNCLASSIFIED'))).toMatchObject({
      allowed: false,
      code: 'CLEARANCE_EXPIRED',
    });
    expect(engine.canRead(subject(TS, { expiresAt: NOW + 1 }), device, L('TOP SECRET')).allowed).toBe(true);
  });

  it('grants export with read access and the export right only', () => {
    const so = subject({ level: 'SECRET', compartments: [], nationality: 'FRD' }, { roles: ['user', 'security-officer'] });
    expect(engine.canExport(so, device, L('SECRET')).allowed).toBe(true);
    expect(engine.canExport(so, device, L('TOP SECRET'))).toMatchObject({ allowed: false, code: 'LABEL_NOT_DOMINATED' });
    expect(engine.canExport(subject(TS), device, L('RESTRICTED'))).toMatchObject({ allowed: false, code: 'EXPORT_NOT_PERMITTED' });
    expect(engine.canExport(subject(TS, { mayExport: true }), device, L('RESTRICTED')).allowed).toBe(true);
  });

  it('downgrades: security officers with a justification; two of them from the top level', () => {
    const so = subject(TS, { roles: ['user', 'security-officer'], handle: 'so@mfa.example' });
    const so2 = subject(TS, { roles: ['user', 'security-officer'], handle: 'so2@mfa.example' });
    const why = 'declassified after the summit';
    expect(engine.canDowngrade(so, L('SECRET'), L('CONFIDENTIAL'), { justification: why }).allowed).toBe(true);
    expect(engine.canDowngrade(so, L('SECRET'), L('CONFIDENTIAL'), { justification: '  too short ' })).toMatchObject({
      allowed: false,
      code: 'JUSTIFICATION_REQUIRED',
    });
    expect(engine.canDowngrade(subject(TS), L('SECRET'), L('CONFIDENTIAL'), { justification: why })).toMatchObject({
      allowed: false,
      code: 'DOWNGRADE_NOT_PERMITTED',
    });
    // From the top level: one officer asks (APPROVAL_REQUIRED), another approves.
    expect(engine.canDowngrade(so, L('TOP SECRET'), L('SECRET'), { justification: why })).toMatchObject({
      allowed: false,
      code: 'APPROVAL_REQUIRED',
    });
    expect(engine.canDowngrade(so, L('TOP SECRET'), L('SECRET'), { justification: why, approver: so })).toMatchObject({
      allowed: false,
      code: 'SECOND_OFFICER_REQUIRED',
    });
    expect(engine.canDowngrade(so, L('TOP SECRET'), L('SECRET'), { justification: why, approver: so2 }).allowed).toBe(true);
    // A user asking to lower TOP SECRET is simply not permitted: no approval is to be asked for.
    expect(engine.canDowngrade(subject(TS), L('TOP SECRET'), L('SECRET'), { justification: why })).toMatchObject({
      allowed: false,
      code: 'DOWNGRADE_NOT_PERMITTED',
    });
    // Neither is an officer whose justification is missing.
    expect(engine.canDowngrade(so, L('TOP SECRET'), L('SECRET'), { justification: '' })).toMatchObject({
      allowed: false,
      code: 'JUSTIFICATION_REQUIRED',
    });
  });

  it('upgrades: members or security officers cleared for the new label', () => {
    const secret = { level: 'SECRET', compartments: [], nationality: 'FRD' };
    expect(engine.canUpgrade(subject(secret), L('CONFIDENTIAL'), L('SECRET'), { isMember: true }).allowed).toBe(true);
    expect(engine.canUpgrade(subject(secret), L('CONFIDENTIAL'), L('TOP SECRET'), { isMember: true })).toMatchObject({
      allowed: false,
      code: 'LABEL_NOT_DOMINATED',
    });
    expect(engine.canUpgrade(subject(secret), L('CONFIDENTIAL'), L('SECRET'), { isMember: false })).toMatchObject({
      allowed: false,
      code: 'RELABEL_NOT_PERMITTED',
    });
  });
});
