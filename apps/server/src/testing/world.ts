/**
 * A small organisation for tests, built through the real services with real hybrid keys: units,
 * people, devices enrolled with one-time codes and authenticated by challenge-response.
 */
import {
  concatBytes,
  DEFAULT_LABEL_POLICY,
  fromBase64Url,
  generateHybridKeyPair,
  type HybridKeyPair,
  type Role,
  type SignatureContext,
  signHybrid,
  toBase64Url,
  utf8,
} from '@valise/protocol';
import { nodeCryptoProvider } from '@valise/protocol/crypto-node';
import { InProcessBus } from '../bus/bus.ts';
import type { ServiceContext } from '../context.ts';
import type { Dialect } from '../db/schema.ts';
import type { Actor } from '../identity/authentication.ts';
import { normaliseEnrolmentCode } from '../identity/enrolment-code.ts';
import { insertOrganisation } from '../identity/store.ts';
import { createServices, type Services } from '../services.ts';
import { openTestDatabase, type TestDatabase } from './databases.ts';

export const crypto = nodeCryptoProvider;
export const ORG = { name: 'Ministry of Foreign Affairs of Testland', domain: 'mfa.testland.example' };
export const HQ = `hq@${ORG.domain}`;

/** A clock tests move by hand. */
export class ManualClock {
  #ms: number;
  constructor(start = Date.parse('2026-11-23T09:00:00.000Z')) {
    this.#ms = start;
  }
  readonly now = (): Date => new Date(this.#ms);
  advance(ms: number): void {
    this.#ms += ms;
  }
}

export interface TestDevice {
  deviceId: string;
  person: string;
  keys: HybridKeyPair;
}

export interface World {
  tdb: TestDatabase;
  clock: ManualClock;
  bus: InProcessBus;
  ctx: ServiceContext;
  services: Services;
  close(): Promise<void>;
}

export async function createWorld(dialect: Dialect): Promise<World> {
  const tdb = await openTestDatabase(dialect);
  const clock = new ManualClock();
  const bus = new InProcessBus();
  const ctx: ServiceContext = { db: tdb.db, dialect, clock: clock.now, crypto, organisation: ORG, bus, labelPolicy: DEFAULT_LABEL_POLICY };
  await insertOrganisation(tdb.db, ORG, clock.now());
  const services = createServices(ctx);
  await services.identity.createUnit(null, { handle: HQ, name: 'Headquarters', kind: 'headquarters' });
  return { tdb, clock, bus, ctx, services, close: () => tdb.close() };
}

export function handle(local: string): string {
  return `${local}@${ORG.domain}`;
}

export async function addPerson(
  world: World,
  local: string,
  roles: Role[] = ['user'],
  clearance = 'SECRET',
  nationality = 'TST',
): Promise<string> {
  const person = await world.services.identity.createPerson(null, {
    handle: handle(local),
    name: local[0]!.toUpperCase() + local.slice(1),
    unit: HQ,
    roles,
    clearance,
    nationality,
  });
  return person.handle;
}

/** The enrolment proof a device makes: hybrid signature (context "enrol") over code || key. */
export async function enrolmentProof(keys: HybridKeyPair, code: string, context: 'enrol' | 'auth' = 'enrol'): Promise<string> {
  const normalised = normaliseEnrolmentCode(code) ?? code;
  return toBase64Url(await signHybrid(crypto, keys.secretKey, context, concatBytes(utf8(normalised), keys.publicKey)));
}

export async function enrolDevice(world: World, person: string, name = 'laptop'): Promise<TestDevice> {
  const { code } = await world.services.identity.issueEnrolmentCode(null, { person });
  const keys = await generateHybridKeyPair(crypto);
  const res = await world.services.auth.enrol({
    code,
    deviceName: name,
    identityKey: toBase64Url(keys.publicKey),
    proof: await enrolmentProof(keys, code),
  });
  return { deviceId: res.device.id, person, keys };
}

/** The authentication signature: context "auth" over challenge || deviceId || domain (tests may vary both). */
export async function authSignature(
  keys: HybridKeyPair,
  challenge: Uint8Array,
  deviceId: string,
  options: { domain?: string; context?: SignatureContext } = {},
): Promise<string> {
  const message = concatBytes(challenge, utf8(deviceId), utf8(options.domain ?? ORG.domain));
  return toBase64Url(await signHybrid(crypto, keys.secretKey, options.context ?? 'auth', message));
}

export async function login(world: World, device: TestDevice): Promise<{ token: string; actor: Actor }> {
  const { challenge } = await world.services.auth.challenge(device.deviceId);
  const { token } = await world.services.auth.token({
    deviceId: device.deviceId,
    challenge,
    signature: await authSignature(device.keys, fromBase64Url(challenge), device.deviceId),
  });
  return { token, actor: await world.services.auth.authenticate(token) };
}

/** A person with one enrolled, logged-in device (cleared SECRET unless told otherwise). */
export async function member(world: World, local: string, roles: Role[] = ['user'], clearance = 'SECRET', nationality = 'TST') {
  const person = await addPerson(world, local, roles, clearance, nationality);
  const device = await enrolDevice(world, person);
  const { token, actor } = await login(world, device);
  return { person, device, token, actor };
}

/** A random MLS group id in wire form. */
export function newGroupId(): string {
  return toBase64Url(crypto.randomBytes(32));
}

export function b64(text: string): string {
  return toBase64Url(utf8(text));
}
