/**
 * The MLS cipher suites Valise speaks. Two, on purpose: one post-quantum suite for everything by
 * default, and the RFC 9420 mandatory-to-implement classic suite for comparison and fallback.
 *
 * Suite 87 (X-Wing KEM = ML-KEM-768 + X25519, AES-256-GCM, SHA-512, ML-DSA-87 signatures) is a
 * PRIVATE-USE id: IANA has not assigned it; the number comes from ts-mls, which follows the
 * post-quantum MLS drafts. Peers must therefore agree on its meaning out of band (every Valise
 * client and server does, here), and it must never be assumed to interoperate with another MLS
 * implementation that happens to use 87 for something else.
 */
import { ValiseError } from '../errors.ts';

export const MLS_SUITES = {
  /** MLS_256_XWING_AES256GCM_SHA512_MLDSA87: private-use id 87 (not IANA-assigned). */
  postQuantum: 87,
  /** MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519: RFC 9420 id 1. */
  classic: 1,
} as const;

export type MlsSuiteId = (typeof MLS_SUITES)[keyof typeof MLS_SUITES];

export const MLS_SUITE_NAMES = {
  87: 'MLS_256_XWING_AES256GCM_SHA512_MLDSA87',
  1: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
} as const satisfies Record<MlsSuiteId, string>;

export type MlsSuiteName = (typeof MLS_SUITE_NAMES)[MlsSuiteId];

/** The suite new groups use unless told otherwise: the post-quantum one. */
export const DEFAULT_MLS_SUITE: MlsSuiteId = MLS_SUITES.postQuantum;

/**
 * Length of the MLS leaf signature public key per suite. Fixed lengths keep the credential binding
 * (suite || signature key || device || 0 || person) unambiguous without extra framing.
 */
export const MLS_SIGNATURE_PUBLIC_KEY_LENGTH = { 87: 2592, 1: 32 } as const satisfies Record<MlsSuiteId, number>;

/** True when `suite` is one Valise supports. */
export function isMlsSuite(suite: number): suite is MlsSuiteId {
  return suite === MLS_SUITES.postQuantum || suite === MLS_SUITES.classic;
}

/** Narrow a number to a supported suite or throw MLS_UNSUPPORTED_SUITE. */
export function requireMlsSuite(suite: number): MlsSuiteId {
  if (!isMlsSuite(suite)) throw new ValiseError('MLS_UNSUPPORTED_SUITE', `MLS cipher suite ${suite} is not supported`);
  return suite;
}

/** The suite id for a ts-mls suite name, or MLS_UNSUPPORTED_SUITE. */
export function suiteIdFromName(name: string): MlsSuiteId {
  for (const id of [MLS_SUITES.postQuantum, MLS_SUITES.classic] as const) if (MLS_SUITE_NAMES[id] === name) return id;
  throw new ValiseError('MLS_UNSUPPORTED_SUITE', 'MLS cipher suite is not supported');
}
