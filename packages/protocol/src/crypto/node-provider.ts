/**
 * Node's crypto provider: everything through node:crypto (OpenSSL 3.5), which in Node 24 has
 * native ML-DSA and ML-KEM, an order of magnitude faster than pure JavaScript. This is the one file
 * of packages/protocol allowed to import node: modules; it is reached only through the
 * `@valise/protocol/crypto-node` entry, never from the browser bundle.
 */

import type { KeyObject } from 'node:crypto';
import * as nodeCrypto from 'node:crypto';
import { ValiseError } from '../errors.ts';
import type { AeadScheme, CryptoProvider, KemScheme, SignatureScheme } from './provider.ts';
import { expectHkdfLength, expectLength, SIZES } from './provider.ts';

type AsymmetricType = 'ed25519' | 'x25519' | 'ml-dsa-44' | 'ml-dsa-65' | 'ml-dsa-87' | 'ml-kem-768';

const bytes = (b: Buffer | ArrayBuffer): Uint8Array =>
  b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** A plain Uint8Array over a Buffer's bytes, without copying them. */
const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

// Importing a key into OpenSSL costs about as much as a signature check; keep the recent ones.
const keyCache = new Map<string, KeyObject>();
function cached(id: string, make: () => KeyObject): KeyObject {
  let k = keyCache.get(id);
  if (!k) {
    k = make();
    if (keyCache.size > 256) keyCache.clear();
    keyCache.set(id, k);
  }
  return k;
}
const keyId = (kind: string, type: string, key: Uint8Array) => `${kind}:${type}:${Buffer.from(key).toString('base64')}`;

function privateKey(type: AsymmetricType, secretKey: Uint8Array): KeyObject {
  const format = type.startsWith('ml-') ? 'raw-seed' : 'raw-private';
  return cached(keyId('s', type, secretKey), () =>
    nodeCrypto.createPrivateKey({ key: Buffer.from(secretKey), format, asymmetricKeyType: type } as never),
  );
}
function publicKey(type: AsymmetricType, key: Uint8Array): KeyObject {
  return cached(keyId('p', type, key), () =>
    nodeCrypto.createPublicKey({ key: Buffer.from(key), format: 'raw-public', asymmetricKeyType: type } as never),
  );
}
function rawPublic(k: KeyObject): Uint8Array {
  return bytes(nodeCrypto.createPublicKey(k).export({ format: 'raw-public' } as never) as unknown as Buffer);
}

function signatureScheme(type: AsymmetricType, seedLength: number): SignatureScheme {
  return {
    async generateKeyPair(seed) {
      if (seed) expectLength(seed, seedLength, 'BAD_KEY', `${type} seed`);
      const secretKey = seed ? new Uint8Array(seed) : new Uint8Array(nodeCrypto.randomBytes(seedLength));
      return { publicKey: rawPublic(privateKey(type, secretKey)), secretKey };
    },
    async sign(secretKey, message) {
      expectLength(secretKey, seedLength, 'BAD_KEY', `${type} secret key`);
      return bytes(nodeCrypto.sign(null, message, privateKey(type, secretKey)));
    },
    async verify(pub, message, signature) {
      try {
        return nodeCrypto.verify(null, message, publicKey(type, pub), signature);
      } catch {
        return false;
      }
    },
  };
}

const mlKem768: KemScheme = {
  async generateKeyPair(seed) {
    if (seed) expectLength(seed, SIZES.mlKemSeed, 'BAD_KEY', 'ML-KEM-768 seed');
    const secretKey = seed ? new Uint8Array(seed) : new Uint8Array(nodeCrypto.randomBytes(64));
    return { publicKey: rawPublic(privateKey('ml-kem-768', secretKey)), secretKey };
  },
  async encapsulate(pub) {
    try {
      const { sharedKey, ciphertext } = nodeCrypto.encapsulate(publicKey('ml-kem-768', pub));
      return { sharedSecret: bytes(sharedKey), ciphertext: bytes(ciphertext) };
    } catch (cause) {
      throw new ValiseError('BAD_KEY', 'invalid ML-KEM-768 public key', { cause });
    }
  },
  async decapsulate(secretKey, ciphertext) {
    expectLength(secretKey, SIZES.mlKemSeed, 'BAD_KEY', 'ML-KEM-768 secret key');
    expectLength(ciphertext, SIZES.mlKem768Ciphertext, 'BAD_CIPHERTEXT', 'ML-KEM-768 ciphertext');
    return bytes(nodeCrypto.decapsulate(privateKey('ml-kem-768', secretKey), ciphertext));
  },
};

/**
 * The bulk path encrypts many chunks under one key: node makes a KeyObject from raw key bytes on
 * every createCipheriv (≈ 11 µs, several percent of a 256 KiB chunk's time), so each key array
 * gets one, kept only as long as the caller keeps the array (a WeakMap) and checked against a
 * copy of its bytes, so a key changed in place is never mistaken for the old one.
 */
const bulkKeys = new WeakMap<Uint8Array, { bytes: Uint8Array; key: KeyObject }>();
function bulkKey(key: Uint8Array): KeyObject {
  const known = bulkKeys.get(key);
  if (known && known.bytes.length === key.length && nodeCrypto.timingSafeEqual(known.bytes, key)) return known.key;
  const bytes = Uint8Array.from(key);
  const made = { bytes, key: nodeCrypto.createSecretKey(bytes) };
  bulkKeys.set(key, made);
  return made.key;
}

const aes256gcm: AeadScheme = {
  keyLength: 32,
  nonceLength: 12,
  async encrypt(key, nonce, plaintext, aad) {
    expectLength(key, SIZES.aes256gcmKey, 'BAD_KEY', 'AES-256-GCM key');
    expectLength(nonce, SIZES.aes256gcmNonce, 'BAD_NONCE', 'AES-256-GCM nonce');
    const cipher = nodeCrypto.createCipheriv('aes-256-gcm', key, nonce);
    if (aad) cipher.setAAD(aad);
    const head = cipher.update(plaintext);
    const tail = cipher.final();
    const out = new Uint8Array(head.length + tail.length + 16);
    out.set(head, 0);
    out.set(tail, head.length);
    out.set(cipher.getAuthTag(), head.length + tail.length);
    return out;
  },
  async decrypt(key, nonce, ciphertext, aad) {
    expectLength(key, SIZES.aes256gcmKey, 'BAD_KEY', 'AES-256-GCM key');
    expectLength(nonce, SIZES.aes256gcmNonce, 'BAD_NONCE', 'AES-256-GCM nonce');
    if (ciphertext.length < 16) throw new ValiseError('DECRYPT_FAILED', 'authenticated decryption failed');
    try {
      const decipher = nodeCrypto.createDecipheriv('aes-256-gcm', key, nonce);
      if (aad) decipher.setAAD(aad);
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
      const head = decipher.update(ciphertext.subarray(0, ciphertext.length - 16));
      const tail = decipher.final();
      return bytes(Buffer.concat([head, tail]));
    } catch (cause) {
      throw new ValiseError('DECRYPT_FAILED', 'authenticated decryption failed', { cause });
    }
  },
  // Bulk path (the pouch): pieces straight through OpenSSL, outputs returned as views of node's
  // buffers, no concatenation and no copy.
  encryptor(key, nonce) {
    expectLength(key, SIZES.aes256gcmKey, 'BAD_KEY', 'AES-256-GCM key');
    expectLength(nonce, SIZES.aes256gcmNonce, 'BAD_NONCE', 'AES-256-GCM nonce');
    const cipher = nodeCrypto.createCipheriv('aes-256-gcm', bulkKey(key), nonce);
    return {
      update: (plaintext) => view(cipher.update(plaintext)),
      final() {
        cipher.final(); // GCM holds nothing back: the output is empty
        return view(cipher.getAuthTag());
      },
    };
  },
  decryptor(key, nonce) {
    expectLength(key, SIZES.aes256gcmKey, 'BAD_KEY', 'AES-256-GCM key');
    expectLength(nonce, SIZES.aes256gcmNonce, 'BAD_NONCE', 'AES-256-GCM nonce');
    const decipher = nodeCrypto.createDecipheriv('aes-256-gcm', bulkKey(key), nonce);
    return {
      update: (ciphertext) => view(decipher.update(ciphertext)),
      final(tag) {
        if (tag.length !== 16) throw new ValiseError('DECRYPT_FAILED', 'authenticated decryption failed');
        try {
          decipher.setAuthTag(tag);
          decipher.final();
        } catch (cause) {
          throw new ValiseError('DECRYPT_FAILED', 'authenticated decryption failed', { cause });
        }
      },
    };
  },
};

/** The node:crypto provider. */
export const nodeCryptoProvider: CryptoProvider = {
  name: 'node',
  randomBytes: (length) => new Uint8Array(nodeCrypto.randomBytes(length)),
  async sha256(data) {
    return bytes(nodeCrypto.createHash('sha256').update(data).digest());
  },
  async hkdfSha256(ikm, salt, info, length) {
    expectHkdfLength(length);
    // OpenSSL refuses a zero-length output, which RFC 5869 allows (and WebCrypto returns).
    if (length === 0) return new Uint8Array(0);
    return bytes(nodeCrypto.hkdfSync('sha256', ikm, salt, info, length));
  },
  ed25519: signatureScheme('ed25519', 32),
  mlDsa44: signatureScheme('ml-dsa-44', 32),
  mlDsa65: signatureScheme('ml-dsa-65', 32),
  mlDsa87: signatureScheme('ml-dsa-87', 32),
  x25519: {
    async generateKeyPair(seed) {
      if (seed) expectLength(seed, 32, 'BAD_KEY', 'X25519 seed');
      const secretKey = seed ? new Uint8Array(seed) : new Uint8Array(nodeCrypto.randomBytes(32));
      return { publicKey: rawPublic(privateKey('x25519', secretKey)), secretKey };
    },
    async sharedSecret(secretKey, pub) {
      expectLength(secretKey, 32, 'BAD_KEY', 'X25519 secret key');
      try {
        return bytes(nodeCrypto.diffieHellman({ privateKey: privateKey('x25519', secretKey), publicKey: publicKey('x25519', pub) }));
      } catch (cause) {
        throw new ValiseError('BAD_KEY', 'invalid X25519 public key', { cause });
      }
    },
  },
  mlKem768,
  aes256gcm,
};
