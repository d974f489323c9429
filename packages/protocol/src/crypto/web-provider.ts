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

const subtle = (): SubtleCrypto => {
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
      const s = seed ?? randomBytes(seedLength);
      return { publicKey: scheme.keygen(s).publicKey, secretKey: s };
    },
    async sign(secretKey, message) {
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
    const secretKey = seed ?? randomBytes(32);
    return { publicKey: ed25519.getPublicKey(secretKey), secretKey };
  },
  async sign(secretKey, message) {
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

const expandKem = expander(ml_kem768);
const mlKem768: KemScheme = {
  async generateKeyPair(seed) {
    const s = seed ?? randomBytes(64);
    return { publicKey: ml_kem768.keygen(s).publicKey, secretKey: s };
  },
  async encapsulate(publicKey) {
    try {
      const { sharedSecret, cipherText } = ml_kem768.encapsulate(publicKey);
      return { sharedSecret, ciphertext: cipherText };
    } catch (cause) {
      throw new ValiseError('BAD_KEY', 'invalid ML-KEM-768 public key', { cause });
    }
  },
  async decapsulate(secretKey, ciphertext) {
    return ml_kem768.decapsulate(ciphertext, expandKem(secretKey));
  },
};

const aes256gcm: AeadScheme = {
  keyLength: 32,
  nonceLength: 12,
  async encrypt(key, nonce, plaintext, aad) {
    const k = await subtle().importKey('raw', buf(key), 'AES-GCM', false, ['encrypt']);
    const params: AesGcmParams = { name: 'AES-GCM', iv: buf(nonce) };
    if (aad) params.additionalData = buf(aad);
    return new Uint8Array(await subtle().encrypt(params, k, buf(plaintext)));
  },
  async decrypt(key, nonce, ciphertext, aad) {
    const k = await subtle().importKey('raw', buf(key), 'AES-GCM', false, ['decrypt']);
    const params: AesGcmParams = { name: 'AES-GCM', iv: buf(nonce) };
    if (aad) params.additionalData = buf(aad);
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
      const secretKey = seed ?? randomBytes(32);
      return { publicKey: x25519.getPublicKey(secretKey), secretKey };
    },
    async sharedSecret(secretKey, publicKey) {
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
