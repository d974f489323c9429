/**
 * RFC 8032 §7.1 Ed25519 test vectors (TEST 1, 2, 3, 1024 and SHA(abc)), run unchanged against both
 * providers. Ed25519 is deterministic, so keygen and signing must reproduce the published bytes.
 * Vectors: test-fixtures/rfc8032-ed25519.json (see test-fixtures/README.md for provenance).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { nodeCryptoProvider } from './node-provider.ts';
import type { CryptoProvider } from './provider.ts';
import { webCryptoProvider } from './web-provider.ts';

interface Rfc8032Vector {
  name: string;
  secretKey: string;
  publicKey: string;
  message: string;
  signature: string;
}

const vectors: Rfc8032Vector[] = JSON.parse(readFileSync(new URL('../../test-fixtures/rfc8032-ed25519.json', import.meta.url), 'utf8'));

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(ValiseError);
  await expect(promise).rejects.toMatchObject({ code });
}

/** The order of the Ed25519 base point, RFC 8032 §5.1 (L). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/** The signature with S replaced by S + L: the same point equation, but RFC 8032 §5.1.7 requires S < L. */
function malleated(signature: Uint8Array): Uint8Array {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i] as number);
  s += L;
  const out = signature.slice();
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

describe.each([nodeCryptoProvider, webCryptoProvider] as CryptoProvider[])('RFC 8032 §7.1 Ed25519 ($name provider)', (crypto) => {
  it('has the five published vectors', () => {
    expect(vectors.map((v) => v.name)).toEqual(['1', '2', '3', '1024', 'SHA(abc)']);
  });

  describe.each(vectors)('TEST $name', (v) => {
    const secretKey = fromHex(v.secretKey);
    const publicKey = fromHex(v.publicKey);
    const message = fromHex(v.message);
    const signature = fromHex(v.signature);

    it('derives the published public key from the secret key', async () => {
      const kp = await crypto.ed25519.generateKeyPair(secretKey);
      expect(toHex(kp.publicKey)).toBe(v.publicKey);
      expect(toHex(kp.secretKey)).toBe(v.secretKey);
    });

    it('signs to exactly the published signature', async () => {
      expect(toHex(await crypto.ed25519.sign(secretKey, message))).toBe(v.signature);
    });

    it('verifies the published signature', async () => {
      expect(await crypto.ed25519.verify(publicKey, message, signature)).toBe(true);
    });

    it('rejects the signature with one bit flipped in R, in S, or over another message', async () => {
      const flippedR = signature.slice();
      flippedR[0] = (flippedR[0] as number) ^ 0x01;
      const flippedS = signature.slice();
      flippedS[40] = (flippedS[40] as number) ^ 0x80;
      const otherMessage = new Uint8Array([...message, 0x00]);
      expect(await crypto.ed25519.verify(publicKey, message, flippedR)).toBe(false);
      expect(await crypto.ed25519.verify(publicKey, message, flippedS)).toBe(false);
      expect(await crypto.ed25519.verify(publicKey, otherMessage, signature)).toBe(false);
    });

    it('rejects the malleated signature (S + L), as §5.1.7 requires', async () => {
      expect(await crypto.ed25519.verify(publicKey, message, malleated(signature))).toBe(false);
    });

    it('returns false, never throws, for a truncated signature or public key', async () => {
      expect(await crypto.ed25519.verify(publicKey, message, signature.subarray(0, 63))).toBe(false);
      expect(await crypto.ed25519.verify(publicKey.subarray(0, 31), message, signature)).toBe(false);
    });
  });

  it('refuses a secret key that is not 32 bytes with BAD_KEY', async () => {
    await rejectsWith(crypto.ed25519.generateKeyPair(new Uint8Array(31)), 'BAD_KEY');
    await rejectsWith(crypto.ed25519.sign(new Uint8Array(64), new Uint8Array(1)), 'BAD_KEY');
  });
});
