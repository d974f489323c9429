/**
 * ts-mls's cipher suite implementation, rebuilt on Valise's CryptoProvider so that the expensive
 * primitives run where they are fastest: with `nodeCryptoProvider`, ML-DSA-87 / Ed25519 signatures
 * and X-Wing's ML-KEM-768 + X25519 go through node:crypto (OpenSSL 3.5, native); with
 * `webCryptoProvider` they go through noble. Hashing, HMAC, HKDF and the message AEAD (many small
 * calls per message) come from the context's synchronous native primitives when it has them
 * (native.ts: node:crypto in Node), else from ts-mls's own providers: its WebCrypto-based default
 * in Node, its noble provider in the browser. HPKE's own key schedule stays on @hpke/core.
 *
 * The X-Wing KEM below is byte-compatible with @hpke/hybridkem-x-wing (what ts-mls uses on its
 * own): the private key is the 32-byte X-Wing seed, expanded with SHAKE-256 into the ML-KEM-768
 * d||z seed and the X25519 scalar, and DeriveKeyPair(ikm) = expand(SHAKE-256(ikm, 32)). The test
 * suite cross-checks it against that library, so Node and browser members of one group agree.
 *
 * Everything that imports ts-mls lives in this folder; ts-mls is pinned at 1.6.4 and some imports
 * reach into its internal modules (`ts-mls/….js`), which its 2.0 rewrite will move.
 */
import { Aes256Gcm, CipherSuite, HkdfSha512, KemId, type KemInterface } from '@hpke/core';
import { sha3_256, shake256 } from '@noble/hashes/sha3.js';
import {
  type CiphersuiteImpl,
  defaultCryptoProvider,
  getCiphersuiteFromName,
  type Hpke,
  nobleCryptoProvider,
  type Signature,
} from 'ts-mls';
import { makeGenericHpke } from 'ts-mls/crypto/implementation/hpke.js';
import { CryptoError } from 'ts-mls/mlsError.js';
import { concatBytes, constantTimeEqual } from '../bytes.ts';
import type { CryptoProvider, SignatureScheme } from '../crypto/provider.ts';
import { ValiseError } from '../errors.ts';
import type { MlsNativePrimitives } from './native.ts';
import { MLS_SUITE_NAMES, MLS_SUITES, type MlsSuiteId } from './suites.ts';

const XWING_NAME = 'X-Wing';
const XWING_PUBLIC_KEY_LENGTH = 1216; // ML-KEM-768 public (1184) || X25519 public (32)
const XWING_ENC_LENGTH = 1120; // ML-KEM-768 ciphertext (1088) || X25519 ephemeral public (32)
const XWING_SEED_LENGTH = 32;
// The X-Wing combiner label "\./" || "/^\" (draft-connolly-cfrg-xwing-kem).
const XWING_LABEL = new Uint8Array([0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c]);

/** A raw key in the shape @hpke/core passes around (it only hands keys back to the KEM). */
interface RawKemKey {
  readonly type: 'public' | 'private';
  readonly algorithm: { readonly name: string };
  readonly extractable: boolean;
  readonly usages: string[];
  readonly key: Uint8Array;
}

const rawKey = (type: 'public' | 'private', key: Uint8Array): RawKemKey => ({
  type,
  algorithm: { name: XWING_NAME },
  extractable: true,
  usages: type === 'private' ? ['deriveBits'] : [],
  key: new Uint8Array(key),
});

function keyBytes(key: unknown, type: 'public' | 'private', length: number): Uint8Array {
  const k = key as Partial<RawKemKey> | undefined;
  if (!k || k.type !== type || k.algorithm?.name !== XWING_NAME || !(k.key instanceof Uint8Array) || k.key.length !== length) {
    throw new ValiseError('BAD_KEY', `not an X-Wing ${type} key`);
  }
  return k.key;
}

function asBytes(b: ArrayBufferLike | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);
}

const toArrayBuffer = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer;

/** The X-Wing KEM (ML-KEM-768 + X25519, SHA3-256 combiner) on a Valise crypto provider. */
export function xWingKem(crypto: CryptoProvider): KemInterface {
  async function expand(seed: Uint8Array, withMlKemPublic: boolean) {
    const expanded = shake256(seed, { dkLen: 96 });
    const mlKemSeed = expanded.subarray(0, 64);
    const x25519Secret = expanded.subarray(64, 96);
    const x = await crypto.x25519.generateKeyPair(x25519Secret);
    const mlKemPublic = withMlKemPublic ? (await crypto.mlKem768.generateKeyPair(mlKemSeed)).publicKey : undefined;
    return { mlKemSeed, mlKemPublic, x25519Secret, x25519Public: x.publicKey };
  }
  const combine = (ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array) =>
    sha3_256(concatBytes(ssM, ssX, ctX, pkX, XWING_LABEL));
  async function keyPairFromSeed(seed: Uint8Array) {
    const e = await expand(seed, true);
    const publicKey = concatBytes(e.mlKemPublic as Uint8Array, e.x25519Public);
    // @hpke/core types keys as WebCrypto CryptoKeys; it only ever hands them back to this KEM.
    return { privateKey: rawKey('private', seed), publicKey: rawKey('public', publicKey) } as never;
  }

  return {
    id: KemId.XWing,
    secretSize: 32,
    encSize: XWING_ENC_LENGTH,
    publicKeySize: XWING_PUBLIC_KEY_LENGTH,
    privateKeySize: XWING_SEED_LENGTH,
    async serializePublicKey(key) {
      return toArrayBuffer(keyBytes(key, 'public', XWING_PUBLIC_KEY_LENGTH));
    },
    async deserializePublicKey(key) {
      const bytes = asBytes(key);
      if (bytes.length !== XWING_PUBLIC_KEY_LENGTH) throw new ValiseError('BAD_KEY', 'X-Wing public key must be 1216 bytes');
      return rawKey('public', bytes) as never;
    },
    async serializePrivateKey(key) {
      return toArrayBuffer(keyBytes(key, 'private', XWING_SEED_LENGTH));
    },
    async deserializePrivateKey(key) {
      const bytes = asBytes(key);
      if (bytes.length !== XWING_SEED_LENGTH) throw new ValiseError('BAD_KEY', 'X-Wing private key must be 32 bytes');
      return rawKey('private', bytes) as never;
    },
    async importKey(format, key, isPublic = true) {
      if (format !== 'raw' || !(key instanceof ArrayBuffer || ArrayBuffer.isView(key))) {
        throw new ValiseError('BAD_KEY', 'X-Wing keys are imported raw');
      }
      return isPublic ? this.deserializePublicKey(key) : this.deserializePrivateKey(key);
    },
    async generateKeyPair() {
      return keyPairFromSeed(crypto.randomBytes(XWING_SEED_LENGTH));
    },
    async deriveKeyPair(ikm) {
      return keyPairFromSeed(shake256(asBytes(ikm), { dkLen: XWING_SEED_LENGTH }));
    },
    async encap(params) {
      if (params.ekm !== undefined) throw new ValiseError('BAD_KEY', 'derandomised X-Wing encapsulation is not supported');
      const pk = keyBytes(params.recipientPublicKey, 'public', XWING_PUBLIC_KEY_LENGTH);
      const pkM = pk.subarray(0, 1184);
      const pkX = pk.subarray(1184);
      const ephemeral = await crypto.x25519.generateKeyPair();
      const [ssX, kem] = await Promise.all([crypto.x25519.sharedSecret(ephemeral.secretKey, pkX), crypto.mlKem768.encapsulate(pkM)]);
      const ctX = ephemeral.publicKey;
      return {
        sharedSecret: toArrayBuffer(combine(kem.sharedSecret, ssX, ctX, pkX)),
        enc: toArrayBuffer(concatBytes(kem.ciphertext, ctX)),
      };
    },
    async decap(params) {
      const recipient = (params.recipientKey as { privateKey?: unknown }).privateKey ?? params.recipientKey;
      const seed = keyBytes(recipient, 'private', XWING_SEED_LENGTH);
      const enc = asBytes(params.enc);
      if (enc.length !== XWING_ENC_LENGTH) throw new ValiseError('BAD_KEY', 'X-Wing ciphertext must be 1120 bytes');
      const ctM = enc.subarray(0, 1088);
      const ctX = enc.subarray(1088);
      const e = await expand(seed, false);
      const [ssM, ssX] = await Promise.all([
        crypto.mlKem768.decapsulate(e.mlKemSeed, ctM),
        crypto.x25519.sharedSecret(e.x25519Secret, ctX),
      ]);
      return toArrayBuffer(combine(ssM, ssX, ctX, e.x25519Public));
    },
  };
}

/** ts-mls signatures on a Valise signature scheme. Signing keys are 32-byte seeds (RFC 8032 / FIPS 204). */
function signatureFrom(scheme: SignatureScheme): Signature {
  return {
    sign: (signKey, message) => scheme.sign(signKey, message),
    verify: (publicKey, message, signature) => scheme.verify(publicKey, message, signature),
    async keygen() {
      const kp = await scheme.generateKeyPair();
      return { publicKey: kp.publicKey, signKey: kp.secretKey };
    },
  };
}

type HashName = 'SHA-256' | 'SHA-512';

function nativeHash(native: MlsNativePrimitives, hash: HashName): CiphersuiteImpl['hash'] {
  return {
    digest: async (data) => native.digest(hash, data),
    mac: async (key, data) => native.hmac(hash, key, data),
    verifyMac: async (key, mac, data) => constantTimeEqual(native.hmac(hash, key, data), mac),
  };
}

/** RFC 5869 HKDF on the native HMAC (extract with an empty salt equals extract with HashLen zeros). */
function nativeKdf(native: MlsNativePrimitives, hash: HashName): CiphersuiteImpl['kdf'] {
  const size = hash === 'SHA-256' ? 32 : 64;
  return {
    size,
    extract: async (salt, ikm) => native.hmac(hash, salt, ikm),
    async expand(prk, info, length) {
      if (length > 255 * size) throw new ValiseError('BAD_LENGTH', 'HKDF output too long');
      const out = new Uint8Array(length);
      let block: Uint8Array = new Uint8Array(0);
      for (let i = 0, offset = 0; offset < length; i++) {
        block = native.hmac(hash, prk, concatBytes(block, info, new Uint8Array([i + 1])));
        out.set(block.subarray(0, Math.min(size, length - offset)), offset);
        offset += size;
      }
      return out;
    },
  };
}

type Aead = { encrypt: Hpke['encryptAead']; decrypt: Hpke['decryptAead'] };

function nativeAead(native: MlsNativePrimitives): Aead {
  return {
    encrypt: async (key, nonce, aad, plaintext) => native.aesGcmSeal(key, nonce, aad ?? new Uint8Array(0), plaintext),
    async decrypt(key, nonce, aad, ciphertext) {
      try {
        return native.aesGcmOpen(key, nonce, aad ?? new Uint8Array(0), ciphertext);
      } catch (err) {
        // ts-mls's own type for a failed decryption, so callers classify it the same way.
        throw new CryptoError(`AEAD decryption failed: ${err instanceof Error ? err.name : 'error'}`);
      }
    },
  };
}

async function buildCiphersuite(
  crypto: CryptoProvider,
  suite: MlsSuiteId,
  native: MlsNativePrimitives | undefined,
): Promise<CiphersuiteImpl> {
  const cs = getCiphersuiteFromName(MLS_SUITE_NAMES[suite]);
  // Without native primitives: in Node, ts-mls's default provider reaches OpenSSL through
  // WebCrypto for hashes, HMAC, HKDF and AES-GCM; browsers get its noble provider.
  const base = await (crypto.name === 'node' ? defaultCryptoProvider : nobleCryptoProvider).getCiphersuiteImpl(cs);
  const rng = { randomBytes: (n: number) => crypto.randomBytes(n) };
  const hash = cs.hash as HashName;
  const aead: Aead = native
    ? nativeAead(native)
    : {
        encrypt: (k, n, aad, pt) => base.hpke.encryptAead(k, n, aad, pt),
        decrypt: (k, n, aad, ct) => base.hpke.decryptAead(k, n, aad, ct),
      };
  const common = {
    ...base,
    rng,
    hash: native ? nativeHash(native, hash) : base.hash,
    kdf: native ? nativeKdf(native, hash) : base.kdf,
  };
  if (suite === MLS_SUITES.classic) {
    // DHKEM(X25519) in @hpke/core already runs on WebCrypto (native in Node and current browsers).
    return {
      ...common,
      hpke: { ...base.hpke, encryptAead: aead.encrypt, decryptAead: aead.decrypt },
      signature: signatureFrom(crypto.ed25519),
    };
  }
  const hpkeSuite = new CipherSuite({ kem: xWingKem(crypto), kdf: new HkdfSha512(), aead: new Aes256Gcm() });
  const hpke = await makeGenericHpke(cs.hpke, aead, hpkeSuite);
  return { ...common, hpke, signature: signatureFrom(crypto.mlDsa87) };
}

const cache = new WeakMap<CryptoProvider, Map<string, Promise<CiphersuiteImpl>>>();

/** The (cached) ts-mls cipher suite implementation for `suite` on `crypto` (and `native`, if given). */
export function mlsCiphersuite(crypto: CryptoProvider, suite: MlsSuiteId, native?: MlsNativePrimitives): Promise<CiphersuiteImpl> {
  let perProvider = cache.get(crypto);
  if (!perProvider) {
    perProvider = new Map();
    cache.set(crypto, perProvider);
  }
  const key = `${suite}/${native?.name ?? '-'}`;
  let impl = perProvider.get(key);
  if (!impl) {
    impl = buildCiphersuite(crypto, suite, native);
    impl.catch(() => perProvider.delete(key));
    perProvider.set(key, impl);
  }
  return impl;
}
