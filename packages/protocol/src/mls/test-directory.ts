/**
 * A toy device directory for tests and benchmarks of the MLS layer: deviceId → (person, hybrid
 * identity public key), resolved the way the SDK's directory resolver does (unknown device or
 * another person → undefined). Not exported from the package.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { generateHybridKeyPair } from '../identity/hybrid.ts';
import type { MlsContext, MlsDeviceIdentity } from './credential.ts';
import type { MlsNativePrimitives } from './native.ts';

export function testDirectory(crypto: CryptoProvider, native?: MlsNativePrimitives) {
  const entries = new Map<string, { person: string; key: Uint8Array }>();
  const ctx: MlsContext = {
    crypto,
    ...(native ? { native } : {}),
    async resolveDeviceKey(deviceId, person) {
      const e = entries.get(deviceId);
      return e && e.person === person ? e.key : undefined;
    },
  };
  async function enrol(deviceId: string, person: string): Promise<MlsDeviceIdentity> {
    const kp = await generateHybridKeyPair(crypto);
    entries.set(deviceId, { person, key: kp.publicKey });
    return { deviceId, person, identitySecretKey: kp.secretKey };
  }
  return { ctx, enrol, entries };
}
