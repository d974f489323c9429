/**
 * Verification of the server's audit log from outside (an auditor need not be a member): the
 * checkpoint must carry both the Ed25519 signature and the ML-DSA-44 cosignature of the log's keys,
 * the whole tree is recomputed from the public tiles and entry bundles, and a checkpoint seen
 * before must be a prefix of the new one (no rollback, no fork). Transport is injected.
 */
import { auditTiles, type CryptoProvider, entriesPath, tilePath, tilesForSize, toStdBase64, ValiseError } from '@valise/protocol';
import type { FetchLike } from './api-client.ts';
import {
  type AuditLogKeys,
  type AuditLogState,
  requireConsistentForward,
  unverified,
  verifyLogCheckpoint,
  type WitnessPolicy,
} from './checkpoint-trust.ts';

export type { AuditLogKeys, AuditLogState, WitnessPolicy } from './checkpoint-trust.ts';

export interface AuditLogOptions {
  fetch: FetchLike;
  crypto: CryptoProvider;
  /** Keys pinned by the auditor; when absent the keys the server serves are used (and returned). */
  trusted?: AuditLogKeys;
  /** The last checkpoint verified; the new one must extend it. */
  state?: AuditLogState;
  /** Require cosignatures from this many of these witnesses (AUDIT_WITNESSES_INSUFFICIENT otherwise). */
  witnesses?: WitnessPolicy;
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
  const note = await (await get(fetchFn, base, 'checkpoint')).text();
  const { origin, size, rootHash } = await verifyLogCheckpoint(options.crypto, keys, note, options.witnesses);

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
  if (options.state !== undefined) {
    await requireConsistentForward(options.state, { size, rootHash }, async (from, to) =>
      (await get(fetchFn, base, `proof/consistency?from=${from}&to=${to}`)).json(),
    );
    consistentWithPrevious = true;
  }

  return { origin, size, root: toStdBase64(rootHash), checkpoint: note, consistentWithPrevious, keys, tilesChecked };
}
