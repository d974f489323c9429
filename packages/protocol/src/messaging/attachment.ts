/**
 * Attachments are encrypted on the client with a fresh AES-256-GCM key; the key travels inside the
 * MLS-encrypted message, the ciphertext goes to the server as an opaque blob.
 */
import { constantTimeEqual, fromBase64Url, toBase64Url } from '../bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { ValiseError } from '../errors.ts';

export interface SealedAttachment {
  ciphertext: Uint8Array;
  key: string;
  nonce: string;
  sha256: string;
}

/** Encrypt an attachment under a fresh key. */
export async function sealAttachment(crypto: CryptoProvider, plaintext: Uint8Array): Promise<SealedAttachment> {
  const key = crypto.randomBytes(32);
  const nonce = crypto.randomBytes(12);
  const ciphertext = await crypto.aes256gcm.encrypt(key, nonce, plaintext);
  return { ciphertext, key: toBase64Url(key), nonce: toBase64Url(nonce), sha256: toBase64Url(await crypto.sha256(plaintext)) };
}

/** Decrypt an attachment and check its digest. */
export async function openAttachment(
  crypto: CryptoProvider,
  ref: { key: string; nonce: string; sha256: string },
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  const plaintext = await crypto.aes256gcm.decrypt(fromBase64Url(ref.key), fromBase64Url(ref.nonce), ciphertext);
  if (!constantTimeEqual(await crypto.sha256(plaintext), fromBase64Url(ref.sha256))) {
    throw new ValiseError('ATTACHMENT_DIGEST_MISMATCH', 'attachment does not match its digest');
  }
  return plaintext;
}
