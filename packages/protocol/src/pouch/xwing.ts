/**
 * X-Wing, the hybrid ML-KEM-768 + X25519 KEM of draft-connolly-cfrg-xwing-kem (version 06+), over
 * the crypto provider's native ML-KEM-768 and X25519. A pouch recipient's "pouch key" is an X-Wing
 * key: the 32-byte decapsulation seed is the secret key, the public key is pk_M (1184) || pk_X (32).
 *
 *   expand(sk)     = SHAKE256(sk, 96) -> d || z (ML-KEM-768 KeyGen_internal seed) || sk_X
 *   encapsulate    : ct = ct_M (1088) || ct_X (32),  ss = SHA3-256(ss_M || ss_X || ct_X || pk_X || "\.//^\")
 *
 * The combiner is written by hand (five lines) because the provider exposes the two component
 * KEMs natively, which @hpke/hybridkem-x-wing and noble's XWing (pure JS) cannot use; the test
 * cross-checks it against noble's XWing on the same seeds. SHAKE256 and SHA3-256 come from
 * @noble/hashes: they run once per key, never over bulk data.
 */
import { sha3_256, shake256 } from '@noble/hashes/sha3.js';
import { XWing as nobleXWing } from '@noble/post-quantum/hybrid.js';
import { concatBytes } from '../bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { ValiseError } from '../errors.ts';

export const XWING_SEED_LENGTH = 32;
export const XWING_PUBLIC_KEY_LENGTH = 1184 + 32;
export const XWING_CIPHERTEXT_LENGTH = 1088 + 32;
export const XWING_SHARED_SECRET_LENGTH = 32;
/** The encapsulation randomness of EncapsulateDerand: ML-KEM message (32) || X25519 ephemeral (32). */
export const XWING_ESEED_LENGTH = 64;

const XWING_LABEL = new Uint8Array([0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c]); // "\.//^\"

export interface XWingKeyPair {
  publicKey: Uint8Array;
  /** The 32-byte decapsulation seed. */
  secretKey: Uint8Array;
}

interface Expanded {
  mlKemSeed: Uint8Array;
  x25519Secret: Uint8Array;
  publicKey: Uint8Array;
}

async function expand(crypto: CryptoProvider, seed: Uint8Array): Promise<Expanded> {
  if (seed.length !== XWING_SEED_LENGTH) throw new ValiseError('BAD_KEY', 'an X-Wing secret key must be 32 bytes');
  const expanded = shake256(seed, { dkLen: 96 });
  const mlKemSeed = expanded.slice(0, 64);
  const x25519Secret = expanded.slice(64, 96);
  const [m, x] = await Promise.all([crypto.mlKem768.generateKeyPair(mlKemSeed), crypto.x25519.generateKeyPair(x25519Secret)]);
  return { mlKemSeed, x25519Secret, publicKey: concatBytes(m.publicKey, x.publicKey) };
}

function combine(ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array): Uint8Array {
  return sha3_256(concatBytes(ssM, ssX, ctX, pkX, XWING_LABEL));
}

/** Generate an X-Wing pouch key pair; with `seed` (32 bytes), deterministically from it. */
export async function generateXWingKeyPair(crypto: CryptoProvider, seed?: Uint8Array): Promise<XWingKeyPair> {
  const secretKey = seed ? new Uint8Array(seed) : crypto.randomBytes(XWING_SEED_LENGTH);
  return { publicKey: (await expand(crypto, secretKey)).publicKey, secretKey };
}

/**
 * Encapsulate to an X-Wing public key. With `eseed` (64 bytes) the encapsulation is the
 * deterministic EncapsulateDerand of the draft, run by noble (pure JS, a few ms): only for test
 * vectors, since the provider's native ML-KEM draws its own randomness.
 */
export async function xwingEncapsulate(
  crypto: CryptoProvider,
  publicKey: Uint8Array,
  eseed?: Uint8Array,
): Promise<{ sharedSecret: Uint8Array; ciphertext: Uint8Array }> {
  if (publicKey.length !== XWING_PUBLIC_KEY_LENGTH)
    throw new ValiseError('BAD_KEY', `an X-Wing public key must be ${XWING_PUBLIC_KEY_LENGTH} bytes`);
  if (eseed !== undefined) {
    if (eseed.length !== XWING_ESEED_LENGTH) throw new ValiseError('BAD_LENGTH', 'X-Wing encapsulation randomness must be 64 bytes');
    // Copies: noble wipes the component views it splits its inputs into, which would zero ours.
    const { sharedSecret, cipherText } = nobleXWing.encapsulate(publicKey.slice(), eseed.slice());
    return { sharedSecret, ciphertext: cipherText };
  }
  const pkM = publicKey.subarray(0, 1184);
  const pkX = publicKey.subarray(1184);
  const ephemeral = await crypto.x25519.generateKeyPair(crypto.randomBytes(32));
  const [m, ssX] = await Promise.all([crypto.mlKem768.encapsulate(pkM), crypto.x25519.sharedSecret(ephemeral.secretKey, pkX)]);
  return {
    sharedSecret: combine(m.sharedSecret, ssX, ephemeral.publicKey, pkX),
    ciphertext: concatBytes(m.ciphertext, ephemeral.publicKey),
  };
}

/** Decapsulate an X-Wing ciphertext with the 32-byte secret key (ML-KEM's implicit rejection: a wrong key gives a wrong secret, not an error). */
export async function xwingDecapsulate(crypto: CryptoProvider, secretKey: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
  if (ciphertext.length !== XWING_CIPHERTEXT_LENGTH)
    throw new ValiseError('BAD_CIPHERTEXT', `an X-Wing ciphertext must be ${XWING_CIPHERTEXT_LENGTH} bytes`);
  const key = await expand(crypto, secretKey);
  const ctX = ciphertext.subarray(1088);
  const [ssM, ssX] = await Promise.all([
    crypto.mlKem768.decapsulate(key.mlKemSeed, ciphertext.subarray(0, 1088)),
    crypto.x25519.sharedSecret(key.x25519Secret, ctX),
  ]);
  return combine(ssM, ssX, ctX, key.publicKey.subarray(1184));
}
