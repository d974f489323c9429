/**
 * Verification of the server's audit log from outside (an auditor need not be a member): the
 * checkpoint must carry both the Ed25519 signature and the ML-DSA-44 cosignature of the log's keys,
 * the whole tree is recomputed from the public tiles and entry bundles, and a checkpoint seen
 * before must be a prefix of the new one (no rollback, no fork). Transport is injected.
 */
import {
  auditTiles,
  type CryptoProvider,
  constantTimeEqual,
  entriesPath,
  fromStdBase64,
  NOTE_SIGNATURE_TYPE,
  noteVerifierFromKey,
  openCheckpoint,
  parseVerifierKey,
  tilePath,
  tilesForSize,
  toStdBase64,
  ValiseError,
  type VerifierKey,
  verifyConsistency,
} from '@valise/protocol';
import type { FetchLike } from './api-client.ts';

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

export interface AuditLogOptions {
  fetch: FetchLike;
  crypto: CryptoProvider;
  /** Keys pinned by the auditor; when absent the keys the server serves are used (and returned). */
  trusted?: AuditLogKeys;
  /** The last checkpoint verified; the new one must extend it. */
  state?: AuditLogState;
  /** Called as tiles are checked. */
  onProgress?: (tilesChecked: number, tilesTotal: number) => void;
}

export interface AuditLogResult {
  origin: string;
  size: number;
  /** Root hash, standard base64. */
  root: string;
  /** The signed checkpoint note as served. */
  checkpoint: string;
  /** True when a previous state was given and the new checkpoint extends it; null without one. */
  consistentWithPrevious: boolean | null;
  /** The keys the checkpoint was verified with (to pin on first use). */
  keys: AuditLogKeys;
  tilesChecked: number;
}

function unverified(message: string, cause?: unknown): ValiseError {
  return new ValiseError('AUDIT_CHECKPOINT_UNVERIFIED', message, cause === undefined ? undefined : { cause });
}

async function get(fetchFn: FetchLike, base: string, path: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetchFn(`${base}/log/${path}`);
  } catch (cause) {
    throw new ValiseError('SERVER_UNREACHABLE', `cannot reach the Valise server at ${base}: is it running?`, { cause });
  }
  if (!res.ok) throw new ValiseError('AUDIT_LOG_UNAVAILABLE', `GET /log/${path} answered ${res.status}`);
  return res;
}

async function getBytes(fetchFn: FetchLike, base: string, path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await get(fetchFn, base, path)).arrayBuffer());
}

/** Parse the two lines of /log/vkey and check their types. */
function parseKeys(keys: AuditLogKeys): { ed: VerifierKey; mldsa: VerifierKey } {
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
  return { ed, mldsa };
}

/** Verify the log at `serverUrl` end to end from its public `/log/` resources. */
export async function auditLog(serverUrl: string, options: AuditLogOptions): Promise<AuditLogResult> {
  const base = serverUrl.replace(/\/+$/, '');
  const fetchFn = options.fetch;

  const servedLines = (await (await get(fetchFn, base, 'vkey')).text()).split('\n').filter((l) => l.length > 0);
  if (servedLines.length < 2) throw unverified('/log/vkey must list the Ed25519 key and the ML-DSA-44 key');
  const served: AuditLogKeys = { vkey: servedLines[0] as string, vkeyMldsa: servedLines[1] as string };
  if (options.trusted && (options.trusted.vkey !== served.vkey || options.trusted.vkeyMldsa !== served.vkeyMldsa)) {
    throw new ValiseError('AUDIT_KEY_CHANGED', 'the server now serves log keys other than the pinned ones');
  }
  const keys = options.trusted ?? served;
  const { ed, mldsa } = parseKeys(keys);

  const note = await (await get(fetchFn, base, 'checkpoint')).text();
  let opened: Awaited<ReturnType<typeof openCheckpoint>>;
  try {
    opened = await openCheckpoint(note, [noteVerifierFromKey(options.crypto, ed), noteVerifierFromKey(options.crypto, mldsa)]);
  } catch (cause) {
    throw unverified(`the checkpoint does not verify: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
  }
  // openNote accepts one good signature; an auditor requires both, so quantum-broken Ed25519
  // alone cannot forge a checkpoint.
  const by = new Set(opened.note.verifiedBy.map((v) => v.keyId));
  if (!by.has(ed.keyId)) throw unverified('the checkpoint lacks the Ed25519 signature');
  if (!by.has(mldsa.keyId)) throw unverified('the checkpoint lacks the ML-DSA-44 cosignature');
  const { origin, size, rootHash } = opened.checkpoint;
  if (origin !== ed.name) throw unverified(`checkpoint origin ${origin} is not the key name ${ed.name}`);

  const total = tilesForSize(size).length;
  let tilesChecked = 0;
  try {
    await auditTiles(size, rootHash, (level, index, width) => getBytes(fetchFn, base, tilePath(level, index, width)), {
      fetchEntryBundle: (index, width) => getBytes(fetchFn, base, entriesPath(index, width)),
      onProgress: (n) => {
        tilesChecked = n;
        options.onProgress?.(n, total);
      },
    });
  } catch (cause) {
    if (cause instanceof ValiseError && cause.code.startsWith('TLOG_')) {
      throw new ValiseError('AUDIT_TILE_MISMATCH', `${cause.message} (${cause.code})`, { cause });
    }
    throw cause;
  }

  let consistentWithPrevious: boolean | null = null;
  const previous = options.state;
  if (previous !== undefined) {
    if (size < previous.size) {
      throw new ValiseError('AUDIT_ROLLBACK', `the log shrank from ${previous.size} to ${size} entries`);
    }
    let oldRoot: Uint8Array;
    try {
      oldRoot = fromStdBase64(previous.root, 'AUDIT_STATE_MALFORMED');
    } catch (cause) {
      throw new ValiseError('AUDIT_STATE_MALFORMED', 'the remembered root is not base64', { cause });
    }
    let proof: Uint8Array[] = [];
    if (size === previous.size) {
      if (!constantTimeEqual(oldRoot, rootHash)) throw new ValiseError('AUDIT_FORK', `two different trees of size ${size}`);
    } else if (previous.size > 0) {
      const body = (await (await get(fetchFn, base, `proof/consistency?from=${previous.size}&to=${size}`)).json()) as { hashes?: unknown };
      if (!Array.isArray(body.hashes) || !body.hashes.every((h) => typeof h === 'string')) {
        throw new ValiseError('AUDIT_FORK', 'malformed consistency proof');
      }
      try {
        proof = (body.hashes as string[]).map((h) => fromStdBase64(h, 'AUDIT_FORK'));
      } catch (cause) {
        throw new ValiseError('AUDIT_FORK', 'malformed consistency proof', { cause });
      }
    }
    if (previous.size > 0 && !verifyConsistency(previous.size, size, proof, oldRoot, rootHash)) {
      throw new ValiseError('AUDIT_FORK', `the checkpoint of size ${size} does not extend the one of size ${previous.size} seen before`);
    }
    consistentWithPrevious = true;
  }

  return { origin, size, root: toStdBase64(rootHash), checkpoint: note, consistentWithPrevious, keys, tilesChecked };
}
