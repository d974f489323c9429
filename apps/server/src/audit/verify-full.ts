/**
 * The operator's full store check (`valise audit verify --store`): every table of the audit log
 * is recomputed from the others, so a changed, deleted, reordered or inserted row — event, salt,
 * leaf, subtree hash, size or checkpoint — is reported with its table and index.
 *
 * It reads the whole log into memory (32 bytes per hash, plus the events): an offline operator
 * check, not a request path.
 */
import { eventLeaf, leafHash, type NoteVerifier, nodeHash, openCheckpoint, rootFromLeafHashes } from '@valise/protocol';
import type { Db } from '../db/schema.ts';
import { bytesOf } from '../db/transactions.ts';
import { canonicalJson, eventCommitment } from './canonical.ts';

export type StoreTable = 'log_state' | 'log_entries' | 'log_events' | 'log_hashes' | 'log_checkpoints' | 'security_events';

export interface StoreFinding {
  table: StoreTable;
  /** Log index (or, for log_hashes, the index at `level`; for log_checkpoints, the size). */
  index: number;
  level?: number;
  message: string;
}

export interface StoreReport {
  ok: boolean;
  /** Entries (leaves) checked. */
  entries: number;
  /** Problems found, in check order, up to the cap; `truncated` if more were found. */
  problems: StoreFinding[];
  truncated: boolean;
}

export interface VerifyStoreOptions {
  /** Verifiers of the log keys; when given, the latest checkpoint's note must open with all. */
  verifiers?: readonly NoteVerifier[];
  maxProblems?: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').slice(0, 16);
}

/** The type of a logged event ('' when it does not parse: its leaf then cannot match). */
function eventType(canonical: string): string {
  try {
    const type = (JSON.parse(canonical) as { type?: unknown }).type;
    return typeof type === 'string' ? type : '';
  } catch {
    return '';
  }
}

export async function verifyStore(db: Db, options: VerifyStoreOptions = {}): Promise<StoreReport> {
  const cap = options.maxProblems ?? 100;
  const problems: StoreFinding[] = [];
  let found = 0;
  const report = (f: StoreFinding) => {
    found += 1;
    if (problems.length < cap) problems.push(f);
  };

  const state = await db.selectFrom('log_state').select(['id', 'size']).execute();
  const size = state.length === 1 ? Number(state[0]?.size) : -1;
  if (state.length !== 1) report({ table: 'log_state', index: 0, message: `expected one row, found ${state.length}` });

  // (c) dense indices, (a) commitments.
  const entries = await db.selectFrom('log_entries').select(['idx', 'leaf']).orderBy('idx').execute();
  const leaves: Uint8Array[] = [];
  for (const [i, r] of entries.entries()) {
    const idx = Number(r.idx);
    if (idx !== i) {
      report({ table: 'log_entries', index: i, message: `index ${i} is missing or out of place (found ${idx})` });
      break;
    }
    leaves.push(bytesOf(r.leaf));
  }
  const events = await db.selectFrom('log_events').select(['idx', 'event_id', 'salt', 'event']).orderBy('idx').execute();
  for (const [i, r] of events.entries()) {
    if (Number(r.idx) !== i) {
      report({ table: 'log_events', index: i, message: `index ${i} is missing or out of place (found ${Number(r.idx)})` });
      break;
    }
  }
  const byIdx = new Map(events.map((r) => [Number(r.idx), r]));
  for (const [i, leaf] of leaves.entries()) {
    const ev = byIdx.get(i);
    if (!ev) {
      report({ table: 'log_entries', index: i, message: 'leaf has no event in log_events' });
      continue;
    }
    // Key events' leaves are 'K' || commitment (docs/protocol.md), every other leaf the commitment.
    if (!sameBytes(eventLeaf(eventType(ev.event), eventCommitment(bytesOf(ev.salt), ev.event)), leaf)) {
      report({ table: 'log_entries', index: i, message: 'leaf does not equal the leaf of SHA-256(salt || event) of log_events' });
    }
  }
  for (const ev of events) {
    if (Number(ev.idx) >= entries.length)
      report({ table: 'log_events', index: Number(ev.idx), message: 'event has no leaf in log_entries' });
  }
  if (size >= 0 && entries.length !== size) {
    report({ table: 'log_state', index: 0, message: `size is ${size} but log_entries holds ${entries.length} rows` });
  }

  // (b) security_events <-> log_events, one to one, same content.
  const security = await db.selectFrom('security_events').selectAll().execute();
  const securityById = new Map(security.map((r) => [r.id, r]));
  const logged = new Set<string>();
  for (const ev of events) {
    const idx = Number(ev.idx);
    logged.add(ev.event_id);
    const s = securityById.get(ev.event_id);
    if (!s) {
      report({ table: 'security_events', index: idx, message: `event ${ev.event_id} is logged but missing` });
      continue;
    }
    let canonical: string | undefined;
    try {
      canonical = canonicalJson({
        id: s.id,
        at: new Date(Number(s.at)).toISOString(),
        type: s.type,
        actor: { person: s.actor_person, device: s.actor_device },
        target: s.target,
        code: s.code,
        details: JSON.parse(s.details),
      });
    } catch {
      canonical = undefined;
    }
    if (canonical !== ev.event)
      report({ table: 'security_events', index: idx, message: `event ${ev.event_id} differs from its logged form` });
  }
  for (const s of security) {
    if (!logged.has(s.id)) report({ table: 'security_events', index: -1, message: `event ${s.id} has no log entry` });
  }

  // (d) stored subtree hashes, bottom-up.
  const leafHashes = leaves.map((l) => leafHash(l));
  const levels: Uint8Array[][] = [leafHashes];
  while ((levels[levels.length - 1] as Uint8Array[]).length >= 2) {
    const below = levels[levels.length - 1] as Uint8Array[];
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) next.push(nodeHash(below[i] as Uint8Array, below[i + 1] as Uint8Array));
    levels.push(next);
  }
  const hashes = await db.selectFrom('log_hashes').select(['level', 'idx', 'hash']).orderBy('level').orderBy('idx').execute();
  const seen = new Set<string>();
  for (const h of hashes) {
    const level = Number(h.level);
    const idx = Number(h.idx);
    seen.add(`${level}/${idx}`);
    const want = levels[level]?.[idx];
    if (!want) report({ table: 'log_hashes', level, index: idx, message: `hash ${level}/${idx} is not a complete subtree of the leaves` });
    else if (!sameBytes(want, bytesOf(h.hash))) {
      report({
        table: 'log_hashes',
        level,
        index: idx,
        message: `hash ${level}/${idx} is ${hex(bytesOf(h.hash))}…, recomputed ${hex(want)}…`,
      });
    }
  }
  for (const [level, row] of levels.entries()) {
    for (let idx = 0; idx < row.length; idx++) {
      if (!seen.has(`${level}/${idx}`)) report({ table: 'log_hashes', level, index: idx, message: `hash ${level}/${idx} is missing` });
    }
  }

  // (e) the latest checkpoint.
  const cp = await db.selectFrom('log_checkpoints').selectAll().orderBy('size', 'desc').limit(1).executeTakeFirst();
  if (cp) {
    const cpSize = Number(cp.size);
    if (cpSize > leafHashes.length) {
      report({ table: 'log_checkpoints', index: cpSize, message: `checkpoint size ${cpSize} exceeds the ${leafHashes.length} leaves` });
    } else if (!sameBytes(rootFromLeafHashes(leafHashes.slice(0, cpSize)), bytesOf(cp.root))) {
      report({ table: 'log_checkpoints', index: cpSize, message: `root of size ${cpSize} does not match the recomputed root` });
    }
    if (options.verifiers) {
      try {
        const opened = await openCheckpoint(cp.note, options.verifiers);
        if (opened.note.verified.length !== options.verifiers.length) throw new Error('not every log key signed');
        if (opened.checkpoint.size !== cpSize || !sameBytes(opened.checkpoint.rootHash, bytesOf(cp.root))) {
          throw new Error('note does not state the stored size and root');
        }
      } catch (err) {
        report({ table: 'log_checkpoints', index: cpSize, message: `note does not open with the log keys: ${(err as Error).message}` });
      }
    }
  }

  return { ok: found === 0, entries: entries.length, problems, truncated: found > problems.length };
}
