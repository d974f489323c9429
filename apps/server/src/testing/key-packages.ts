/**
 * Real MLS key packages for server tests: made with the protocol's createKeyPackage from a test
 * device's real hybrid identity, as the SDK makes them, so the server's upload checks see exactly
 * what clients send.
 */
import * as nodeCrypto from 'node:crypto';
import { createKeyPackage, MLS_SUITES, type MlsContext, type MlsDeviceIdentity, nativeMlsPrimitives, toBase64Url } from '@valise/protocol';
import { vi } from 'vitest';
import { crypto, type TestDevice, type World } from './world.ts';

/** The suite tests use where the suite does not matter: the classic one is the fastest to make. */
export const TEST_SUITE = MLS_SUITES.classic;

/** The MLS identity of a test device (whose credential a key package carries). */
export function mlsIdentityOf(device: TestDevice): MlsDeviceIdentity {
  return { deviceId: device.deviceId, person: device.person, identitySecretKey: device.keys.secretKey };
}

export interface KeyPackageOptions {
  /** Cipher suite (default TEST_SUITE). */
  suite?: number;
  /** Credential contents, if not the device's own: to forge a package naming someone else. */
  claim?: Partial<Pick<MlsDeviceIdentity, 'deviceId' | 'person'>>;
  /** Offset (ms) from the world's clock at which to make them: negative for old, positive for future. */
  madeAtOffsetMs?: number;
}

/**
 * `count` fresh key packages of a test device, base64url as uploaded. createKeyPackage dates its
 * lifetime from Date.now(), so Date is pinned to the world's clock while they are made.
 */
export async function keyPackagesOf(
  world: Pick<World, 'clock'>,
  device: TestDevice,
  count = 1,
  options: KeyPackageOptions = {},
): Promise<string[]> {
  const ctx: MlsContext = {
    crypto,
    native: nativeMlsPrimitives(nodeCrypto),
    resolveDeviceKey: async (deviceId) => (deviceId === device.deviceId ? device.keys.publicKey : undefined),
  };
  const identity = { ...mlsIdentityOf(device), ...options.claim };
  vi.setSystemTime(world.clock.now().getTime() + (options.madeAtOffsetMs ?? 0));
  try {
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(toBase64Url((await createKeyPackage(ctx, identity, options.suite ?? TEST_SUITE)).keyPackage));
    return out;
  } finally {
    vi.useRealTimers();
  }
}
