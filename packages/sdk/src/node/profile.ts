/**
 * Profiles: one enrolled device each, under VALISE_HOME/profiles/NAME (default ~/.valise), so one
 * machine can act as several people (`--profile`). profile.json holds only non-secret facts (who,
 * which server, KDF parameters); everything else is in store/, encrypted.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ValiseError } from '@valise/protocol';
import { nodeCryptoProvider } from '@valise/protocol/crypto-node';
import { type ClientEnvironment, ValiseClient } from '../client.ts';
import { FileStore } from './file-store.ts';
import { nodeMlsNative } from './mls-native.ts';
import { type KdfParams, makeCheck, newKdfParams, passphraseCipher, verifyCheck } from './passphrase.ts';
import { nodeSha256Stream } from './pouch-files.ts';

export interface ProfileFile {
  v: 1;
  kdf: KdfParams;
  check: string;
  server?: string;
  person?: string;
  deviceId?: string;
}

export function valiseHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.VALISE_HOME || join(homedir(), '.valise');
}

export function profileDir(home: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new ValiseError('BAD_PROFILE_NAME', `profile names use letters, digits, ".", "_" and "-" (got "${name}")`);
  }
  return join(home, 'profiles', name);
}

async function readProfile(dir: string): Promise<ProfileFile | undefined> {
  const path = join(dir, 'profile.json');
  if (!existsSync(path)) return undefined;
  return JSON.parse(await readFile(path, 'utf8')) as ProfileFile;
}

async function writeProfile(dir: string, profile: ProfileFile): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'profile.json'), `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
}

export interface OpenProfileOptions {
  home: string;
  name: string;
  passphrase: () => Promise<string>;
  suite?: number;
}

async function environmentFor(dir: string, profile: ProfileFile, passphrase: string, suite?: number): Promise<ClientEnvironment> {
  const cipher = await passphraseCipher(nodeCryptoProvider, passphrase, profile.kdf);
  await verifyCheck(cipher, profile.check);
  return {
    crypto: nodeCryptoProvider,
    mlsNative: nodeMlsNative,
    sha256Stream: nodeSha256Stream,
    store: new FileStore(join(dir, 'store')),
    cipher,
    ...(suite ? { suite } : {}),
  };
}

/** Enrol a new device into a new profile. */
export async function enrolProfile(
  options: OpenProfileOptions & { serverUrl: string; code: string; deviceName: string },
): Promise<ValiseClient> {
  const dir = profileDir(options.home, options.name);
  const existing = await readProfile(dir);
  if (existing?.deviceId) {
    throw new ValiseError(
      'ALREADY_ENROLLED',
      `profile "${options.name}" is already enrolled as ${existing.person}: choose another --profile`,
    );
  }
  const passphrase = await options.passphrase();
  const kdf = newKdfParams(nodeCryptoProvider);
  const cipher = await passphraseCipher(nodeCryptoProvider, passphrase, kdf);
  const profile: ProfileFile = { v: 1, kdf, check: await makeCheck(cipher) };
  await writeProfile(dir, profile);
  const env = await environmentFor(dir, profile, passphrase, options.suite);
  const client = await ValiseClient.enrol(env, { serverUrl: options.serverUrl, code: options.code, deviceName: options.deviceName });
  await writeProfile(dir, {
    ...profile,
    server: client.identity.serverUrl,
    person: client.identity.person.handle,
    deviceId: client.identity.deviceId,
  });
  return client;
}

/** True when the profile exists and holds an enrolled device (no passphrase needed to tell). */
export async function isProfileEnrolled(home: string, name: string): Promise<boolean> {
  return Boolean((await readProfile(profileDir(home, name)))?.deviceId);
}

/** Open an enrolled profile. */
export async function openProfile(options: OpenProfileOptions): Promise<ValiseClient> {
  const dir = profileDir(options.home, options.name);
  const profile = await readProfile(dir);
  if (!profile?.deviceId) {
    throw new ValiseError(
      'NOT_ENROLLED',
      `profile "${options.name}" has no device: run \`valise --profile ${options.name} login --server URL --code CODE\``,
    );
  }
  return ValiseClient.open(await environmentFor(dir, profile, await options.passphrase(), options.suite));
}
