/**
 * In Node a profile's keys are encrypted under a passphrase through Argon2id (RFC 9106, memory-hard,
 * native in node:crypto), so a copied profile folder is useless without the passphrase.
 */
import { argon2 } from 'node:crypto';
import { type CryptoProvider, fromBase64Url, toBase64Url, utf8, ValiseError } from '@valise/protocol';
import { aeadStorageCipher } from '../aead-cipher.ts';
import type { StorageCipher } from '../storage.ts';

export interface KdfParams {
  alg: 'argon2id';
  salt: string;
  /** KiB */
  memory: number;
  passes: number;
  parallelism: number;
}

/** RFC 9106's second recommended option (64 MiB, 3 passes), suited to a laptop CLI. */
export function newKdfParams(crypto: CryptoProvider): KdfParams {
  return { alg: 'argon2id', salt: toBase64Url(crypto.randomBytes(16)), memory: 64 * 1024, passes: 3, parallelism: 1 };
}

export function deriveProfileKey(passphrase: string, params: KdfParams): Promise<Uint8Array> {
  if (passphrase.length === 0) return Promise.reject(new ValiseError('PASSPHRASE_EMPTY', 'the passphrase must not be empty'));
  return new Promise((resolve, reject) => {
    argon2(
      'argon2id',
      {
        message: utf8(passphrase),
        nonce: fromBase64Url(params.salt),
        memory: params.memory,
        passes: params.passes,
        parallelism: params.parallelism,
        tagLength: 32,
      },
      (err, key) => (err ? reject(err) : resolve(new Uint8Array(key))),
    );
  });
}

const CHECK = 'valise-profile-check-v1';

/** A sealed known value, stored beside the profile, that tells a wrong passphrase apart from corruption. */
export async function makeCheck(cipher: StorageCipher): Promise<string> {
  return toBase64Url(await cipher.seal(utf8(CHECK), utf8('check')));
}

export async function verifyCheck(cipher: StorageCipher, check: string): Promise<void> {
  try {
    await cipher.open(fromBase64Url(check), utf8('check'));
  } catch {
    throw new ValiseError('PASSPHRASE_WRONG', 'wrong passphrase for this profile (VALISE_PASSPHRASE or the one you typed)');
  }
}

export async function passphraseCipher(crypto: CryptoProvider, passphrase: string, params: KdfParams): Promise<StorageCipher> {
  return aeadStorageCipher(crypto, await deriveProfileKey(passphrase, params));
}
