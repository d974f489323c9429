/** Real SDK clients for tests: in-memory storage encrypted under a random key, node:crypto. */
import { aeadStorageCipher, MemoryStore, ValiseClient } from '@valise/sdk';
import { nodeCryptoProvider, nodeMlsNative } from '@valise/sdk/node';

export async function enrolClient(serverUrl: string, code: string, deviceName = 'test-device', suite?: number): Promise<ValiseClient> {
  const env = {
    crypto: nodeCryptoProvider,
    mlsNative: nodeMlsNative,
    store: new MemoryStore(),
    cipher: aeadStorageCipher(nodeCryptoProvider, nodeCryptoProvider.randomBytes(32)),
    ...(suite ? { suite } : {}),
  };
  return ValiseClient.enrol(env, { serverUrl, code, deviceName });
}
