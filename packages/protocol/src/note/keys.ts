/**
 * C2SP signed-note keys (c2sp.org/signed-note): key names, key IDs, verifier keys (vkeys) in the
 * `<name>+<hex key ID>+<base64(type || public key)>` text form, and Ed25519 (type 0x01) note
 * signers and verifiers. The `PRIVATE+KEY+...` signer key form is not in the C2SP spec: it is the
 * golang.org/x/mod/sumdb/note format, supported for Ed25519 so keys move between the two tools.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from '../bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { ValiseError } from '../errors.ts';
import { fromStdBase64, toStdBase64 } from './base64.ts';
import { hasAsciiControl } from './text.ts';

/** Signature type identifier bytes assigned by c2sp.org/signed-note that Valise implements. */
export const NOTE_SIGNATURE_TYPE = {
  /** Ed25519 note signature over the note text. */
  ed25519: 0x01,
  /** Timestamped Ed25519 checkpoint cosignature (c2sp.org/tlog-cosignature). */
  ed25519Cosignature: 0x04,
  /** Timestamped ML-DSA-44 (sub)tree cosignature (c2sp.org/tlog-cosignature). */
  mlDsa44Cosignature: 0x06,
} as const;

export type NoteSignatureType = (typeof NOTE_SIGNATURE_TYPE)[keyof typeof NOTE_SIGNATURE_TYPE];

const PUBLIC_KEY_LENGTH: Record<NoteSignatureType, number> = { 1: 32, 4: 32, 6: 1312 };

/** Something that signs note text under a key name and key ID (the signature excludes the key ID). */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(text: Uint8Array): Promise<Uint8Array>;
}

/** Something that checks a note signature (without its 4-byte key ID) over the note text. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  /** Never throws on a malformed signature: returns false. */
  verify(text: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/** A verifier key (vkey) decoded from its text form. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: NoteSignatureType;
  readonly publicKey: Uint8Array;
}

// Unicode White_Space is exactly the set Go's unicode.IsSpace tests (the reference implementation).
const FORBIDDEN_IN_NAME = /[\p{White_Space}+]/u;

/**
 * True when `name` may be a key name: non-empty, no Unicode space, no plus (the spec's rules), and
 * no control character (which could never appear in a note).
 */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' && name.length > 0 && name.isWellFormed() && !FORBIDDEN_IN_NAME.test(name) && !hasAsciiControl(name, false)
  );
}

function expectKeyName(name: string): void {
  if (!isValidKeyName(name)) throw new ValiseError('NOTE_BAD_KEY', 'invalid key name');
}

/** The recommended key ID: SHA-256(key name || 0x0A || signature type || public key)[:4], big-endian. */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const digest = sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, type), publicKey));
  return ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
}

/** The key ID as 8 lower-case hex digits, as in vkeys. */
export function keyIdHex(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

function expectPublicKey(type: number, publicKey: Uint8Array): asserts type is NoteSignatureType {
  const length = PUBLIC_KEY_LENGTH[type as NoteSignatureType];
  if (length === undefined) throw new ValiseError('NOTE_BAD_KEY', 'unsupported signature type');
  if (publicKey.length !== length) throw new ValiseError('NOTE_BAD_KEY', `public key of type ${type} must be ${length} bytes`);
}

/** Encode a verifier key `<name>+<hex key ID>+<base64(type || public key)>`. */
export function encodeVerifierKey(name: string, type: NoteSignatureType, publicKey: Uint8Array): string {
  expectKeyName(name);
  expectPublicKey(type, publicKey);
  return `${name}+${keyIdHex(noteKeyId(name, type, publicKey))}+${toStdBase64(concatBytes(Uint8Array.of(type), publicKey))}`;
}

/**
 * Decode a verifier key strictly: valid name, 8 lower-case hex digits, canonical base64 of a known
 * signature type and a public key of its length, and a key ID that matches. Else NOTE_BAD_KEY.
 */
export function parseVerifierKey(vkey: string): VerifierKey {
  if (typeof vkey !== 'string') throw new ValiseError('NOTE_BAD_KEY', 'verifier key must be a string');
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw new ValiseError('NOTE_BAD_KEY', 'verifier key must be name+keyid+key');
  const name = vkey.slice(0, first);
  const hex = vkey.slice(first + 1, second);
  expectKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(hex)) throw new ValiseError('NOTE_BAD_KEY', 'key ID must be 8 lower-case hex digits');
  const raw = fromStdBase64(vkey.slice(second + 1), 'NOTE_BAD_KEY');
  if (raw.length < 1) throw new ValiseError('NOTE_BAD_KEY', 'empty key');
  const type = raw[0]!;
  const publicKey = raw.slice(1);
  expectPublicKey(type, publicKey);
  const keyId = noteKeyId(name, type, publicKey);
  if (keyIdHex(keyId) !== hex) throw new ValiseError('NOTE_BAD_KEY', 'key ID does not match the key');
  return { name, keyId, type, publicKey };
}

/** An Ed25519 (type 0x01) note verifier. */
export function ed25519NoteVerifier(crypto: CryptoProvider, name: string, publicKey: Uint8Array): NoteVerifier {
  expectKeyName(name);
  expectPublicKey(NOTE_SIGNATURE_TYPE.ed25519, publicKey);
  const key = publicKey.slice();
  return {
    name,
    keyId: noteKeyId(name, NOTE_SIGNATURE_TYPE.ed25519, key),
    verify: async (text, signature) => signature.length === 64 && crypto.ed25519.verify(key, text, signature),
  };
}

/** An Ed25519 (type 0x01) note signer from a 32-byte RFC 8032 private key. */
export async function ed25519NoteSigner(crypto: CryptoProvider, name: string, secretKey: Uint8Array): Promise<NoteSigner> {
  expectKeyName(name);
  const { publicKey } = await crypto.ed25519.generateKeyPair(secretKey);
  const key = secretKey.slice();
  return {
    name,
    keyId: noteKeyId(name, NOTE_SIGNATURE_TYPE.ed25519, publicKey),
    sign: (text) => crypto.ed25519.sign(key, text),
  };
}

/** Encode an Ed25519 signer key in the golang.org/x/mod form `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>`. */
export async function encodeSignerKey(crypto: CryptoProvider, name: string, secretKey: Uint8Array): Promise<string> {
  expectKeyName(name);
  const { publicKey } = await crypto.ed25519.generateKeyPair(secretKey);
  const id = keyIdHex(noteKeyId(name, NOTE_SIGNATURE_TYPE.ed25519, publicKey));
  return `PRIVATE+KEY+${name}+${id}+${toStdBase64(concatBytes(Uint8Array.of(NOTE_SIGNATURE_TYPE.ed25519), secretKey))}`;
}

/** Decode a golang.org/x/mod Ed25519 signer key strictly (the key ID must match); else NOTE_BAD_KEY. */
export async function parseSignerKey(
  crypto: CryptoProvider,
  skey: string,
): Promise<{ name: string; keyId: number; secretKey: Uint8Array }> {
  if (typeof skey !== 'string' || !skey.startsWith('PRIVATE+KEY+'))
    throw new ValiseError('NOTE_BAD_KEY', 'signer key must start PRIVATE+KEY+');
  const rest = skey.slice('PRIVATE+KEY+'.length);
  const first = rest.indexOf('+');
  const second = first < 0 ? -1 : rest.indexOf('+', first + 1);
  if (second < 0) throw new ValiseError('NOTE_BAD_KEY', 'signer key must be PRIVATE+KEY+name+keyid+key');
  const name = rest.slice(0, first);
  const hex = rest.slice(first + 1, second);
  expectKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(hex)) throw new ValiseError('NOTE_BAD_KEY', 'key ID must be 8 lower-case hex digits');
  const raw = fromStdBase64(rest.slice(second + 1), 'NOTE_BAD_KEY');
  if (raw.length !== 33 || raw[0] !== NOTE_SIGNATURE_TYPE.ed25519) throw new ValiseError('NOTE_BAD_KEY', 'unsupported signer key');
  const secretKey = raw.slice(1);
  const { publicKey } = await crypto.ed25519.generateKeyPair(secretKey);
  const keyId = noteKeyId(name, NOTE_SIGNATURE_TYPE.ed25519, publicKey);
  if (keyIdHex(keyId) !== hex) throw new ValiseError('NOTE_BAD_KEY', 'key ID does not match the key');
  return { name, keyId, secretKey };
}
