/**
 * The few IndexedDB calls the browser environment needs, as promises. Hand-written because the
 * surface is tiny (open, get, put, delete, keys) and a wrapper library would be a dependency for
 * forty lines.
 */
import { ValiseError } from '@valise/protocol';

/** Values: the EncryptedStore's sealed bytes. Keys: the device's non-extractable storage key. */
export const VALUES = 'values';
export const KEYS = 'keys';
const VERSION = 1;

function factory(): IDBFactory {
  if (typeof indexedDB === 'undefined') {
    throw new ValiseError(
      'STORAGE_UNAVAILABLE',
      'this browser offers no IndexedDB (private browsing may disable it): Valise cannot keep keys here',
    );
  }
  return indexedDB;
}

/** A request as a promise. */
export function settle<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(storageError(request.error));
  });
}

/** Resolves when a transaction has committed (not merely when its requests succeeded). */
export function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(storageError(tx.error));
    tx.onabort = () => reject(storageError(tx.error ?? new DOMException('transaction aborted', 'AbortError')));
  });
}

function storageError(cause: DOMException | null): ValiseError {
  if (cause?.name === 'QuotaExceededError') {
    return new ValiseError('STORAGE_FULL', 'the browser refused to store more data for Valise (storage quota exceeded): free some space', {
      cause,
    });
  }
  return new ValiseError('STORAGE_FAILED', `browser storage failed: ${cause?.name ?? 'unknown error'}`, { cause });
}

/** Open (creating on first use) the database of one profile. */
export function openDatabase(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory().open(name, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(VALUES)) db.createObjectStore(VALUES);
      if (!db.objectStoreNames.contains(KEYS)) db.createObjectStore(KEYS);
    };
    request.onsuccess = () => {
      const db = request.result;
      // Another tab deleting this profile (forgetting the device) must not be blocked by us.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(storageError(request.error));
    request.onblocked = () =>
      reject(new ValiseError('STORAGE_BLOCKED', 'Valise is open in another tab with an older version: close the other tabs and reload'));
  });
}

/** Delete a database; resolves once it is gone. */
export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = factory().deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(storageError(request.error));
    request.onblocked = () =>
      reject(new ValiseError('STORAGE_BLOCKED', 'this device is still open in another tab: close the other tabs, then try again'));
  });
}
