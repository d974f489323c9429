/**
 * X-Wing (draft-connolly-cfrg-xwing-kem) over the providers' native ML-KEM-768 and X25519,
 * cross-checked with noble's independent XWing (itself tested against the draft's vectors):
 * same public key from the same seed, and each side decapsulates the other's encapsulations.
 */
import { XWing } from '@noble/post-quantum/hybrid.js';
import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../crypto/node-provider.ts';
import { webCryptoProvider } from '../crypto/web-provider.ts';
import { ValiseError } from '../errors.ts';
import { generateXWingKeyPair, XWING_CIPHERTEXT_LENGTH, XWING_PUBLIC_KEY_LENGTH, xwingDecapsulate, xwingEncapsulate } from './xwing.ts';

for (const crypto of [nodeCryptoProvider, webCryptoProvider]) {
  describe(`X-Wing on the ${crypto.name} provider`, () => {
    it('derives the same keys as noble XWing and interoperates both ways', async () => {
      for (let i = 0; i < 8; i++) {
        const seed = crypto.randomBytes(32);
        const ours = await generateXWingKeyPair(crypto, seed);
        const theirs = XWing.keygen(seed.slice());
        expect(ours.publicKey).toEqual(theirs.publicKey);
        expect(ours.publicKey).toHaveLength(XWING_PUBLIC_KEY_LENGTH);

        // noble wipes the views it splits its inputs into: hand it copies.
        const fromNoble = XWing.encapsulate(ours.publicKey.slice());
        expect(await xwingDecapsulate(crypto, ours.secretKey, fromNoble.cipherText)).toEqual(fromNoble.sharedSecret);

        const fromUs = await xwingEncapsulate(crypto, ours.publicKey);
        expect(fromUs.ciphertext).toHaveLength(XWING_CIPHERTEXT_LENGTH);
        expect(XWing.decapsulate(fromUs.ciphertext.slice(), theirs.secretKey.slice())).toEqual(fromUs.sharedSecret);
      }
    });

    it('deterministic encapsulation (for vectors) matches EncapsulateDerand', async () => {
      const kp = await generateXWingKeyPair(crypto, new Uint8Array(32).fill(7));
      const eseed = new Uint8Array(64).map((_, i) => i);
      const a = await xwingEncapsulate(crypto, kp.publicKey, eseed);
      const b = await xwingEncapsulate(crypto, kp.publicKey, eseed);
      expect(a).toEqual(b);
      expect(kp.publicKey).toEqual((await generateXWingKeyPair(crypto, new Uint8Array(32).fill(7))).publicKey); // inputs left intact
      expect(await xwingDecapsulate(crypto, kp.secretKey, a.ciphertext)).toEqual(a.sharedSecret);
    });

    it('a wrong key yields another secret, not an error (implicit rejection); bad lengths are refused', async () => {
      const a = await generateXWingKeyPair(crypto);
      const b = await generateXWingKeyPair(crypto);
      const { ciphertext, sharedSecret } = await xwingEncapsulate(crypto, a.publicKey);
      expect(await xwingDecapsulate(crypto, b.secretKey, ciphertext)).not.toEqual(sharedSecret);
      await expect(xwingEncapsulate(crypto, a.publicKey.subarray(1))).rejects.toThrow(ValiseError);
      await expect(xwingDecapsulate(crypto, a.secretKey, ciphertext.subarray(1))).rejects.toThrow(ValiseError);
      await expect(xwingDecapsulate(crypto, a.secretKey.subarray(1), ciphertext)).rejects.toThrow(ValiseError);
    });
  });
}
