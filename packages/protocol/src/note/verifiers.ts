/** Turn a verifier key (vkey) of any signature type Valise implements into a note verifier. */
import type { CryptoProvider } from '../crypto/provider.ts';
import { ed25519CosignatureVerifier, mlDsa44CosignatureVerifier } from './cosignature.ts';
import { ed25519NoteVerifier, NOTE_SIGNATURE_TYPE, type NoteVerifier, parseVerifierKey, type VerifierKey } from './keys.ts';

/** A NoteVerifier for a vkey of type 0x01 (Ed25519 note), 0x04 (Ed25519 cosignature) or 0x06 (ML-DSA-44 cosignature). */
export function noteVerifierFromKey(crypto: CryptoProvider, vkey: string | VerifierKey): NoteVerifier {
  const key = typeof vkey === 'string' ? parseVerifierKey(vkey) : vkey;
  switch (key.type) {
    case NOTE_SIGNATURE_TYPE.ed25519:
      return ed25519NoteVerifier(crypto, key.name, key.publicKey);
    case NOTE_SIGNATURE_TYPE.ed25519Cosignature:
      return ed25519CosignatureVerifier(crypto, key.name, key.publicKey);
    case NOTE_SIGNATURE_TYPE.mlDsa44Cosignature:
      return mlDsa44CosignatureVerifier(crypto, key.name, key.publicKey);
  }
}
