/**
 * The policy engine: Cedar decisions per second with the policy set and schema pre-parsed once
 * (as the server runs) against parsing them on every call, and what the policy check adds to the
 * delivery of a message: the time spent in it per send and per queue page (Cedar decisions), the
 * lookup of a person's effective clearance (done once per request, at authentication), and the
 * HTTP send and queue routes with the check and with it bypassed, on the real server (Fastify
 * inject, SQLite in a temp folder).
 *
 *   node bench/policy.ts [--ms 1000] [--requests 400]
 * Prints one JSON line per figure, e.g.
 *   {"bench":"policy","op":"decide","mode":"preparsed","action":"read","label":"SECRET","decisionsPerSec":…,"usPerDecision":…}
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { DEFAULT_LABEL_POLICY, parseLabel, type SecurityLabel } from '@valise/protocol';
import { liveGrants } from '../apps/server/src/identity/clearance-store.ts';
import type { PolicySubject } from '../apps/server/src/identity/people.ts';
import { CEDAR_POLICY_FILE, CEDAR_SCHEMA_FILE, policiesById } from '../apps/server/src/policy/cedar.ts';
import { type PolicyDecision, PolicyEngine } from '../apps/server/src/policy/engine.ts';
import { call, createTestServer } from '../apps/server/src/testing/http.ts';
import { b64, member, newGroupId } from '../apps/server/src/testing/world.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const budgetMs = arg('--ms', 1000);
const requests = arg('--requests', 400);
const policy = DEFAULT_LABEL_POLICY;
const NOW = Date.now();

function rate(op: () => unknown): { perSec: number; us: number; iterations: number } {
  const warm = performance.now() + Math.min(200, budgetMs / 5);
  while (performance.now() < warm) op();
  let iterations = 0;
  const start = performance.now();
  do {
    for (let i = 0; i < 50; i++) op();
    iterations += 50;
  } while (performance.now() - start < budgetMs);
  const seconds = (performance.now() - start) / 1000;
  return { perSec: Math.round(iterations / seconds), us: Number(((seconds * 1e6) / iterations).toFixed(1)), iterations };
}

function report(fields: Record<string, string | number | boolean>): void {
  console.log(JSON.stringify({ bench: 'policy', ...fields }));
}

// ---- Cedar decisions ------------------------------------------------------------------------------
const subject: PolicySubject = {
  handle: 'alice@mfa.freedonia.example',
  roles: ['user'],
  clearance: {
    level: 'TOP SECRET',
    compartments: ['CRYPTO', 'NUCLEAR'],
    nationality: 'FRD',
    expiresAt: NOW + 86_400_000,
    mayExport: false,
    grantId: null,
  },
};
const device = { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', revoked: false };
const labels: [string, SecurityLabel][] = ['SECRET', 'SECRET//REL TO FRD', 'SECRET//CRYPTO//REL TO NATO'].map((t) => [
  t,
  parseLabel(policy, t),
]);

for (const validateRequests of [true, false]) {
  const engine = new PolicyEngine(policy, () => new Date(), { validateRequests });
  for (const [text, label] of labels) {
    const r = rate(() => engine.canRead(subject, device, label));
    report({
      op: 'decide',
      mode: 'preparsed',
      validate: validateRequests,
      action: 'read',
      label: text,
      decisionsPerSec: r.perSec,
      usPerDecision: r.us,
    });
  }
  const conversation = parseLabel(policy, 'SECRET//REL TO FRD');
  const message = parseLabel(policy, 'CONFIDENTIAL//REL TO FRD');
  const r = rate(() => engine.canSend(subject, device, conversation, message));
  report({
    op: 'decide',
    mode: 'preparsed',
    validate: validateRequests,
    action: 'send',
    label: 'CONFIDENTIAL//REL TO FRD in SECRET//REL TO FRD',
    decisionsPerSec: r.perSec,
    usPerDecision: r.us,
  });
}

// The same read decision, handing Cedar the schema and policy text on every call.
{
  const schema = readFileSync(CEDAR_SCHEMA_FILE, 'utf8');
  const staticPolicies = policiesById(readFileSync(CEDAR_POLICY_FILE, 'utf8'));
  const personUid = { type: 'Valise::Person', id: subject.handle };
  const entities: cedar.EntityJson[] = [
    { uid: { type: 'Valise::Device', id: device.id }, attrs: { owner: { __entity: personUid }, revoked: false }, parents: [] },
    {
      uid: personUid,
      attrs: {
        clearanceRank: 4,
        compartments: ['CRYPTO', 'NUCLEAR'],
        nationality: 'FRD',
        roles: ['user'],
        mayExport: false,
        clearanceExpiresAt: NOW + 86_400_000,
      },
      parents: [],
    },
    { uid: { type: 'Valise::Label', id: 'content' }, attrs: { rank: 3, compartments: [], restricted: false, admits: [] }, parents: [] },
  ];
  const request = {
    principal: { type: 'Valise::Device', id: device.id },
    action: { type: 'Valise::Action', id: 'read' },
    resource: { type: 'Valise::Label', id: 'content' },
    context: { now: NOW },
    entities,
  };
  const check = cedar.isAuthorized({ ...request, schema, validateRequest: true, policies: { staticPolicies } });
  if (check.type !== 'success' || check.response.decision !== 'allow') throw new Error(`unexpected decision: ${JSON.stringify(check)}`);
  for (const validate of [true, false]) {
    const r = rate(() => cedar.isAuthorized({ ...request, schema, validateRequest: validate, policies: { staticPolicies } }));
    report({
      op: 'decide',
      mode: 'parse-per-call',
      validate,
      action: 'read',
      label: 'SECRET',
      decisionsPerSec: r.perSec,
      usPerDecision: r.us,
    });
  }
}

// ---- the check in the delivery path -------------------------------------------------------------
// Time spent in the Cedar decisions of a request, and a switch to bypass them.
let bypass = false;
let checkMs = 0;
const ALLOW: PolicyDecision = { allowed: true };
for (const method of ['canRead', 'canSend', 'canJoin'] as const) {
  const real = PolicyEngine.prototype[method] as (...a: unknown[]) => PolicyDecision;
  (PolicyEngine.prototype as unknown as Record<string, unknown>)[method] = function (this: PolicyEngine, ...args: unknown[]) {
    if (bypass) return ALLOW;
    const t = performance.now();
    const out = real.apply(this, args);
    checkMs += performance.now() - t;
    return out;
  };
}

const server = await createTestServer('sqlite');
try {
  const alice = await member(server.world, 'alice', ['user'], 'SECRET');
  const bob = await member(server.world, 'bob', ['user'], 'SECRET');
  const id = newGroupId();
  const api = (method: 'GET' | 'POST', url: string, token: string, body?: unknown) =>
    call(server.app, method, url, { token, ...(body !== undefined ? { body } : {}) });
  const created = await api('POST', '/api/v1/conversations', alice.token, { id, kind: 'group', label: 'SECRET', suite: 3 });
  if (created.statusCode !== 200) throw new Error(created.body);
  const added = await api('POST', `/api/v1/conversations/${id}/commits`, alice.token, {
    epoch: 0,
    commit: b64('c'),
    welcome: b64('w'),
    ratchetTree: b64('t'),
    added: [bob.device.deviceId],
    removed: [],
  });
  if (added.statusCode !== 200) throw new Error(added.body);
  const ciphertext = b64('x'.repeat(1024));
  const send = () =>
    api('POST', `/api/v1/conversations/${id}/messages`, alice.token, {
      epoch: 1,
      ciphertext,
      label: 'CONFIDENTIAL',
      precedence: 'ROUTINE',
    });
  const queue = () => api('GET', '/api/v1/queue?limit=100', bob.token);

  async function timed(op: () => Promise<{ statusCode: number; body: string }>, n: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const res = await op();
      out.push(performance.now() - t);
      if (res.statusCode !== 200) throw new Error(res.body);
    }
    return out;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const ms = (x: number) => Number(x.toFixed(3));

  // The effective clearance of the caller, read at every authentication (a live-grant lookup).
  {
    const { db } = server.world.tdb;
    for (let i = 0; i < 200; i++) await liveGrants(db, [alice.person], new Date());
    const n = 2000;
    const t = performance.now();
    for (let i = 0; i < n; i++) await liveGrants(db, [alice.person], new Date());
    report({
      op: 'clearance-lookup',
      database: 'sqlite',
      msPerLookup: ms((performance.now() - t) / n),
      what: 'latest live grant of one person, once per authenticated request',
    });
  }

  await timed(send, 50); // warm up
  await timed(queue, 10);
  // Alternate blocks with and without the check, so drift (WAL growth, JIT) hits both alike.
  const rounds = 4;
  const withCheck = { send: [] as number[], queue: [] as number[] };
  const without = { send: [] as number[], queue: [] as number[] };
  let checkSend = 0;
  let checkQueue = 0;
  for (let r = 0; r < rounds; r++) {
    for (const on of [true, false]) {
      bypass = !on;
      checkMs = 0;
      const s = await timed(send, requests / rounds);
      if (on) checkSend += checkMs;
      checkMs = 0;
      const q = await timed(queue, requests / rounds / 4);
      if (on) checkQueue += checkMs;
      (on ? withCheck : without).send.push(...s);
      (on ? withCheck : without).queue.push(...q);
    }
  }
  bypass = false;
  const page = (await queue()).json() as { items: unknown[] };
  report({
    op: 'policy-time-in-route',
    route: 'POST /conversations/:id/messages',
    msPerRequest: ms(checkSend / withCheck.send.length),
    what: "one Cedar send decision (the caller is the request's authenticated snapshot)",
  });
  report({
    op: 'policy-time-in-route',
    route: 'GET /queue?limit=100',
    itemsPerPage: page.items.length,
    msPerRequest: ms(checkQueue / withCheck.queue.length),
    msPerItem: ms(checkQueue / withCheck.queue.length / page.items.length),
    what: "Cedar read decisions, one per distinct label in the page (here the conversation's and the messages')",
  });
  for (const [route, a, b] of [
    ['POST /conversations/:id/messages', withCheck.send, without.send],
    ['GET /queue?limit=100', withCheck.queue, without.queue],
  ] as const) {
    report({
      op: 'route-latency',
      route,
      requests: a.length,
      withCheckMedianMs: ms(median(a)),
      withoutCheckMedianMs: ms(median(b)),
      withCheckMeanMs: ms(mean(a)),
      withoutCheckMeanMs: ms(mean(b)),
      addedMeanMs: ms(mean(a) - mean(b)),
    });
  }
} finally {
  await server.close();
}
