/**
 * "Verify the whole log" in the browser: the SDK's auditLog recomputes every tile of the server's
 * audit log from its entries and checks the signed checkpoint, as an outside auditor would.
 *
 * What it remembers lives in this device's encrypted store (IndexedDB, sealed with the device's
 * non-extractable storage key) under `officer/audit-log`: the log keys pinned at the first full
 * verification and the last checkpoint verified in full. The next run must use the same keys and
 * extend that checkpoint (no rollback, no fork). The first run is anchored to the checkpoint this
 * device's key-transparency checks already verified with the keys pinned at enrolment.
 */
import { type AuditLogKeys, type AuditLogResult, auditLog, lastVerifiedCheckpoint, type ValiseClient } from '@valise/sdk';
import { webCryptoProvider } from '@valise/sdk/browser';

const KEY = 'officer/audit-log';

export interface FullAuditRecord {
  keys: AuditLogKeys;
  size: number;
  root: string;
  verifiedAt: string;
  tilesChecked: number;
}

export interface FullAuditOutcome {
  result: AuditLogResult;
  /** What the new checkpoint was checked against: a full verification before, the device's checkpoint, or nothing. */
  previous: { size: number; source: 'full-verification' | 'device-checkpoint' } | null;
}

export function lastFullAudit(client: ValiseClient): Promise<FullAuditRecord | undefined> {
  return client.core.store.getJson<FullAuditRecord>(KEY);
}

export async function verifyWholeLog(client: ValiseClient, onProgress: (done: number, total: number) => void): Promise<FullAuditOutcome> {
  const remembered = await lastFullAudit(client);
  const deviceCheckpoint = await lastVerifiedCheckpoint(client.core);
  const previous = remembered
    ? { size: remembered.size, root: remembered.root, source: 'full-verification' as const }
    : deviceCheckpoint
      ? { ...deviceCheckpoint, source: 'device-checkpoint' as const }
      : undefined;
  const result = await auditLog(client.identity.serverUrl, {
    fetch: (input, init) => window.fetch(input, init),
    crypto: webCryptoProvider,
    ...(remembered ? { trusted: remembered.keys } : {}),
    ...(previous ? { state: { size: previous.size, root: previous.root } } : {}),
    onProgress,
  });
  await client.core.store.putJson(KEY, {
    keys: result.keys,
    size: result.size,
    root: result.root,
    verifiedAt: new Date().toISOString(),
    tilesChecked: result.tilesChecked,
  } satisfies FullAuditRecord);
  return { result, previous: previous ? { size: previous.size, source: previous.source } : null };
}
