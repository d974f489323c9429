/**
 * Starting the device of this browser: take the tab lock, open the profile's encrypted IndexedDB,
 * and either restore the enrolled device or ask for an enrolment code. Runs once per page.
 */
import { ValiseClient } from '@valise/sdk';
import { acquireDeviceLock, type BrowserEnvironment, forgetBrowserProfile, openBrowserEnvironment } from '@valise/sdk/browser';
import { codeOf } from './errors.ts';

/** One profile per browser: the person who enrolled this browser. */
export const PROFILE = 'default';

export type Boot =
  | { kind: 'enrolled'; env: BrowserEnvironment; client: ValiseClient }
  | { kind: 'login'; env: BrowserEnvironment }
  | { kind: 'elsewhere' }
  | { kind: 'failed'; error: unknown; env?: BrowserEnvironment };

async function boot(): Promise<Boot> {
  let env: BrowserEnvironment | undefined;
  try {
    const release = await acquireDeviceLock(PROFILE);
    if (!release) return { kind: 'elsewhere' };
    env = await openBrowserEnvironment(PROFILE);
    try {
      return { kind: 'enrolled', env, client: await ValiseClient.open(env) };
    } catch (err) {
      if (codeOf(err) === 'NOT_ENROLLED') return { kind: 'login', env };
      throw err;
    }
  } catch (error) {
    return env ? { kind: 'failed', error, env } : { kind: 'failed', error };
  }
}

let booting: Promise<Boot> | undefined;

/** The device of this page (memoised: React may mount twice in development). */
export function bootDevice(): Promise<Boot> {
  booting ??= boot();
  return booting;
}

/** Erase this browser's device (keys, groups, messages) and start again at the login screen. */
export async function forgetDevice(env: BrowserEnvironment | undefined): Promise<void> {
  env?.close();
  await forgetBrowserProfile(PROFILE);
  window.location.hash = '';
  window.location.reload();
}
