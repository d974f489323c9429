/** Real SDK clients for tests: in-memory storage encrypted under a random key, node:crypto. */
import { aeadStorageCipher, type FetchLike, MemoryStore, ValiseClient } from '@valise/sdk';
import { nodeCryptoProvider, nodeMlsNative } from '@valise/sdk/node';

/** Enrol a client with a one-time code; `fetch` replaces the transport (to watch or tamper with it). */
export async function enrolClient(
  serverUrl: string,
  code: string,
  deviceName = 'test-device',
  suite?: number,
  fetch?: FetchLike,
): Promise<ValiseClient> {
  const env = {
    crypto: nodeCryptoProvider,
    mlsNative: nodeMlsNative,
    store: new MemoryStore(),
    cipher: aeadStorageCipher(nodeCryptoProvider, nodeCryptoProvider.randomBytes(32)),
    ...(suite ? { suite } : {}),
    ...(fetch ? { fetch } : {}),
  };
  return ValiseClient.enrol(env, { serverUrl, code, deviceName });
}
