/**
 * RFC 7748 X25519 test vectors, run unchanged against both providers: §5.2 (scalar multiplication,
 * including a u-coordinate with its top bit set, and the iterated test to 1,000 rounds) and §6.1
 * (Alice's and Bob's key pairs and their shared secret). Values copied from the RFC text.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { nodeCryptoProvider } from './node-provider.ts';
import type { CryptoProvider } from './provider.ts';
import { webCryptoProvider } from './web-provider.ts';

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(ValiseError);
  await expect(promise).rejects.toMatchObject({ code });
}

/** RFC 7748 §5.2: input scalar, input u-coordinate, output u-coordinate. */
const scalarMultiplication = [
  {
    scalar: 'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
    u: 'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
    output: 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
  },
  {
    // The u-coordinate's most significant bit is set; §5 says it MUST be masked off.
    scalar: '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
    u: 'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
    output: '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
  },
];

/** RFC 7748 §5.2 iterated test: k = u = 9, then k, u = X25519(k, u), k. */
const iterated = {
  1: '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079',
  1000: '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51',
};

/** RFC 7748 §6.1. */
const alice = {
  secretKey: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
  publicKey: '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
};
const bob = {
  secretKey: '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb',
  publicKey: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
};
const sharedSecret = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

describe.each([nodeCryptoProvider, webCryptoProvider] as CryptoProvider[])('RFC 7748 X25519 ($name provider)', (crypto) => {
  it.each(scalarMultiplication)('§5.2 scalar multiplication: X25519($scalar, $u)', async ({ scalar, u, output }) => {
    expect(toHex(await crypto.x25519.sharedSecret(fromHex(scalar), fromHex(u)))).toBe(output);
  });

  it('§5.2 iterated test: 1 and 1,000 iterations', async () => {
    let k: Uint8Array = fromHex(`09${'00'.repeat(31)}`);
    let u: Uint8Array = k.slice();
    for (let i = 1; i <= 1000; i++) {
      const next = await crypto.x25519.sharedSecret(k, u);
      u = k;
      k = next;
      if (i === 1) expect(toHex(k)).toBe(iterated[1]);
    }
    expect(toHex(k)).toBe(iterated[1000]);
  });

  it("§6.1 derives Alice's and Bob's public keys from their private keys", async () => {
    expect(toHex((await crypto.x25519.generateKeyPair(fromHex(alice.secretKey))).publicKey)).toBe(alice.publicKey);
    expect(toHex((await crypto.x25519.generateKeyPair(fromHex(bob.secretKey))).publicKey)).toBe(bob.publicKey);
  });

  it('§6.1 both sides compute the published shared secret', async () => {
    expect(toHex(await crypto.x25519.sharedSecret(fromHex(alice.secretKey), fromHex(bob.publicKey)))).toBe(sharedSecret);
    expect(toHex(await crypto.x25519.sharedSecret(fromHex(bob.secretKey), fromHex(alice.publicKey)))).toBe(sharedSecret);
  });

  // §6.1: a peer that sends a small-order point forces the all-zero output; implementations MAY
  // check for it, and both of ours must (the same way), so a session never keys itself with zeros.
  it.each([
    ['u = 0', `${'00'.repeat(32)}`],
    ['u = 1', `01${'00'.repeat(31)}`],
    ['order-8 point', 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'],
  ])('§6.1 refuses a small-order public key (%s) with BAD_KEY', async (_name, u) => {
    await rejectsWith(crypto.x25519.sharedSecret(fromHex(alice.secretKey), fromHex(u)), 'BAD_KEY');
  });

  it('refuses keys that are not 32 bytes with BAD_KEY', async () => {
    await rejectsWith(crypto.x25519.sharedSecret(fromHex(alice.secretKey), fromHex(bob.publicKey).subarray(1)), 'BAD_KEY');
    await rejectsWith(crypto.x25519.sharedSecret(fromHex(alice.secretKey).subarray(1), fromHex(bob.publicKey)), 'BAD_KEY');
    await rejectsWith(crypto.x25519.generateKeyPair(new Uint8Array(33)), 'BAD_KEY');
  });
});
