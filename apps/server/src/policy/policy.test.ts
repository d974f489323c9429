/**
 * valise.cedar and valise.cedarschema on their own, through cedar-wasm directly (not the engine):
 * the policy validates against the schema in strict mode, and a table of principals, resources
 * and contexts gets exactly the expected decisions, with the forbids that refused them.
 */
import { readFileSync } from 'node:fs';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import { CEDAR_POLICY_FILE, CEDAR_SCHEMA_FILE, policiesById } from './cedar.ts';

const schema = readFileSync(CEDAR_SCHEMA_FILE, 'utf8');
const policies = policiesById(readFileSync(CEDAR_POLICY_FILE, 'utf8'));

// Ranks of the default policy: UNCLASSIFIED 0, RESTRICTED 1, CONFIDENTIAL 2, SECRET 3, TOP SECRET 4.
const TOP = 4;
const NOW = 1_800_000_000_000;

type Attrs = Record<string, cedar.CedarValueJson>;
interface Person {
  id: string;
  attrs: Attrs;
}

function person(
  id: string,
  rank: number,
  more: Partial<{ compartments: string[]; nationality: string; expiresAt: number; roles: string[]; mayExport: boolean }> = {},
): Person {
  const attrs: Attrs = {
    clearanceRank: rank,
    compartments: more.compartments ?? [],
    nationality: more.nationality ?? 'FRD',
    roles: more.roles ?? ['user'],
    mayExport: more.mayExport ?? false,
  };
  if (more.expiresAt !== undefined) attrs.clearanceExpiresAt = more.expiresAt;
  return { id, attrs };
}

function label(rank: number, more: Partial<{ compartments: string[]; admits: string[] }> = {}): Attrs {
  return { rank, compartments: more.compartments ?? [], restricted: more.admits !== undefined, admits: more.admits ?? [] };
}

const officer = (id: string, rank = TOP, more = {}) => person(id, rank, { roles: ['user', 'security-officer'], ...more });

interface Case {
  name: string;
  action: 'read' | 'export' | 'send' | 'join' | 'upgrade' | 'downgrade';
  principal: Person;
  /** Principal is a device of `principal`. */
  device?: { revoked: boolean };
  resource: Attrs;
  context?: Attrs;
  /** Extra people referenced from the context (the approver). */
  others?: Person[];
  allow: boolean;
  /** The forbids that must have refused it (none: no permit applied). */
  reasons?: string[];
}

const device = { revoked: false };
const cases: Case[] = [
  // ---- read ----
  { name: 'SECRET reads SECRET', action: 'read', principal: person('p', 3), device, resource: label(3), allow: true },
  { name: 'SECRET reads CONFIDENTIAL', action: 'read', principal: person('p', 3), device, resource: label(2), allow: true },
  {
    name: 'CONFIDENTIAL cannot read up to SECRET',
    action: 'read',
    principal: person('p', 2),
    device,
    resource: label(3),
    allow: false,
    reasons: [],
  },
  {
    name: 'a missing compartment refuses',
    action: 'read',
    principal: person('p', 4, { compartments: ['CRYPTO'] }),
    device,
    resource: label(3, { compartments: ['CRYPTO', 'NUCLEAR'] }),
    allow: false,
    reasons: [],
  },
  {
    name: 'every compartment held reads',
    action: 'read',
    principal: person('p', 4, { compartments: ['CRYPTO', 'NUCLEAR'] }),
    device,
    resource: label(3, { compartments: ['NUCLEAR'] }),
    allow: true,
  },
  {
    name: 'REL TO admitting the nationality reads',
    action: 'read',
    principal: person('p', 3),
    device,
    resource: label(3, { admits: ['FRD', 'SYL'] }),
    allow: true,
  },
  {
    name: 'REL TO not admitting the nationality refuses',
    action: 'read',
    principal: person('p', 4, { nationality: 'VLG' }),
    device,
    resource: label(1, { admits: ['FRD', 'SYL'] }),
    allow: false,
    reasons: [],
  },
  {
    name: 'REL TO admitting no one refuses',
    action: 'read',
    principal: person('p', 4),
    device,
    resource: label(0, { admits: [] }),
    allow: false,
    reasons: [],
  },
  {
    name: 'a revoked device refuses',
    action: 'read',
    principal: person('p', 4),
    device: { revoked: true },
    resource: label(0),
    allow: false,
    reasons: ['device-revoked'],
  },
  {
    name: 'an expired clearance refuses',
    action: 'read',
    principal: person('p', 4, { expiresAt: NOW }),
    device,
    resource: label(0),
    allow: false,
    reasons: ['device-owner-clearance-expired'],
  },
  {
    name: 'an unexpired clearance reads',
    action: 'read',
    principal: person('p', 4, { expiresAt: NOW + 1 }),
    device,
    resource: label(4),
    allow: true,
  },
  { name: 'the baseline reads UNCLASSIFIED', action: 'read', principal: person('p', 0), device, resource: label(0), allow: true },
  // ---- export ----
  { name: 'a cleared security officer exports', action: 'export', principal: officer('so', 3), device, resource: label(3), allow: true },
  {
    name: 'a cleared person with the export right exports',
    action: 'export',
    principal: person('p', 3, { mayExport: true }),
    device,
    resource: label(2),
    allow: true,
  },
  {
    name: 'a cleared person without the export right does not',
    action: 'export',
    principal: person('p', 4),
    device,
    resource: label(2),
    allow: false,
    reasons: [],
  },
  {
    name: 'the export right does not lift no read up',
    action: 'export',
    principal: officer('so', 2),
    device,
    resource: label(3),
    allow: false,
    reasons: ['export-needs-read-access'],
  },
  {
    name: 'a revoked device exports nothing',
    action: 'export',
    principal: officer('so', 4),
    device: { revoked: true },
    resource: label(0),
    allow: false,
    reasons: ['device-revoked'],
  },
  // ---- send ----
  {
    name: 'a cleared member sends within the conversation',
    action: 'send',
    principal: person('p', 3),
    device,
    resource: label(2),
    context: { conversation: label(3) },
    allow: true,
  },
  {
    name: 'a message above its conversation is refused',
    action: 'send',
    principal: person('p', 4),
    device,
    resource: label(4),
    context: { conversation: label(3) },
    allow: false,
    reasons: ['message-exceeds-conversation'],
  },
  {
    name: 'a compartment the conversation lacks is refused',
    action: 'send',
    principal: person('p', 4, { compartments: ['CRYPTO'] }),
    device,
    resource: label(3, { compartments: ['CRYPTO'] }),
    context: { conversation: label(3) },
    allow: false,
    reasons: ['message-exceeds-conversation'],
  },
  {
    name: 'an unrestricted message in a REL TO conversation is fine',
    action: 'send',
    principal: person('p', 3),
    device,
    resource: label(3),
    context: { conversation: label(3, { admits: ['FRD'] }) },
    allow: true,
  },
  {
    name: 'a message releasable more widely than its REL TO conversation is fine',
    action: 'send',
    principal: person('p', 3),
    device,
    resource: label(3, { admits: ['FRD', 'SYL'] }),
    context: { conversation: label(3, { admits: ['FRD'] }) },
    allow: true,
  },
  {
    name: "a message narrower than its conversation's REL TO is refused",
    action: 'send',
    principal: person('p', 3),
    device,
    resource: label(3, { admits: ['FRD'] }),
    context: { conversation: label(3, { admits: ['FRD', 'SYL'] }) },
    allow: false,
    reasons: ['message-exceeds-conversation'],
  },
  {
    name: 'a REL TO message in an unrestricted conversation is refused',
    action: 'send',
    principal: person('p', 3),
    device,
    resource: label(2, { admits: ['FRD'] }),
    context: { conversation: label(3) },
    allow: false,
    reasons: ['message-exceeds-conversation'],
  },
  {
    name: 'a sender not cleared for the message is refused',
    action: 'send',
    principal: person('p', 2),
    device,
    resource: label(3),
    context: { conversation: label(3) },
    allow: false,
    reasons: [],
  },
  {
    name: 'a sender no longer cleared for the conversation is refused',
    action: 'send',
    principal: person('p', 2),
    device,
    resource: label(1),
    context: { conversation: label(3) },
    allow: false,
    reasons: [],
  },
  // ---- join ----
  { name: 'a cleared person joins', action: 'join', principal: person('p', 3), resource: label(3), allow: true },
  { name: 'an uncleared person does not join', action: 'join', principal: person('p', 2), resource: label(3), allow: false, reasons: [] },
  {
    name: 'a foreign national does not join a REL TO conversation not naming them',
    action: 'join',
    principal: person('p', 4, { nationality: 'USA' }),
    resource: label(1, { admits: ['FRD', 'SYL'] }),
    allow: false,
    reasons: [],
  },
  {
    name: 'a coalition group admits its members',
    action: 'join',
    principal: person('p', 4, { nationality: 'USA' }),
    resource: label(1, { admits: ['USA', 'GBR', 'FRD'] }),
    allow: true,
  },
  {
    name: 'an expired person does not join',
    action: 'join',
    principal: person('p', 4, { expiresAt: NOW - 1 }),
    resource: label(0),
    allow: false,
    reasons: ['person-clearance-expired'],
  },
  // ---- upgrade ----
  {
    name: 'a cleared member raises the label',
    action: 'upgrade',
    principal: person('p', 3),
    resource: label(3),
    context: { current: label(2), isMember: true },
    allow: true,
  },
  {
    name: 'a cleared non-member does not',
    action: 'upgrade',
    principal: person('p', 4),
    resource: label(3),
    context: { current: label(2), isMember: false },
    allow: false,
    reasons: [],
  },
  {
    name: 'a cleared security officer does, member or not',
    action: 'upgrade',
    principal: officer('so', 4),
    resource: label(4),
    context: { current: label(2), isMember: false },
    allow: true,
  },
  {
    name: 'a member not cleared for the new label does not',
    action: 'upgrade',
    principal: person('p', 2),
    resource: label(3),
    context: { current: label(2), isMember: true },
    allow: false,
    reasons: ['upgrade-needs-clearance'],
  },
  {
    name: 'an "upgrade" that loosens is refused',
    action: 'upgrade',
    principal: person('p', 4),
    resource: label(3),
    context: { current: label(3, { admits: ['FRD'] }), isMember: true },
    allow: false,
    reasons: ['upgrade-must-tighten'],
  },
  // ---- downgrade ----
  {
    name: 'a cleared security officer with a justification lowers SECRET',
    action: 'downgrade',
    principal: officer('so', 3),
    resource: label(2),
    context: { current: label(3), topRank: TOP, justificationLength: 10 },
    allow: true,
  },
  {
    name: 'a user may not lower a label',
    action: 'downgrade',
    principal: person('p', 4),
    resource: label(2),
    context: { current: label(3), topRank: TOP, justificationLength: 40 },
    allow: false,
    reasons: [],
  },
  {
    name: 'a justification of 9 characters is not enough',
    action: 'downgrade',
    principal: officer('so', 4),
    resource: label(2),
    context: { current: label(3), topRank: TOP, justificationLength: 9 },
    allow: false,
    reasons: ['downgrade-needs-justification'],
  },
  {
    name: 'a security officer not cleared for the current label may not',
    action: 'downgrade',
    principal: officer('so', 2),
    resource: label(1),
    context: { current: label(3), topRank: TOP, justificationLength: 40 },
    allow: false,
    reasons: ['downgrade-needs-clearance'],
  },
  {
    name: 'TOP SECRET needs a second officer',
    action: 'downgrade',
    principal: officer('so'),
    resource: label(3),
    context: { current: label(4), topRank: TOP, justificationLength: 40 },
    allow: false,
    reasons: ['downgrade-top-needs-second-officer'],
  },
  {
    name: 'TOP SECRET: the same officer twice is not two',
    action: 'downgrade',
    principal: officer('so'),
    resource: label(3),
    context: { current: label(4), topRank: TOP, justificationLength: 40, approver: { __entity: { type: 'Valise::Person', id: 'so' } } },
    allow: false,
    reasons: ['downgrade-top-needs-second-officer'],
  },
  {
    name: 'TOP SECRET: a second cleared officer approves',
    action: 'downgrade',
    principal: officer('so'),
    others: [officer('so2')],
    resource: label(3),
    context: { current: label(4), topRank: TOP, justificationLength: 40, approver: { __entity: { type: 'Valise::Person', id: 'so2' } } },
    allow: true,
  },
  {
    name: 'TOP SECRET: an approver who is not a security officer does not count',
    action: 'downgrade',
    principal: officer('so'),
    others: [person('u', 4)],
    resource: label(3),
    context: { current: label(4), topRank: TOP, justificationLength: 40, approver: { __entity: { type: 'Valise::Person', id: 'u' } } },
    allow: false,
    reasons: ['downgrade-top-needs-second-officer'],
  },
  {
    name: 'TOP SECRET: an approver not cleared for it does not count',
    action: 'downgrade',
    principal: officer('so'),
    others: [officer('so2', 3)],
    resource: label(3),
    context: { current: label(4), topRank: TOP, justificationLength: 40, approver: { __entity: { type: 'Valise::Person', id: 'so2' } } },
    allow: false,
    reasons: ['downgrade-top-needs-second-officer'],
  },
  {
    name: 'TOP SECRET: an approver whose clearance expired does not count',
    action: 'downgrade',
    principal: officer('so'),
    others: [officer('so2', TOP, { expiresAt: NOW })],
    resource: label(3),
    context: { current: label(4), topRank: TOP, justificationLength: 40, approver: { __entity: { type: 'Valise::Person', id: 'so2' } } },
    allow: false,
    reasons: ['downgrade-top-needs-second-officer'],
  },
  {
    name: 'TOP SECRET: the approval does not excuse a short justification',
    action: 'downgrade',
    principal: officer('so'),
    others: [officer('so2')],
    resource: label(3),
    context: { current: label(4), topRank: TOP, justificationLength: 3, approver: { __entity: { type: 'Valise::Person', id: 'so2' } } },
    allow: false,
    reasons: ['downgrade-needs-justification'],
  },
];

function decide(c: Case): { decision: string; reasons: string[]; errors: unknown[] } {
  const personUid = { type: 'Valise::Person', id: c.principal.id };
  const entities: cedar.EntityJson[] = [{ uid: personUid, attrs: c.principal.attrs, parents: [] }];
  for (const o of c.others ?? []) entities.push({ uid: { type: 'Valise::Person', id: o.id }, attrs: o.attrs, parents: [] });
  let principal = personUid;
  if (c.device) {
    principal = { type: 'Valise::Device', id: 'device' };
    entities.push({ uid: principal, attrs: { owner: { __entity: personUid }, revoked: c.device.revoked }, parents: [] });
  }
  const resource = { type: 'Valise::Label', id: 'content' };
  entities.push({ uid: resource, attrs: c.resource, parents: [] });
  const answer = cedar.isAuthorized({
    principal,
    action: { type: 'Valise::Action', id: c.action },
    resource,
    context: { now: NOW, ...c.context },
    schema,
    validateRequest: true,
    policies: { staticPolicies: policies },
    entities,
  });
  if (answer.type !== 'success') throw new Error(`Cedar refused the request: ${JSON.stringify(answer.errors)}`);
  return { decision: answer.response.decision, reasons: answer.response.diagnostics.reason, errors: answer.response.diagnostics.errors };
}

describe('the Cedar policy (valise.cedar) on its own', () => {
  it('validates against valise.cedarschema in strict mode, every policy under a unique @id', () => {
    const result = cedar.validate({ schema, policies: { staticPolicies: policies }, validationSettings: { mode: 'strict' } });
    expect(result.type).toBe('success');
    if (result.type === 'success') {
      expect(result.validationErrors).toEqual([]);
      expect(result.validationWarnings).toEqual([]);
    }
    expect(Object.keys(policies).length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { decision, reasons, errors } = decide(c);
    expect(errors).toEqual([]);
    expect(decision).toBe(c.allow ? 'allow' : 'deny');
    if (!c.allow)
      expect(reasons.filter((r) => !r.startsWith('read-') && !r.endsWith('-by-officer')).sort()).toEqual([...(c.reasons ?? [])].sort());
  });

  it('refuses a request that does not fit the schema (a context attribute missing)', () => {
    const answer = cedar.isAuthorized({
      principal: { type: 'Valise::Person', id: 'p' },
      action: { type: 'Valise::Action', id: 'join' },
      resource: { type: 'Valise::Label', id: 'content' },
      context: {},
      schema,
      validateRequest: true,
      policies: { staticPolicies: policies },
      entities: [
        { uid: { type: 'Valise::Person', id: 'p' }, attrs: person('p', 4).attrs, parents: [] },
        { uid: { type: 'Valise::Label', id: 'content' }, attrs: label(0), parents: [] },
      ],
    });
    expect(answer.type).toBe('failure');
  });
});
