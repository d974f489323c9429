/**
 * Interoperability of the two providers: a key, signature, ciphertext or encapsulation made by one
 * must be usable by the other, in both directions, because a browser and a Node peer (server, CLI)
 * exchange exactly these bytes.
 */
import { describe, expect, it } from 'vitest';
import { utf8 } from '../bytes.ts';
import { generateHybridKeyPair, signHybrid, verifyHybrid } from '../identity/hybrid.ts';
import { nodeCryptoProvider } from './node-provider.ts';
import type { CryptoProvider, SignatureScheme } from './provider.ts';
import { webCryptoProvider } from './web-provider.ts';

const pairs = [
  { from: nodeCryptoProvider, to: webCryptoProvider, label: 'node → web' },
  { from: webCryptoProvider, to: nodeCryptoProvider, label: 'web → node' },
];
const signatureSchemes = ['ed25519', 'mlDsa44', 'mlDsa65', 'mlDsa87'] as const;
const scheme = (crypto: CryptoProvider, name: (typeof signatureSchemes)[number]): SignatureScheme => crypto[name];

describe.each(pairs)('cross-provider interop, $label', ({ from, to, label }) => {
  describe.each(signatureSchemes)('%s', (name) => {
    it('a random key pair derives the same public key in the other provider', async () => {
      const kp = await scheme(from, name).generateKeyPair();
      expect((await scheme(to, name).generateKeyPair(kp.secretKey)).publicKey).toEqual(kp.publicKey);
    });

    it('signatures verify in the other provider and fail there when tampered with', async () => {
      const kp = await scheme(from, name).generateKeyPair();
      const message = utf8(`interop ${name} ${label}`);
      const signature = await scheme(from, name).sign(kp.secretKey, message);
      expect(await scheme(to, name).verify(kp.publicKey, message, signature)).toBe(true);
      const tampered = signature.slice();
      tampered[signature.length >> 1] = (tampered[signature.length >> 1] as number) ^ 0x10;
      expect(await scheme(to, name).verify(kp.publicKey, message, tampered)).toBe(false);
      expect(await scheme(to, name).verify(kp.publicKey, utf8('another message'), signature)).toBe(false);
    });
  });

  it('hybrid Ed25519 + ML-DSA-65 identities sign and verify across providers', async () => {
    const kp = await generateHybridKeyPair(from);
    const message = utf8('cable 0042');
    const signature = await signHybrid(from, kp.secretKey, 'message', message);
    expect(await verifyHybrid(to, kp.publicKey, 'message', message, signature)).toBe(true);
    expect(await verifyHybrid(to, kp.publicKey, 'auth', message, signature)).toBe(false);
  });

  it('ML-KEM-768 encapsulation by one decapsulates in the other', async () => {
    const recipient = await to.mlKem768.generateKeyPair();
    expect((await from.mlKem768.generateKeyPair(recipient.secretKey)).publicKey).toEqual(recipient.publicKey);
    const { ciphertext, sharedSecret } = await from.mlKem768.encapsulate(recipient.publicKey);
    expect(await to.mlKem768.decapsulate(recipient.secretKey, ciphertext)).toEqual(sharedSecret);
    // And the encapsulating side's own secret key works in the other direction too.
    const own = await from.mlKem768.generateKeyPair();
    const back = await to.mlKem768.encapsulate(own.publicKey);
    expect(await from.mlKem768.decapsulate(own.secretKey, back.ciphertext)).toEqual(back.sharedSecret);
  });

  it('X25519 agrees on the shared secret', async () => {
    const a = await from.x25519.generateKeyPair();
    const b = await to.x25519.generateKeyPair();
    const fromSide = await from.x25519.sharedSecret(a.secretKey, b.publicKey);
    expect(await to.x25519.sharedSecret(b.secretKey, a.publicKey)).toEqual(fromSide);
    expect((await to.x25519.generateKeyPair(a.secretKey)).publicKey).toEqual(a.publicKey);
  });

  it('AES-256-GCM ciphertexts decrypt in the other provider, with and without AAD', async () => {
    const key = from.randomBytes(32);
    const nonce = from.randomBytes(12);
    for (const size of [0, 1, 15, 16, 17, 4096, 70_000]) {
      const plaintext = from.randomBytes(size);
      const aad = size % 2 ? utf8(`aad ${size}`) : undefined;
      const sealed = await from.aes256gcm.encrypt(key, nonce, plaintext, aad);
      expect(sealed).toEqual(await to.aes256gcm.encrypt(key, nonce, plaintext, aad));
      expect(await to.aes256gcm.decrypt(key, nonce, sealed, aad)).toEqual(plaintext);
    }
  });

  it('SHA-256 and HKDF-SHA-256 agree byte for byte', async () => {
    for (const size of [0, 1, 55, 56, 64, 1000]) {
      const data = from.randomBytes(size);
      expect(await to.sha256(data)).toEqual(await from.sha256(data));
      const salt = from.randomBytes(size % 40);
      expect(await to.hkdfSha256(data, salt, utf8('info'), 1 + size)).toEqual(await from.hkdfSha256(data, salt, utf8('info'), 1 + size));
    }
  });
});
