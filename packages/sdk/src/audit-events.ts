/**
 * Opened audit-log events, checked by the reader: the server returns each event's canonical text,
 * salt and log index below a signed checkpoint; this device verifies the checkpoint (pinned log
 * keys, consistent with the last one it saw), recomputes each commitment SHA-256(salt || event)
 * and its leaf, and checks the leaf's inclusion proof. An event the server changed, or one it
 * never logged, fails with AUDIT_EVENT_MISMATCH naming its index.
 */
import {
  type AuditEventsResponse,
  type AuditEventType,
  concatBytes,
  eventLeaf,
  fromBase64Url,
  fromStdBase64,
  leafHash,
  type SecurityEvent,
  utf8,
  ValiseError,
  verifyInclusion,
} from '@valise/protocol';
import type { ClientCore } from './core.ts';
import { acceptCheckpoint, transparencyLock } from './transparency.ts';

export interface AuditEventsQuery {
  from?: number;
  order?: 'asc' | 'desc';
  limit?: number;
  type?: AuditEventType;
}

/** An event whose commitment and inclusion under a verified checkpoint this device checked. */
export interface VerifiedAuditEvent {
  index: number;
  event: SecurityEvent;
}

export interface AuditEventsPage {
  events: VerifiedAuditEvent[];
  /** The verified checkpoint every event is included in. */
  checkpoint: { size: number };
  /** Pass as `from` for the next page, or null at the end. */
  next: number | null;
}

const PROOFS_AT_ONCE = 8;

function mismatch(index: number, why: string): ValiseError {
  return new ValiseError('AUDIT_EVENT_MISMATCH', `the event at log index ${index} does not match the audit log: ${why}`);
}

export async function readAuditEvents(core: ClientCore, query: AuditEventsQuery = {}): Promise<AuditEventsPage> {
  const params = new URLSearchParams();
  if (query.from !== undefined) params.set('from', String(query.from));
  if (query.order !== undefined) params.set('order', query.order);
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.type !== undefined) params.set('type', query.type);
  const page = await core.api.get<AuditEventsResponse>(`/audit/events${params.size > 0 ? `?${params}` : ''}`);
  const cp = await transparencyLock(core)(() => acceptCheckpoint(core, page.checkpoint));
  if (page.size !== cp.size) throw mismatch(-1, 'the events are not given against the checkpoint they came with');

  const verify = async (opening: AuditEventsResponse['events'][number]): Promise<VerifiedAuditEvent> => {
    const { index } = opening;
    if (index >= cp.size) throw mismatch(index, 'it is beyond the checkpoint');
    let event: SecurityEvent;
    try {
      event = JSON.parse(opening.event) as SecurityEvent;
    } catch {
      throw mismatch(index, 'its text is not JSON');
    }
    const commitment = await core.crypto.sha256(concatBytes(fromBase64Url(opening.salt), utf8(opening.event)));
    const leaf = eventLeaf(String(event.type), commitment);
    const res = await core.api.getLog(`proof/inclusion?index=${index}&size=${cp.size}`);
    const body = (await res.json()) as { hashes?: unknown };
    if (!Array.isArray(body.hashes) || !body.hashes.every((h) => typeof h === 'string')) throw mismatch(index, 'malformed proof');
    let proof: Uint8Array[];
    try {
      proof = (body.hashes as string[]).map((h) => fromStdBase64(h, 'AUDIT_EVENT_MISMATCH'));
    } catch {
      throw mismatch(index, 'malformed proof');
    }
    if (!verifyInclusion(leafHash(leaf), index, cp.size, proof, cp.rootHash)) {
      throw mismatch(index, 'its commitment is not the leaf the signed checkpoint includes (changed, or never logged)');
    }
    return { index, event };
  };

  const events: VerifiedAuditEvent[] = [];
  for (let i = 0; i < page.events.length; i += PROOFS_AT_ONCE) {
    events.push(...(await Promise.all(page.events.slice(i, i + PROOFS_AT_ONCE).map(verify))));
  }
  return { events, checkpoint: { size: cp.size }, next: page.next };
}
