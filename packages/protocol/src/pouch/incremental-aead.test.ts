/**
 * The node provider's optional incremental AES-256-GCM (encryptor/decryptor), which the pouch uses
 * for bulk bytes, gives exactly the bytes of the one-shot encrypt/decrypt, whatever the pieces, and
 * refuses a wrong tag or altered ciphertext with DECRYPT_FAILED.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../bytes.ts';
import { nodeCryptoProvider as crypto } from '../crypto/node-provider.ts';
import { webCryptoProvider } from '../crypto/web-provider.ts';
import { hasCode } from '../errors.ts';
import { patternBytes } from './test-kit.ts';

const aead = crypto.aes256gcm;
const key = patternBytes(32, 1);
const nonce = patternBytes(12, 2);

function pieces(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

describe('incremental AES-256-GCM (node provider)', () => {
  it('the web provider has none (the pouch falls back to one-shot calls)', () => {
    expect(webCryptoProvider.aes256gcm.encryptor).toBeUndefined();
    expect(aead.encryptor).toBeTypeOf('function');
    expect(aead.decryptor).toBeTypeOf('function');
  });

  it('equals the one-shot encrypt and decrypt for any piece sizes', async () => {
    for (const length of [0, 1, 15, 16, 17, 4096, 100_001]) {
      const plain = patternBytes(length, length);
      const oneShot = await aead.encrypt(key, nonce, plain);
      for (const size of [1, 7, 4096, 1 << 20]) {
        const e = aead.encryptor!(key, nonce);
        const ct = concatBytes(...pieces(plain, size).map((p) => e.update(p)), e.final());
        expect(ct).toEqual(oneShot);
        const d = aead.decryptor!(key, nonce);
        const out = concatBytes(...pieces(oneShot.subarray(0, length), size).map((p) => d.update(p)));
        d.final(oneShot.subarray(length));
        expect(out).toEqual(plain);
      }
    }
  });

  it('refuses an altered ciphertext, a wrong tag or a short tag with DECRYPT_FAILED', async () => {
    const plain = patternBytes(1000, 9);
    const sealed = await aead.encrypt(key, nonce, plain);
    const fails = (ct: Uint8Array, tag: Uint8Array) => {
      const d = aead.decryptor!(key, nonce);
      d.update(ct);
      try {
        d.final(tag);
        return false;
      } catch (e) {
        return hasCode(e, 'DECRYPT_FAILED');
      }
    };
    const ct = sealed.slice(0, 1000);
    const tag = sealed.slice(1000);
    expect(fails(ct, tag)).toBe(false);
    const flipped = ct.slice();
    flipped[500] ^= 1;
    expect(fails(flipped, tag)).toBe(true);
    const badTag = tag.slice();
    badTag[0] ^= 1;
    expect(fails(ct, badTag)).toBe(true);
    expect(fails(ct, tag.subarray(0, 12))).toBe(true);
  });
});
