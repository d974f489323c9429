/**
 * The browser's crypto provider: WebCrypto for hashing, HKDF, AES-GCM and randomness (native in
 * every browser), the audited noble libraries for Ed25519, X25519, ML-DSA and ML-KEM, which
 * WebCrypto does not (or not everywhere) offer. It also runs in Node, which is how the shared
 * vectors are checked against it.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { ValiseError } from '../errors.ts';
import type { AeadScheme, CryptoProvider, KemScheme, KeyPair, SignatureScheme } from './provider.ts';
import { expectHkdfLength, expectLength, SIZES } from './provider.ts';

// No type names from the platform here (SubtleCrypto, AesGcmParams): this file is also compiled
// with Node's typings when the tests import it, and those declare them differently.
const subtle = () => {
  const s = typeof crypto === 'undefined' ? undefined : crypto.subtle;
  if (!s) throw new ValiseError('CRYPTO_UNAVAILABLE', 'WebCrypto is not available in this environment');
  return s;
};

function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)));
  return out;
}

// WebCrypto's typings want ArrayBuffer-backed views; copy so SharedArrayBuffer-backed input is never passed.
const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

/** noble expands FIPS 204/203 seeds into large secret keys; we store seeds and expand on use. */
type Expandable = { keygen: (seed?: Uint8Array) => { publicKey: Uint8Array; secretKey: Uint8Array } };
function expander(scheme: Expandable) {
  const cache = new Map<string, Uint8Array>();
  return (seed: Uint8Array): Uint8Array => {
    const id = seed.join(',');
    let sk = cache.get(id);
    if (!sk) {
      sk = scheme.keygen(seed).secretKey;
      if (cache.size > 32) cache.clear();
      cache.set(id, sk);
    }
    return sk;
  };
}

function mlDsa(scheme: typeof ml_dsa65, seedLength: number): SignatureScheme {
  const expand = expander(scheme);
  return {
    async generateKeyPair(seed?: Uint8Array): Promise<KeyPair> {
      if (seed) expectLength(seed, seedLength, 'BAD_KEY', 'ML-DSA seed');
      const s = seed ? new Uint8Array(seed) : randomBytes(seedLength);
      return { publicKey: scheme.keygen(s).publicKey, secretKey: s };
    },
    async sign(secretKey, message) {
      expectLength(secretKey, seedLength, 'BAD_KEY', 'ML-DSA secret key');
      return scheme.sign(message, expand(secretKey));
    },
    async verify(publicKey, message, signature) {
      try {
        return scheme.verify(signature, message, publicKey);
      } catch {
        return false;
      }
    },
  };
}

const ed25519Scheme: SignatureScheme = {
  async generateKeyPair(seed) {
    if (seed) expectLength(seed, 32, 'BAD_KEY', 'Ed25519 seed');
    const secretKey = seed ? new Uint8Array(seed) : randomBytes(32);
    return { publicKey: ed25519.getPublicKey(secretKey), secretKey };
  },
  async sign(secretKey, message) {
    expectLength(secretKey, 32, 'BAD_KEY', 'Ed25519 secret key');
    return ed25519.sign(message, secretKey);
  },
  async verify(publicKey, message, signature) {
    try {
      // zip215: false gives RFC 8032 / FIPS 186-5 strict verification, as OpenSSL does.
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
};

/**
 * FIPS 203 §7.2 encapsulation input check: every 12-bit coefficient packed in the first 384·k
 * bytes of an ML-KEM-768 encapsulation key must be reduced mod q = 3329. @noble/post-quantum 0.5.2
 * runs this check but it can never fail (its ByteDecode12 does not reduce mod q; fixed upstream in
 * 0.6.0), and OpenSSL refuses such keys, so we check here; remove once noble is upgraded.
 */
function isReducedMlKem768PublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== SIZES.mlKem768PublicKey) return false;
  for (let i = 0; i < 384 * 3; i += 3) {
    const b0 = publicKey[i] as number;
    const b1 = publicKey[i + 1] as number;
    const b2 = publicKey[i + 2] as number;
    if ((b0 | ((b1 & 0x0f) << 8)) >= 3329 || ((b1 >> 4) | (b2 << 4)) >= 3329) return false;
  }
  return true;
}

const expandKem = expander(ml_kem768);
const mlKem768: KemScheme = {
  async generateKeyPair(seed) {
    if (seed) expectLength(seed, SIZES.mlKemSeed, 'BAD_KEY', 'ML-KEM-768 seed');
    const s = seed ? new Uint8Array(seed) : randomBytes(64);
    return { publicKey: ml_kem768.keygen(s).publicKey, secretKey: s };
  },
  async encapsulate(publicKey) {
    if (!isReducedMlKem768PublicKey(publicKey)) throw new ValiseError('BAD_KEY', 'invalid ML-KEM-768 public key');
    try {
      const { sharedSecret, cipherText } = ml_kem768.encapsulate(publicKey);
      return { sharedSecret, ciphertext: cipherText };
    } catch (cause) {
      throw new ValiseError('BAD_KEY', 'invalid ML-KEM-768 public key', { cause });
    }
  },
  async decapsulate(secretKey, ciphertext) {
    expectLength(secretKey, SIZES.mlKemSeed, 'BAD_KEY', 'ML-KEM-768 secret key');
    expectLength(ciphertext, SIZES.mlKem768Ciphertext, 'BAD_CIPHERTEXT', 'ML-KEM-768 ciphertext');
    return ml_kem768.decapsulate(ciphertext, expandKem(secretKey));
  },
};

const aes256gcm: AeadScheme = {
  keyLength: 32,
  nonceLength: 12,
  async encrypt(key, nonce, plaintext, aad) {
    // WebCrypto would quietly run AES-128 or AES-192 on a 16- or 24-byte key: refuse anything but 32.
    expectLength(key, SIZES.aes256gcmKey, 'BAD_KEY', 'AES-256-GCM key');
    expectLength(nonce, SIZES.aes256gcmNonce, 'BAD_NONCE', 'AES-256-GCM nonce');
    const k = await subtle().importKey('raw', buf(key), 'AES-GCM', false, ['encrypt']);
    const params = { name: 'AES-GCM', iv: buf(nonce), ...(aad ? { additionalData: buf(aad) } : {}) } as const;
    return new Uint8Array(await subtle().encrypt(params, k, buf(plaintext)));
  },
  async decrypt(key, nonce, ciphertext, aad) {
    expectLength(key, SIZES.aes256gcmKey, 'BAD_KEY', 'AES-256-GCM key');
    expectLength(nonce, SIZES.aes256gcmNonce, 'BAD_NONCE', 'AES-256-GCM nonce');
    const k = await subtle().importKey('raw', buf(key), 'AES-GCM', false, ['decrypt']);
    const params = { name: 'AES-GCM', iv: buf(nonce), ...(aad ? { additionalData: buf(aad) } : {}) } as const;
    try {
      return new Uint8Array(await subtle().decrypt(params, k, buf(ciphertext)));
    } catch (cause) {
      throw new ValiseError('DECRYPT_FAILED', 'authenticated decryption failed', { cause });
    }
  },
};

/** The WebCrypto + noble provider. */
export const webCryptoProvider: CryptoProvider = {
  name: 'web',
  randomBytes,
  async sha256(data) {
    return new Uint8Array(await subtle().digest('SHA-256', buf(data)));
  },
  async hkdfSha256(ikm, salt, info, length) {
    expectHkdfLength(length);
    const k = await subtle().importKey('raw', buf(ikm), 'HKDF', false, ['deriveBits']);
    const bits = await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: buf(salt), info: buf(info) }, k, length * 8);
    return new Uint8Array(bits);
  },
  ed25519: ed25519Scheme,
  mlDsa44: mlDsa(ml_dsa44, 32),
  mlDsa65: mlDsa(ml_dsa65, 32),
  mlDsa87: mlDsa(ml_dsa87, 32),
  x25519: {
    async generateKeyPair(seed) {
      if (seed) expectLength(seed, 32, 'BAD_KEY', 'X25519 seed');
      const secretKey = seed ? new Uint8Array(seed) : randomBytes(32);
      return { publicKey: x25519.getPublicKey(secretKey), secretKey };
    },
    async sharedSecret(secretKey, publicKey) {
      expectLength(secretKey, 32, 'BAD_KEY', 'X25519 secret key');
      try {
        return x25519.getSharedSecret(secretKey, publicKey);
      } catch (cause) {
        throw new ValiseError('BAD_KEY', 'invalid X25519 public key', { cause });
      }
    },
  },
  mlKem768,
  aes256gcm,
};
