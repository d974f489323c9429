/**
 * Storage is injected: a file folder in Node (CLI, tests), IndexedDB in the browser. Everything the
 * SDK keeps (identity keys, MLS group states, decrypted messages) goes through EncryptedStore, so
 * nothing of it is readable at rest without the device's storage key.
 */
import { utf8, ValiseError } from '@valise/protocol';

/** A plain key-value store of bytes. Keys are short ASCII paths like `conv/abc`. */
export interface KeyValueStore {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys that start with `prefix`, in no particular order. */
  keys(prefix: string): Promise<string[]>;
}

/** Authenticated encryption of stored values, keyed by something only this device holds. */
export interface StorageCipher {
  seal(plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  open(ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
}

/** Encrypts every value under the cipher, binding each to its key so values cannot be swapped. */
export class EncryptedStore {
  readonly #inner: KeyValueStore;
  readonly #cipher: StorageCipher;
  constructor(inner: KeyValueStore, cipher: StorageCipher) {
    this.#inner = inner;
    this.#cipher = cipher;
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    const sealed = await this.#inner.get(key);
    if (!sealed) return undefined;
    try {
      return await this.#cipher.open(sealed, utf8(`valise-store:${key}`));
    } catch (cause) {
      throw new ValiseError('STORE_CORRUPT', `stored value ${key} does not decrypt: wrong key or tampered storage`, { cause });
    }
  }
  async put(key: string, value: Uint8Array): Promise<void> {
    await this.#inner.put(key, await this.#cipher.seal(value, utf8(`valise-store:${key}`)));
  }
  async getJson<T>(key: string): Promise<T | undefined> {
    const v = await this.get(key);
    return v ? (JSON.parse(new TextDecoder().decode(v)) as T) : undefined;
  }
  async putJson(key: string, value: unknown): Promise<void> {
    await this.put(key, utf8(JSON.stringify(value)));
  }
  delete(key: string): Promise<void> {
    return this.#inner.delete(key);
  }
  keys(prefix: string): Promise<string[]> {
    return this.#inner.keys(prefix);
  }
}

/** A store in memory, for tests and throwaway sessions. */
export class MemoryStore implements KeyValueStore {
  readonly #map = new Map<string, Uint8Array>();
  async get(key: string) {
    return this.#map.get(key);
  }
  async put(key: string, value: Uint8Array) {
    this.#map.set(key, value);
  }
  async delete(key: string) {
    this.#map.delete(key);
  }
  async keys(prefix: string) {
    return [...this.#map.keys()].filter((k) => k.startsWith(prefix));
  }
}
