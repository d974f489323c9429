/**
 * The browser's StorageCipher: AES-256-GCM under a CryptoKey generated once per profile with
 * `extractable: false` and kept in IndexedDB by structured clone. Script on the page (an injected
 * one included) can ask the browser to encrypt or decrypt with it while the page is open, but can
 * never read the key bytes out, so a stolen copy of the stored values cannot be decrypted
 * elsewhere by anything that only ran script here.
 *
 * Limits, stated plainly: the browser itself keeps the key material in its profile folder, so a
 * copy of the whole browser profile on disk is not protected by this alone (that needs a
 * passphrase- or authenticator-wrapped key, as the CLI's Argon2id profile key does).
 */
import { ValiseError } from '@valise/protocol';
import type { StorageCipher } from '../storage.ts';
import { committed, KEYS, settle } from './indexeddb.ts';

const STORAGE_KEY = 'storage-key';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

function subtle(): SubtleCrypto {
  if (typeof crypto === 'undefined' || !crypto.subtle) {
    throw new ValiseError(
      'CRYPTO_UNAVAILABLE',
      'WebCrypto is unavailable: open Valise over https (or http://localhost), browsers only offer it in secure contexts',
    );
  }
  return crypto.subtle;
}

function isStorageKey(value: unknown): value is CryptoKey {
  return (
    typeof CryptoKey !== 'undefined' &&
    value instanceof CryptoKey &&
    value.algorithm.name === 'AES-GCM' &&
    !value.extractable &&
    value.usages.includes('encrypt') &&
    value.usages.includes('decrypt')
  );
}

/** This profile's storage key: loaded, or generated and stored on first use. */
export async function loadOrCreateStorageKey(db: IDBDatabase): Promise<CryptoKey> {
  const existing = await settle(db.transaction(KEYS, 'readonly').objectStore(KEYS).get(STORAGE_KEY));
  if (existing !== undefined) {
    if (!isStorageKey(existing))
      throw new ValiseError('STORE_CORRUPT', 'the stored device storage key is not a non-extractable AES-GCM key');
    return existing;
  }
  // Generate before opening the write transaction: a transaction commits itself at the first await
  // that is not one of its own requests.
  const fresh = await subtle().generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  // Check again inside one read-write transaction, so two tabs starting together agree on one key.
  const tx = db.transaction(KEYS, 'readwrite', { durability: 'strict' });
  const store = tx.objectStore(KEYS);
  let chosen: CryptoKey = fresh;
  const read = store.get(STORAGE_KEY);
  read.onsuccess = () => {
    if (read.result === undefined) store.put(fresh, STORAGE_KEY);
    else chosen = read.result as CryptoKey;
  };
  await committed(tx);
  if (!isStorageKey(chosen)) throw new ValiseError('STORE_CORRUPT', 'the stored device storage key is not a non-extractable AES-GCM key');
  return chosen;
}

/** A StorageCipher over a (non-extractable) AES-GCM key: nonce (12) || ciphertext+tag. */
export function cryptoKeyStorageCipher(key: CryptoKey): StorageCipher {
  return {
    async seal(plaintext, aad) {
      const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
      const sealed = await subtle().encrypt(
        { name: 'AES-GCM', iv: nonce, additionalData: new Uint8Array(aad) },
        key,
        new Uint8Array(plaintext),
      );
      const out = new Uint8Array(NONCE_BYTES + sealed.byteLength);
      out.set(nonce, 0);
      out.set(new Uint8Array(sealed), NONCE_BYTES);
      return out;
    },
    async open(sealed, aad) {
      if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new ValiseError('DECRYPT_FAILED', 'sealed value too short');
      try {
        const plain = await subtle().decrypt(
          { name: 'AES-GCM', iv: sealed.slice(0, NONCE_BYTES), additionalData: new Uint8Array(aad) },
          key,
          sealed.slice(NONCE_BYTES),
        );
        return new Uint8Array(plain);
      } catch (cause) {
        throw new ValiseError('DECRYPT_FAILED', 'authenticated decryption failed', { cause });
      }
    },
  };
}
