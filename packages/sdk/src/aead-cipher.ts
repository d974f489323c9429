import { type CryptoProvider, concatBytes, ValiseError } from '@valise/protocol';
import type { StorageCipher } from './storage.ts';

/** A StorageCipher from a raw 32-byte AES-256-GCM key: nonce (12) || ciphertext+tag. */
export function aeadStorageCipher(crypto: CryptoProvider, key: Uint8Array): StorageCipher {
  if (key.length !== 32) throw new ValiseError('BAD_KEY', 'storage key must be 32 bytes');
  return {
    async seal(plaintext, aad) {
      const nonce = crypto.randomBytes(12);
      return concatBytes(nonce, await crypto.aes256gcm.encrypt(key, nonce, plaintext, aad));
    },
    async open(sealed, aad) {
      if (sealed.length < 28) throw new ValiseError('DECRYPT_FAILED', 'sealed value too short');
      return crypto.aes256gcm.decrypt(key, sealed.subarray(0, 12), sealed.subarray(12), aad);
    },
  };
}
