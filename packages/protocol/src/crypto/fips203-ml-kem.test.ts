/**
 * FIPS 203 ML-KEM-768 against published vectors, run unchanged against both providers.
 * Vectors: test-fixtures/fips203-ml-kem.json (provenance in test-fixtures/README.md):
 *  - NIST ACVP ML-KEM-keyGen-FIPS203: (d, z) → encapsulation key. Our secret key is the 64-byte
 *    seed d || z, so this is ML-KEM.KeyGen_internal (Algorithm 16) exactly as the provider runs it.
 *  - NIST ACVP ML-KEM-encapDecap-FIPS203, encapsulationKeyCheck: the §7.2 input check on the
 *    encapsulation key (coefficients must be reduced mod q); a bad key must be refused (BAD_KEY).
 *  - C2SP Wycheproof mlkem_768_test (FIPS 203 vectors and the CCTV "strcmp" vector): seed d || z,
 *    its encapsulation key, a ciphertext and the shared key decapsulation must return, including
 *    implicit rejection of a modified ciphertext; and inputs of the wrong length.
 * The ACVP decapsulation and encapsulation cases take an expanded decapsulation key or the
 * encapsulation randomness m as input, which the provider (seed keys, internal randomness) does
 * not accept, so decapsulation is checked on the Wycheproof vectors, which carry the seed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { nodeCryptoProvider } from './node-provider.ts';
import type { CryptoProvider } from './provider.ts';
import { SIZES } from './provider.ts';
import { webCryptoProvider } from './web-provider.ts';

interface Fixture {
  acvpKeyGen: { tcId: number; parameterSet: 'ML-KEM-768'; d: string; z: string; ek: string }[];
  acvpEncapsulationKeyCheck: { tcId: number; parameterSet: 'ML-KEM-768'; ek: string; testPassed: boolean; reason: string }[];
  wycheproofDecaps: {
    tcId: number;
    comment?: string;
    flags: string[];
    seed: string;
    ek?: string;
    c: string;
    K: string;
    result: 'valid' | 'invalid';
    source: string;
  }[];
}

const fixture: Fixture = JSON.parse(readFileSync(new URL('../../test-fixtures/fips203-ml-kem.json', import.meta.url), 'utf8'));
const providers: CryptoProvider[] = [nodeCryptoProvider, webCryptoProvider];
const decapsCases = fixture.wycheproofDecaps.map((t) => ({ ...t, title: t.comment ?? t.flags.join(', ') }));

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(ValiseError);
  await expect(promise).rejects.toMatchObject({ code });
}

describe.each(providers)('FIPS 203 ML-KEM-768 ($name provider)', (crypto) => {
  describe('ACVP keyGen: d || z → encapsulation key', () => {
    it.each(fixture.acvpKeyGen)('tcId $tcId', async ({ d, z, ek }) => {
      const kp = await crypto.mlKem768.generateKeyPair(concatBytes(fromHex(d), fromHex(z)));
      expect(kp.publicKey.length).toBe(SIZES.mlKem768PublicKey);
      expect(toHex(kp.publicKey)).toBe(ek.toLowerCase());
    });
  });

  describe('ACVP encapsulationKeyCheck (§7.2 modulus check)', () => {
    it.each(fixture.acvpEncapsulationKeyCheck)('tcId $tcId: $reason', async ({ ek, testPassed }) => {
      const encapsulation = crypto.mlKem768.encapsulate(fromHex(ek));
      if (testPassed) {
        const { ciphertext, sharedSecret } = await encapsulation;
        expect(ciphertext.length).toBe(SIZES.mlKem768Ciphertext);
        expect(sharedSecret.length).toBe(32);
      } else {
        await rejectsWith(encapsulation, 'BAD_KEY');
      }
    });
  });

  describe('Wycheproof decapsulation', () => {
    it.each(decapsCases.filter((t) => t.result === 'valid'))('tcId $tcId ($source): $title', async ({ seed, ek, c, K }) => {
      if (ek) expect(toHex((await crypto.mlKem768.generateKeyPair(fromHex(seed))).publicKey)).toBe(ek);
      expect(toHex(await crypto.mlKem768.decapsulate(fromHex(seed), fromHex(c)))).toBe(K);
    });

    it.each(decapsCases.filter((t) => t.result === 'invalid'))('tcId $tcId ($source): $title is refused', async ({ seed, c }) => {
      const code = fromHex(seed).length !== SIZES.mlKemSeed ? 'BAD_KEY' : 'BAD_CIPHERTEXT';
      await rejectsWith(crypto.mlKem768.decapsulate(fromHex(seed), fromHex(c)), code);
    });

    it('a flipped ciphertext bit decapsulates to a different key (implicit rejection), not an error', async () => {
      const { seed, c, K } = decapsCases.find((t) => t.tcId === 2)!;
      const broken = fromHex(c);
      broken[100] = (broken[100] as number) ^ 0x04;
      const rejected = await crypto.mlKem768.decapsulate(fromHex(seed), broken);
      expect(rejected.length).toBe(32);
      expect(toHex(rejected)).not.toBe(K);
    });
  });

  it('encapsulates to a vector key so that the vector seed decapsulates, in both providers', async () => {
    const { d, z, ek } = fixture.acvpKeyGen[0]!;
    const { ciphertext, sharedSecret } = await crypto.mlKem768.encapsulate(fromHex(ek));
    for (const other of providers) {
      expect(toHex(await other.mlKem768.decapsulate(concatBytes(fromHex(d), fromHex(z)), ciphertext))).toBe(toHex(sharedSecret));
    }
  });

  it('refuses a seed that is not 64 bytes, and a public key that is not 1184 bytes, with BAD_KEY', async () => {
    await rejectsWith(crypto.mlKem768.generateKeyPair(new Uint8Array(32)), 'BAD_KEY');
    await rejectsWith(crypto.mlKem768.encapsulate(fromHex(fixture.acvpKeyGen[0]!.ek).subarray(1)), 'BAD_KEY');
  });
});
