import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LABEL_POLICY, generateHybridKeyPair, toBase64Url } from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../bus/bus.ts';
import { insertOrganisation } from '../identity/store.ts';
import { createServices, type Services } from '../services.ts';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../testing/databases.ts';
import { crypto, enrolmentProof, ManualClock } from '../testing/world.ts';
import { DEMO_ORGANISATION, DEMO_PEOPLE, DEMO_SECURITY_OFFICER, seedDemo, writeDemoFile } from './seed.ts';

describe.each(DIALECTS)('the demo ministry on %s', (dialect) => {
  let tdb: TestDatabase;
  let services: Services;
  const clock = new ManualClock();
  beforeAll(async () => {
    tdb = await openTestDatabase(dialect);
    await insertOrganisation(tdb.db, DEMO_ORGANISATION, clock.now());
    services = createServices({
      db: tdb.db,
      dialect,
      clock: clock.now,
      crypto,
      organisation: DEMO_ORGANISATION,
      bus: new InProcessBus(),
      labelPolicy: DEFAULT_LABEL_POLICY,
    });
  });
  afterAll(async () => {
    await tdb?.close();
  });

  it('seeds people at every clearance level with working codes, and reseeds idempotently', async () => {
    const people = await seedDemo(services);
    expect(new Set(people.map((p) => p.clearance))).toEqual(
      new Set(['UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET', 'TOP SECRET']),
    );
    expect(people.some((p) => p.roles.includes('security-officer'))).toBe(true);
    expect(people.some((p) => p.roles.includes('admin'))).toBe(true);
    expect(new Set(people.map((p) => p.unit)).size).toBe(3);
    expect(people.every((p) => p.code !== null)).toBe(true);

    // Alice enrols with her code; a reseed gives everyone a fresh code (Alice's is for a further device).
    const alice = people.find((p) => p.handle === 'alice@mfa.freedonia.example')!;
    const keys = await generateHybridKeyPair(crypto);
    await services.auth.enrol({
      code: alice.code!,
      deviceName: 'laptop',
      identityKey: toBase64Url(keys.publicKey),
      proof: await enrolmentProof(keys, alice.code!),
    });
    clock.advance(6 * 24 * 3600 * 1000);
    const again = await seedDemo(services);
    expect(again).toHaveLength(DEMO_PEOPLE.length);
    expect(again.find((p) => p.handle === alice.handle)!.code).not.toBe(alice.code);
    const bob = again.find((p) => p.handle === 'bob@mfa.freedonia.example')!;
    expect(bob.code).not.toBe(people.find((p) => p.handle === bob.handle)!.code);
    // Valid for at least two more days after the reseed.
    clock.advance(2 * 24 * 3600 * 1000);
    const bobKeys = await generateHybridKeyPair(crypto);
    const enrolled = await services.auth.enrol({
      code: bob.code!,
      deviceName: 'phone',
      identityKey: toBase64Url(bobKeys.publicKey),
      proof: await enrolmentProof(bobKeys, bob.code!),
    });
    expect(enrolled.person.clearance).toBe('SECRET');
    expect((await services.identity.units()).length).toBe(3);
  });

  it('grants every demo clearance as the demo security officer, reason "demo", for about a year, to Freedonians', async () => {
    await seedDemo(services);
    const grants = await tdb.db.selectFrom('clearance_grants').selectAll().execute();
    expect(grants).toHaveLength(DEMO_PEOPLE.length);
    for (const g of grants) {
      expect(g).toMatchObject({ granted_by: DEMO_SECURITY_OFFICER, reason: 'demo', nationality: 'FRD', revoked_at: null });
      const days = (g.expires_at - g.granted_at) / 86_400_000;
      expect(days).toBeGreaterThanOrEqual(364);
      expect(days).toBeLessThanOrEqual(366);
    }
    const people = await services.identity.people();
    expect(people.find((p) => p.handle === 'alice@mfa.freedonia.example')).toMatchObject({
      clearance: 'TOP SECRET',
      compartments: ['CRYPTO', 'NUCLEAR'],
    });
  });

  it('writes demo.json in the agreed shape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'valise-demo-'));
    try {
      const people = await seedDemo(services);
      const file = writeDemoFile(dir, 'http://127.0.0.1:4321', people);
      const json = JSON.parse(readFileSync(file, 'utf8')) as { server: string; people: Record<string, unknown>[] };
      expect(json.server).toBe('http://127.0.0.1:4321');
      expect(Object.keys(json.people[0]!).sort()).toEqual(['clearance', 'code', 'handle', 'name', 'roles', 'unit']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
