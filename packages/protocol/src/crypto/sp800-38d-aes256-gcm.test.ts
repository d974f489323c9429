/**
 * AES-256-GCM (NIST SP 800-38D) against the AES-256 test cases 13–16 of McGrew and Viega, "The
 * Galois/Counter Mode of Operation (GCM)", Appendix B (the GCM specification submitted to NIST),
 * run unchanged against both providers. Cases 17 and 18 use 8- and 60-byte IVs, which the provider
 * refuses by design (nonceLength is 12), so they are left out; the refusal is tested instead.
 * Values copied from the specification's text.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { nodeCryptoProvider } from './node-provider.ts';
import type { CryptoProvider } from './provider.ts';
import { webCryptoProvider } from './web-provider.ts';

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(ValiseError);
  await expect(promise).rejects.toMatchObject({ code });
}

const K15 = 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308';
const IV15 = 'cafebabefacedbaddecaf888';
const P15 =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' + '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const C15 =
  '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' + '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad';

const cases = [
  {
    name: 'Test Case 13 (empty plaintext)',
    key: '00'.repeat(32),
    iv: '00'.repeat(12),
    aad: '',
    pt: '',
    ct: '',
    tag: '530f8afbc74536b9a963b4f1c4cb738b',
  },
  {
    name: 'Test Case 14 (one zero block)',
    key: '00'.repeat(32),
    iv: '00'.repeat(12),
    aad: '',
    pt: '00'.repeat(16),
    ct: 'cea7403d4d606b6e074ec5d3baf39d18',
    tag: 'd0d1c8a799996bf0265b98b5d48ab919',
  },
  { name: 'Test Case 15 (four blocks)', key: K15, iv: IV15, aad: '', pt: P15, ct: C15, tag: 'b094dac5d93471bdec1a502270e3cc6c' },
  {
    name: 'Test Case 16 (60 bytes with 20 bytes of AAD)',
    key: K15,
    iv: IV15,
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    pt: P15.slice(0, 120),
    ct: C15.slice(0, 120),
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
];

describe.each([nodeCryptoProvider, webCryptoProvider] as CryptoProvider[])('SP 800-38D AES-256-GCM ($name provider)', (crypto) => {
  describe.each(cases)('$name', ({ key, iv, aad, pt, ct, tag }) => {
    const k = fromHex(key);
    const n = fromHex(iv);
    const a = aad ? fromHex(aad) : undefined;
    const sealed = fromHex(ct + tag);

    it('encrypts to the published ciphertext and tag', async () => {
      expect(toHex(await crypto.aes256gcm.encrypt(k, n, fromHex(pt), a))).toBe(ct + tag);
    });

    it('decrypts the published ciphertext', async () => {
      expect(toHex(await crypto.aes256gcm.decrypt(k, n, sealed, a))).toBe(pt);
    });

    it('refuses a flipped tag bit with DECRYPT_FAILED', async () => {
      const broken = sealed.slice();
      broken[broken.length - 1] = (broken[broken.length - 1] as number) ^ 0x01;
      await rejectsWith(crypto.aes256gcm.decrypt(k, n, broken, a), 'DECRYPT_FAILED');
    });

    it('refuses a flipped ciphertext bit, another nonce, or a truncated tag with DECRYPT_FAILED', async () => {
      if (ct) {
        const broken = sealed.slice();
        broken[0] = (broken[0] as number) ^ 0x80;
        await rejectsWith(crypto.aes256gcm.decrypt(k, n, broken, a), 'DECRYPT_FAILED');
      }
      const otherNonce = n.slice();
      otherNonce[11] = (otherNonce[11] as number) ^ 0x01;
      await rejectsWith(crypto.aes256gcm.decrypt(k, otherNonce, sealed, a), 'DECRYPT_FAILED');
      await rejectsWith(crypto.aes256gcm.decrypt(k, n, sealed.subarray(0, sealed.length - 1), a), 'DECRYPT_FAILED');
    });

    it('binds the AAD: a flipped AAD bit, or AAD added or dropped, is DECRYPT_FAILED', async () => {
      if (a) {
        const otherAad = a.slice();
        otherAad[0] = (otherAad[0] as number) ^ 0x01;
        await rejectsWith(crypto.aes256gcm.decrypt(k, n, sealed, otherAad), 'DECRYPT_FAILED');
        await rejectsWith(crypto.aes256gcm.decrypt(k, n, sealed), 'DECRYPT_FAILED');
      } else {
        await rejectsWith(crypto.aes256gcm.decrypt(k, n, sealed, new Uint8Array([0])), 'DECRYPT_FAILED');
        // An empty AAD and no AAD are the same GCM input.
        expect(toHex(await crypto.aes256gcm.decrypt(k, n, sealed, new Uint8Array(0)))).toBe(pt);
      }
    });
  });

  it('refuses anything shorter than a tag with DECRYPT_FAILED', async () => {
    await rejectsWith(crypto.aes256gcm.decrypt(new Uint8Array(32), new Uint8Array(12), new Uint8Array(15)), 'DECRYPT_FAILED');
  });

  it('refuses AES-128/192-sized keys with BAD_KEY instead of quietly running a weaker cipher', async () => {
    for (const length of [16, 24, 31, 33]) {
      await rejectsWith(crypto.aes256gcm.encrypt(new Uint8Array(length), new Uint8Array(12), new Uint8Array(1)), 'BAD_KEY');
      await rejectsWith(crypto.aes256gcm.decrypt(new Uint8Array(length), new Uint8Array(12), new Uint8Array(17)), 'BAD_KEY');
    }
  });

  it('refuses nonces that are not 12 bytes (test cases 17 and 18 use 8 and 60) with BAD_NONCE', async () => {
    const key = fromHex(K15);
    for (const nonce of [fromHex('cafebabefacedbad'), new Uint8Array(60), new Uint8Array(0)]) {
      await rejectsWith(crypto.aes256gcm.encrypt(key, nonce, fromHex(P15)), 'BAD_NONCE');
      await rejectsWith(crypto.aes256gcm.decrypt(key, nonce, concatBytes(fromHex(C15), new Uint8Array(16))), 'BAD_NONCE');
    }
  });
});
