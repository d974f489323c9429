/**
 * Key packages let others add this device to a group while it is offline. The private halves stay
 * in the encrypted store under their reference until a Welcome consumes them.
 */
import { createKeyPackage, toBase64Url } from '@valise/protocol';
import type { ClientCore } from './core.ts';

const LOW_WATER = 8;
const BATCH = 16;

interface StoredKeyPackage {
  keyPackage: string;
  privatePackage: string;
  suite: number;
}

/** Upload fresh key packages when the server holds fewer than LOW_WATER for this device. */
export async function replenishKeyPackages(core: ClientCore, force = false): Promise<number> {
  const { count } = await core.api.get<{ count: number }>(`/key-packages/count?suite=${core.suite}`);
  if (!force && count >= LOW_WATER) return 0;
  const fresh: string[] = [];
  for (let i = 0; i < BATCH; i++) {
    const kp = await createKeyPackage(core.mls, core.mlsIdentity, core.suite);
    const record: StoredKeyPackage = {
      keyPackage: toBase64Url(kp.keyPackage),
      privatePackage: toBase64Url(kp.privatePackage),
      suite: core.suite,
    };
    await core.store.putJson(`kp/${kp.ref}`, record);
    fresh.push(record.keyPackage);
  }
  await core.api.post('/key-packages', { suite: core.suite, keyPackages: fresh });
  return fresh.length;
}

export async function takeKeyPackage(core: ClientCore, ref: string): Promise<StoredKeyPackage | undefined> {
  return core.store.getJson<StoredKeyPackage>(`kp/${ref}`);
}

export async function forgetKeyPackage(core: ClientCore, ref: string): Promise<void> {
  await core.store.delete(`kp/${ref}`);
}
