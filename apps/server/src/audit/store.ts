/**
 * The audit log's storage: appends (serialised by the update of `log_state`, inside the caller's
 * transaction), and reads of leaves, stored subtree hashes and checkpoints.
 *
 * Hashes: each append stores the leaf hash and every complete subtree hash it completes (at most
 * log2(n) + 1 rows, reading at most log2(n) left siblings), so a HashReader answers any complete
 * subtree with one primary-key read, and proofs cost O(log n) reads.
 */
import { type HashReader, leafHash, nodeHash, TLOG_HASH_SIZE, ValiseError } from '@valise/protocol';
import type { Db } from '../db/schema.ts';
import { bytesOf } from '../db/transactions.ts';

export interface LogAppend {
  leaf: Uint8Array;
  event: { id: string; salt: Uint8Array; canonical: string };
}

/** Rows per multi-row insert: well under SQLite's and PostgreSQL's bound-parameter limits. */
const INSERT_CHUNK = 200;

async function insertChunked<T>(rows: readonly T[], insert: (part: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await insert(rows.slice(i, i + INSERT_CHUNK));
}

/**
 * The complete subtrees left of leaf `first` (its "frontier"): one per set bit of `first`. Every
 * left sibling that appending leaves from `first` on needs is one of these or is made by the batch.
 */
function frontierOf(first: number): { level: number; idx: number }[] {
  const nodes: { level: number; idx: number }[] = [];
  for (let level = 0; 2 ** level <= first; level++) {
    const above = Math.floor(first / 2 ** level);
    if (above % 2 === 1) nodes.push({ level, idx: above - 1 });
  }
  return nodes;
}

/**
 * Append entries in order and return the index of the first. Must run in a transaction (`db` a
 * Transaction); the first statement takes the log's write lock, held until that transaction ends.
 * Round trips are constant per call whatever the batch size: the lock, one read of the frontier,
 * and one multi-row insert per table (per 200 rows).
 */
export async function appendEntries(db: Db, entries: readonly LogAppend[], now: number): Promise<number> {
  if (!db.isTransaction) throw new Error('appendEntries must run inside a transaction');
  if (entries.length === 0) throw new Error('nothing to append');
  const row = await db
    .updateTable('log_state')
    .set((eb) => ({ size: eb('size', '+', entries.length) }))
    .where('id', '=', 1)
    .returning('size')
    .executeTakeFirstOrThrow();
  const first = Number(row.size) - entries.length;
  const known = new Map<string, Uint8Array>();
  const frontier = frontierOf(first);
  if (frontier.length > 0) {
    const rows = await db
      .selectFrom('log_hashes')
      .select(['level', 'idx', 'hash'])
      .where((eb) => eb.or(frontier.map((f) => eb.and([eb('level', '=', f.level), eb('idx', '=', f.idx)]))))
      .execute();
    for (const r of rows) known.set(`${Number(r.level)}/${Number(r.idx)}`, bytesOf(r.hash));
  }
  const hashAt = (level: number, index: number): Uint8Array => {
    const hash = known.get(`${level}/${index}`);
    if (!hash) throw new ValiseError('TLOG_BAD_HASH', `stored hash ${level}/${index} is missing`);
    return hash;
  };
  const hashRows: { level: number; idx: number; hash: Uint8Array }[] = [];
  const put = (level: number, idx: number, hash: Uint8Array) => {
    known.set(`${level}/${idx}`, hash);
    hashRows.push({ level, idx, hash });
  };
  for (const [i, entry] of entries.entries()) {
    let n = first + i;
    let level = 0;
    let h = leafHash(entry.leaf);
    put(level, n, h);
    // A right child completes its parent: hash up while the node is a right child.
    while (n % 2 === 1) {
      h = nodeHash(hashAt(level, n - 1), h);
      level += 1;
      n = (n - 1) / 2;
      put(level, n, h);
    }
  }
  await insertChunked(
    entries.map((e, i) => ({ idx: first + i, leaf: e.leaf, created_at: now })),
    (part) => db.insertInto('log_entries').values(part).execute(),
  );
  await insertChunked(
    entries.map((e, i) => ({ idx: first + i, event_id: e.event.id, salt: e.event.salt, event: e.event.canonical })),
    (part) => db.insertInto('log_events').values(part).execute(),
  );
  await insertChunked(hashRows, (part) => db.insertInto('log_hashes').values(part).execute());
  return first;
}

/** The number of entries appended (committed or in this transaction). */
export async function logSize(db: Db): Promise<number> {
  const row = await db.selectFrom('log_state').select('size').where('id', '=', 1).executeTakeFirstOrThrow();
  return Number(row.size);
}

interface HashRequest {
  level: number;
  index: number;
  resolve: (hash: Uint8Array) => void;
  reject: (err: unknown) => void;
}

/**
 * A HashReader over the stored complete-subtree hashes. The proof functions ask for all the
 * hashes a proof needs in the same tick; they are read together, in one query (per 200), instead
 * of one round trip each.
 */
export function storedHashReader(db: Db): HashReader {
  let pending: HashRequest[] = [];
  const flush = async (batch: HashRequest[]): Promise<void> => {
    try {
      const found = new Map<string, Uint8Array>();
      for (let i = 0; i < batch.length; i += INSERT_CHUNK) {
        const part = batch.slice(i, i + INSERT_CHUNK);
        const rows = await db
          .selectFrom('log_hashes')
          .select(['level', 'idx', 'hash'])
          .where((eb) => eb.or(part.map((r) => eb.and([eb('level', '=', r.level), eb('idx', '=', r.index)]))))
          .execute();
        for (const r of rows) found.set(`${Number(r.level)}/${Number(r.idx)}`, bytesOf(r.hash));
      }
      for (const r of batch) {
        const hash = found.get(`${r.level}/${r.index}`);
        if (!hash || hash.length !== TLOG_HASH_SIZE)
          r.reject(new ValiseError('TLOG_BAD_HASH', `stored hash ${r.level}/${r.index} is missing`));
        else r.resolve(hash);
      }
    } catch (err) {
      for (const r of batch) r.reject(err);
    }
  };
  return {
    hashAt(level: number, index: number): Promise<Uint8Array> {
      return new Promise((resolve, reject) => {
        pending.push({ level, index, resolve, reject });
        if (pending.length === 1) {
          queueMicrotask(() => {
            const batch = pending;
            pending = [];
            void flush(batch);
          });
        }
      });
    },
  };
}

/** `count` consecutive stored hashes at Merkle `level` from `start` (one tile's worth). */
export async function storedHashRun(db: Db, level: number, start: number, count: number): Promise<Uint8Array[]> {
  const rows = await db
    .selectFrom('log_hashes')
    .select(['idx', 'hash'])
    .where('level', '=', level)
    .where('idx', '>=', start)
    .where('idx', '<', start + count)
    .orderBy('idx')
    .execute();
  if (rows.length !== count || rows.some((r, i) => Number(r.idx) !== start + i)) {
    throw new ValiseError('TLOG_BAD_HASH', `stored hashes at level ${level} from ${start} are incomplete`);
  }
  return rows.map((r) => bytesOf(r.hash));
}

/** Leaves [start, start + count), in order. */
export async function leavesRange(db: Db, start: number, count: number): Promise<Uint8Array[]> {
  const rows = await db
    .selectFrom('log_entries')
    .select(['idx', 'leaf'])
    .where('idx', '>=', start)
    .where('idx', '<', start + count)
    .orderBy('idx')
    .execute();
  if (rows.length !== count || rows.some((r, i) => Number(r.idx) !== start + i)) {
    throw new ValiseError('TLOG_BAD_INDEX', `log entries from ${start} are incomplete`);
  }
  return rows.map((r) => bytesOf(r.leaf));
}

export interface StoredCheckpoint {
  size: number;
  root: Uint8Array;
  note: string;
}

export async function latestCheckpoint(db: Db): Promise<StoredCheckpoint | undefined> {
  const r = await db.selectFrom('log_checkpoints').selectAll().orderBy('size', 'desc').limit(1).executeTakeFirst();
  return r ? { size: Number(r.size), root: bytesOf(r.root), note: r.note } : undefined;
}

export async function checkpointOfSize(db: Db, size: number): Promise<StoredCheckpoint | undefined> {
  const r = await db.selectFrom('log_checkpoints').selectAll().where('size', '=', size).executeTakeFirst();
  return r ? { size: Number(r.size), root: bytesOf(r.root), note: r.note } : undefined;
}

export async function insertCheckpoint(db: Db, cp: StoredCheckpoint, now: number): Promise<void> {
  await db
    .insertInto('log_checkpoints')
    .values({ size: cp.size, root: cp.root, note: cp.note, created_at: now })
    .onConflict((oc) => oc.column('size').doNothing())
    .execute();
}
