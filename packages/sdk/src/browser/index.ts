/**
 * The SDK in the browser: IndexedDB storage (one database per profile), a non-extractable
 * WebCrypto storage key, and the WebCrypto + noble crypto provider. Import from `@valise/sdk/browser`.
 */
import { ValiseError } from '@valise/protocol';
import { webCryptoProvider } from '@valise/protocol/crypto-web';
import type { ClientEnvironment } from '../client.ts';
import { cryptoKeyStorageCipher, loadOrCreateStorageKey } from './device-key.ts';
import { deleteDatabase, openDatabase } from './indexeddb.ts';
import { IndexedDbStore } from './indexeddb-store.ts';

export * from '../domain.ts';
export { clearanceOf } from '../labels.ts';
export { cryptoKeyStorageCipher, loadOrCreateStorageKey } from './device-key.ts';
export { IndexedDbStore } from './indexeddb-store.ts';
export * from './pouch-files.ts';
export { webCryptoProvider };

export interface BrowserEnvironment extends ClientEnvironment {
  readonly profile: string;
  /** Close the profile's database (the page is going away, or the device is being forgotten). */
  close(): void;
}

const PROFILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The IndexedDB database name of a profile. */
export function profileDatabaseName(profile: string): string {
  if (!PROFILE.test(profile)) {
    throw new ValiseError('BAD_PROFILE_NAME', `profile names use letters, digits, ".", "_" and "-" (got "${profile}")`);
  }
  return `valise-profile-${profile}`;
}

/** Storage, storage cipher and crypto for one browser profile; the storage key is created on first use. */
export async function openBrowserEnvironment(profile = 'default'): Promise<BrowserEnvironment> {
  const db = await openDatabase(profileDatabaseName(profile));
  try {
    const key = await loadOrCreateStorageKey(db);
    return {
      profile,
      crypto: webCryptoProvider,
      store: new IndexedDbStore(db),
      cipher: cryptoKeyStorageCipher(key),
      close: () => db.close(),
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Erase a profile from this browser: its keys, groups and messages. Irreversible. */
export async function forgetBrowserProfile(profile = 'default'): Promise<void> {
  await deleteDatabase(profileDatabaseName(profile));
}

/** Ask the browser not to evict this origin's storage under pressure (losing it loses the device). */
export async function requestPersistentStorage(): Promise<boolean> {
  try {
    return (await navigator.storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}

/**
 * Hold the profile's device for this tab. Two tabs driving one device would each advance the same
 * MLS group states and fork them, so only one may run; the others are told. Resolves to a release
 * function, or undefined when another tab holds the device. Browsers without Web Locks get no
 * guard (and a release that does nothing).
 */
export function acquireDeviceLock(profile = 'default'): Promise<(() => void) | undefined> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks) return Promise.resolve(() => undefined);
  return new Promise((resolve, reject) => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    locks
      .request(`valise-device-${profileDatabaseName(profile)}`, { mode: 'exclusive', ifAvailable: true }, async (lock) => {
        if (!lock) {
          resolve(undefined);
          return;
        }
        resolve(release);
        await held;
      })
      .catch(reject);
  });
}
