/**
 * Trusting a checkpoint of the server's audit log, shared by auditors (`auditLog`) and by the
 * key-transparency checks every client makes before encrypting to a device:
 * - `verifyLogCheckpoint`: the note must carry both the log's Ed25519 signature and its ML-DSA-44
 *   cosignature (so a quantum-broken Ed25519 alone cannot forge one), and its origin must be the
 *   key name;
 * - `requireConsistentForward`: a checkpoint seen before must be a prefix of the new one (no
 *   rollback, no fork), checked with an RFC 6962 consistency proof;
 * - an optional witness policy: at least `minimum` distinct trusted witnesses (c2sp.org/tlog-witness)
 *   must have cosigned the checkpoint, so a log showing different views to different clients
 *   would need those witnesses' collusion.
 */
import {
  type Checkpoint,
  type CryptoProvider,
  constantTimeEqual,
  fromStdBase64,
  NOTE_SIGNATURE_TYPE,
  type NoteVerifier,
  noteVerifierFromKey,
  openCheckpoint,
  parseSignedNote,
  parseVerifierKey,
  utf8,
  ValiseError,
  type VerifierKey,
  verifyConsistency,
} from '@valise/protocol';

/** The log's two verifier keys (vkey text): the Ed25519 note key and the ML-DSA-44 cosigner key. */
export interface AuditLogKeys {
  readonly vkey: string;
  readonly vkeyMldsa: string;
}

/** A checkpoint verified earlier: tree size and standard base64 root hash. */
export interface AuditLogState {
  readonly size: number;
  readonly root: string;
}

export function unverified(message: string, cause?: unknown): ValiseError {
  return new ValiseError('AUDIT_CHECKPOINT_UNVERIFIED', message, cause === undefined ? undefined : { cause });
}

/** Parse the two lines of /log/vkey and check their types. */
export function parseLogKeys(keys: AuditLogKeys): { ed: VerifierKey; mldsa: VerifierKey } {
  let ed: VerifierKey;
  let mldsa: VerifierKey;
  try {
    ed = parseVerifierKey(keys.vkey);
    mldsa = parseVerifierKey(keys.vkeyMldsa);
  } catch (cause) {
    throw unverified('the log verifier keys are malformed', cause);
  }
  if (ed.type !== NOTE_SIGNATURE_TYPE.ed25519) throw unverified('the first log key is not an Ed25519 note key');
  if (mldsa.type !== NOTE_SIGNATURE_TYPE.mlDsa44Cosignature) throw unverified('the second log key is not an ML-DSA-44 cosignature key');
  if (ed.name !== mldsa.name) throw unverified('the two log keys name different logs');
  return { ed, mldsa };
}

/** Witnesses a client trusts and how many of them must have cosigned a checkpoint. */
export interface WitnessPolicy {
  /** Witness cosignature vkeys (ML-DSA-44 type 0x06 or Ed25519 type 0x04); keys sharing a name are one witness. */
  readonly witnesses: readonly string[];
  /** Distinct witnesses whose cosignature must verify. */
  readonly minimum: number;
}

function witnessVerifiers(crypto: CryptoProvider, policy: WitnessPolicy, logName: string): NoteVerifier[] {
  if (!Number.isSafeInteger(policy.minimum) || policy.minimum < 0) {
    throw new ValiseError('AUDIT_WITNESS_POLICY_INVALID', 'the minimum number of witnesses must be a whole number');
  }
  return policy.witnesses.map((vkey) => {
    let key: VerifierKey;
    try {
      key = parseVerifierKey(vkey);
    } catch (cause) {
      throw new ValiseError('AUDIT_WITNESS_POLICY_INVALID', 'a witness verifier key is malformed', { cause });
    }
    if (key.type !== NOTE_SIGNATURE_TYPE.mlDsa44Cosignature && key.type !== NOTE_SIGNATURE_TYPE.ed25519Cosignature) {
      throw new ValiseError('AUDIT_WITNESS_POLICY_INVALID', `witness key ${key.name} is not a cosignature key`);
    }
    if (key.name === logName) throw new ValiseError('AUDIT_WITNESS_POLICY_INVALID', 'the log cannot be its own witness');
    return noteVerifierFromKey(crypto, key);
  });
}

/**
 * Count the distinct trusted witnesses (by key name) with a verifying cosignature on the note.
 * A cosignature that fails is not counted (it cannot help reach the minimum).
 */
async function countWitnesses(verifiers: readonly NoteVerifier[], note: string): Promise<number> {
  const parsed = parseSignedNote(note);
  const text = utf8(parsed.text);
  const witnessed = new Set<string>();
  for (const sig of parsed.signatures) {
    const v = verifiers.find((x) => x.name === sig.name && x.keyId === sig.keyId);
    if (v === undefined || witnessed.has(v.name)) continue;
    if (await v.verify(text, sig.signature)) witnessed.add(v.name);
  }
  return witnessed.size;
}

/**
 * Verify a checkpoint note against the log's keys; returns the checkpoint it signs. With a witness
 * policy, also require cosignatures from `minimum` distinct trusted witnesses
 * (AUDIT_WITNESSES_INSUFFICIENT otherwise).
 */
export async function verifyLogCheckpoint(
  crypto: CryptoProvider,
  keys: AuditLogKeys,
  note: string,
  witnessPolicy?: WitnessPolicy,
): Promise<Checkpoint> {
  const { ed, mldsa } = parseLogKeys(keys);
  let opened: Awaited<ReturnType<typeof openCheckpoint>>;
  try {
    opened = await openCheckpoint(note, [noteVerifierFromKey(crypto, ed), noteVerifierFromKey(crypto, mldsa)]);
  } catch (cause) {
    throw unverified(`the checkpoint does not verify: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
  }
  // openNote accepts one good signature; we require both.
  const by = new Set(opened.note.verifiedBy.map((v) => v.keyId));
  if (!by.has(ed.keyId)) throw unverified('the checkpoint lacks the Ed25519 signature');
  if (!by.has(mldsa.keyId)) throw unverified('the checkpoint lacks the ML-DSA-44 cosignature');
  if (opened.checkpoint.origin !== ed.name)
    throw unverified(`checkpoint origin ${opened.checkpoint.origin} is not the key name ${ed.name}`);
  if (witnessPolicy !== undefined) {
    const found = await countWitnesses(witnessVerifiers(crypto, witnessPolicy, ed.name), note);
    if (found < witnessPolicy.minimum) {
      throw new ValiseError(
        'AUDIT_WITNESSES_INSUFFICIENT',
        `the checkpoint carries cosignatures from ${found} of the trusted witnesses; ${witnessPolicy.minimum} are required`,
      );
    }
  }
  return opened.checkpoint;
}

/** Where consistency proofs come from (GET /log/proof/consistency). */
export type ConsistencyProofFetcher = (from: number, to: number) => Promise<unknown>;

/**
 * Require `current` to extend `previous`: same root at the same size, a verified consistency
 * proof otherwise. Throws AUDIT_ROLLBACK, AUDIT_FORK or AUDIT_STATE_MALFORMED.
 */
export async function requireConsistentForward(
  previous: AuditLogState,
  current: { size: number; rootHash: Uint8Array },
  fetchProof: ConsistencyProofFetcher,
): Promise<void> {
  const { size, rootHash } = current;
  if (size < previous.size) throw new ValiseError('AUDIT_ROLLBACK', `the log shrank from ${previous.size} to ${size} entries`);
  let oldRoot: Uint8Array;
  try {
    oldRoot = fromStdBase64(previous.root, 'AUDIT_STATE_MALFORMED');
  } catch (cause) {
    throw new ValiseError('AUDIT_STATE_MALFORMED', 'the remembered root is not base64', { cause });
  }
  if (size === previous.size) {
    if (!constantTimeEqual(oldRoot, rootHash)) throw new ValiseError('AUDIT_FORK', `two different trees of size ${size}`);
    return;
  }
  if (previous.size === 0) return;
  const body = (await fetchProof(previous.size, size)) as { hashes?: unknown } | null;
  if (body === null || typeof body !== 'object' || !Array.isArray(body.hashes) || !body.hashes.every((h) => typeof h === 'string')) {
    throw new ValiseError('AUDIT_FORK', 'malformed consistency proof');
  }
  let proof: Uint8Array[];
  try {
    proof = (body.hashes as string[]).map((h) => fromStdBase64(h, 'AUDIT_FORK'));
  } catch (cause) {
    throw new ValiseError('AUDIT_FORK', 'malformed consistency proof', { cause });
  }
  if (!verifyConsistency(previous.size, size, proof, oldRoot, rootHash)) {
    throw new ValiseError('AUDIT_FORK', `the checkpoint of size ${size} does not extend the one of size ${previous.size} seen before`);
  }
}
