/**
 * The browser's KeyValueStore: one IndexedDB database per profile. Values arrive already sealed
 * by EncryptedStore under the device's non-extractable key (see device-key.ts).
 */
import type { KeyValueStore } from '../storage.ts';
import { committed, settle, VALUES } from './indexeddb.ts';

export class IndexedDbStore implements KeyValueStore {
  readonly #db: IDBDatabase;
  constructor(db: IDBDatabase) {
    this.#db = db;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = await settle(this.#db.transaction(VALUES, 'readonly').objectStore(VALUES).get(key));
    return value instanceof Uint8Array ? value : undefined;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    const tx = this.#db.transaction(VALUES, 'readwrite', { durability: 'strict' });
    // Copy: the caller's view may share a larger buffer, and structured clone would keep all of it.
    tx.objectStore(VALUES).put(new Uint8Array(value), key);
    await committed(tx);
  }

  async delete(key: string): Promise<void> {
    const tx = this.#db.transaction(VALUES, 'readwrite', { durability: 'strict' });
    tx.objectStore(VALUES).delete(key);
    await committed(tx);
  }

  async keys(prefix: string): Promise<string[]> {
    const store = this.#db.transaction(VALUES, 'readonly').objectStore(VALUES);
    // Keys are short ASCII paths, so every key with the prefix sorts between prefix and prefix+U+FFFF.
    const range = prefix === '' ? undefined : IDBKeyRange.bound(prefix, `${prefix}\uffff`);
    const keys = await settle(store.getAllKeys(range));
    return keys.filter((k): k is string => typeof k === 'string');
  }
}
