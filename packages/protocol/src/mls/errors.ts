/**
 * The MLS layer's failure codes, and the translation of ts-mls's exceptions into them. Callers act
 * on the code; the message is for people and never contains key material or plaintext.
 */
import { CodecError, CryptoError, CryptoVerificationError, ValidationError } from 'ts-mls/mlsError.js';
import { ValiseError } from '../errors.ts';
import type { RejectionLog } from './credential.ts';

export const MLS_ERROR_CODES = {
  /** The authentication service refused a credential: unknown device, or a binding that does not verify. */
  credentialRejected: 'MLS_CREDENTIAL_REJECTED',
  /** A credential's bytes are not a Valise credential. */
  badCredential: 'MLS_BAD_CREDENTIAL',
  /** A deviceId or person name cannot be put in a credential. */
  badIdentity: 'MLS_BAD_IDENTITY',
  /** A key package is malformed, of another suite, expired, or its signatures do not verify. */
  badKeyPackage: 'MLS_BAD_KEY_PACKAGE',
  /** A message could not be decrypted or authenticated (tampered, forged, replayed, or keys gone). */
  decryptFailed: 'MLS_DECRYPT_FAILED',
  /** Bytes that are not the expected MLS message (wrong framing, wrong content type, trailing bytes). */
  badMessage: 'MLS_BAD_MESSAGE',
  /** A message for another group. */
  wrongGroup: 'MLS_WRONG_GROUP',
  /** A message for an epoch this state cannot handle (a future one, or one whose keys are gone). */
  wrongEpoch: 'MLS_WRONG_EPOCH',
  /** This device is not (or no longer) a member, a Welcome is not for it, or a device to remove is absent. */
  notAMember: 'MLS_NOT_A_MEMBER',
  /** A device to add is already in the group (or twice in one request). */
  alreadyMember: 'MLS_ALREADY_MEMBER',
  /** A committer may not remove itself; another member must. */
  cannotRemoveSelf: 'MLS_CANNOT_REMOVE_SELF',
  /** An add or remove with nothing in it. */
  emptyCommit: 'MLS_EMPTY_COMMIT',
  /** A commit that decrypted and authenticated but breaks RFC 9420's rules (tree, proposals, confirmation). */
  invalidCommit: 'MLS_INVALID_COMMIT',
  /** A Welcome that cannot be joined from (bad group info, secrets, or signature). */
  invalidWelcome: 'MLS_INVALID_WELCOME',
  /** A served ratchet tree that is malformed or does not match the tree hash the group signed. */
  badTree: 'MLS_BAD_TREE',
  /** A stored group state that cannot be decoded, or an object that is not an MlsGroup. */
  badState: 'MLS_BAD_STATE',
  /** A group id that is empty or longer than 255 bytes. */
  badGroupId: 'MLS_BAD_GROUP_ID',
  /** A cipher suite Valise does not speak. */
  unsupportedSuite: 'MLS_UNSUPPORTED_SUITE',
} as const;

export type MlsErrorCode = (typeof MLS_ERROR_CODES)[keyof typeof MLS_ERROR_CODES];

/** True for failures of decryption or of a message signature, as opposed to protocol-rule violations. */
export function isCryptoFailure(err: unknown): boolean {
  if (err instanceof CryptoError || err instanceof CodecError) return true;
  if (err instanceof CryptoVerificationError && /signature invalid/i.test(err.message)) return true;
  // The message key for that generation was already used or discarded (a replay, or too old).
  return err instanceof ValidationError && /desired gen in the past/i.test(err.message);
}

/** True for failures that blame the ratchet tree (as opposed to the Welcome around it). */
export function isTreeFailure(err: unknown): boolean {
  return (
    (err instanceof ValidationError || err instanceof CryptoVerificationError) &&
    /tree|parent hash|own leaf|unmerged|hpke keys not unique|signature keys not unique/i.test(err.message)
  );
}

/**
 * Turn whatever an operation threw into a ValiseError: ours pass through, a refusal by the
 * authentication service wins over ts-mls's generic wording, the rest get `code`.
 */
export function mlsFailure(err: unknown, log: RejectionLog | undefined, code: MlsErrorCode, message: string): ValiseError {
  if (err instanceof ValiseError) return err;
  if (log && log.rejected > 0) {
    return new ValiseError(
      MLS_ERROR_CODES.credentialRejected,
      'a credential in this operation was rejected by the authentication service',
      {
        cause: err,
      },
    );
  }
  return new ValiseError(code, message, { cause: err });
}
