import { describe, expect, it } from 'vitest';
import { utf8 } from '../bytes.ts';
import { nodeCryptoProvider } from '../crypto/node-provider.ts';
import { webCryptoProvider } from '../crypto/web-provider.ts';
import { generateHybridKeyPair, HYBRID_PUBLIC_KEY_LENGTH, signHybrid, verifyHybrid } from './hybrid.ts';

const providers = [nodeCryptoProvider, webCryptoProvider];

describe('hybrid signatures (Ed25519 + ML-DSA-65)', () => {
  it('derives the same public key from the same seed in both providers', async () => {
    const seed = nodeCryptoProvider.randomBytes(64);
    const a = await generateHybridKeyPair(nodeCryptoProvider, seed);
    const b = await generateHybridKeyPair(webCryptoProvider, seed);
    expect(a.publicKey.length).toBe(HYBRID_PUBLIC_KEY_LENGTH);
    expect(a.publicKey).toEqual(b.publicKey);
  });

  for (const signer of providers) {
    for (const verifier of providers) {
      it(`signs with ${signer.name} and verifies with ${verifier.name}; both parts must hold`, async () => {
        const kp = await generateHybridKeyPair(signer);
        const msg = utf8('cable 0042');
        const sig = await signHybrid(signer, kp.secretKey, 'test', msg);
        expect(await verifyHybrid(verifier, kp.publicKey, 'test', msg, sig)).toBe(true);
        expect(await verifyHybrid(verifier, kp.publicKey, 'auth', msg, sig)).toBe(false);
        expect(await verifyHybrid(verifier, kp.publicKey, 'test', utf8('cable 0043'), sig)).toBe(false);
        const edBroken = sig.slice();
        edBroken[3] = (edBroken[3] as number) ^ 1;
        expect(await verifyHybrid(verifier, kp.publicKey, 'test', msg, edBroken)).toBe(false);
        const mlBroken = sig.slice();
        mlBroken[100] = (mlBroken[100] as number) ^ 1;
        expect(await verifyHybrid(verifier, kp.publicKey, 'test', msg, mlBroken)).toBe(false);
      });
    }
  }
});
