/**
 * Group commit for log appends made outside a caller's transaction: items that arrive while a
 * commit is in flight wait and then commit together, in one transaction (one fsync on SQLite, one
 * WAL flush on PostgreSQL), in arrival order, written by one call of the batch's writer (so a batch
 * of events is one `log_state` update and one multi-row insert per table). Each caller's promise
 * settles only after the commit that holds its item, so an acknowledged event is durable. The first
 * item of an idle queue starts at once (no added latency). Per process, per database handle and
 * per writer; across processes the `log_state` row lock still serialises appends.
 */
import type { Db } from '../db/schema.ts';

/** Writes a batch of items, in order, inside the given transaction. */
export type BatchWriter<T> = (tx: Db, items: T[]) => Promise<void>;

interface Job<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Queue<T> {
  jobs: Job<T>[];
  running: boolean;
}

/** Most items committed together. */
export const MAX_LOG_BATCH = 256;

const queues = new WeakMap<Db, Map<BatchWriter<never>, Queue<never>>>();

function queueFor<T>(db: Db, writer: BatchWriter<T>): Queue<T> {
  let byWriter = queues.get(db);
  if (byWriter === undefined) {
    byWriter = new Map();
    queues.set(db, byWriter);
  }
  let queue = byWriter.get(writer as BatchWriter<never>) as Queue<T> | undefined;
  if (queue === undefined) {
    queue = { jobs: [], running: false };
    byWriter.set(writer as BatchWriter<never>, queue as Queue<never>);
  }
  return queue;
}

/** Commit `item` through `writer` together with the other items queued on the same database. */
export function inBatch<T>(db: Db, writer: BatchWriter<T>, item: T): Promise<void> {
  return new Promise((resolve, reject) => {
    const queue = queueFor(db, writer);
    queue.jobs.push({ item, resolve, reject });
    if (!queue.running) void drain(db, writer, queue);
  });
}

async function drain<T>(db: Db, writer: BatchWriter<T>, queue: Queue<T>): Promise<void> {
  queue.running = true;
  try {
    while (queue.jobs.length > 0) {
      const batch = queue.jobs.splice(0, MAX_LOG_BATCH);
      try {
        await db.transaction().execute((tx) =>
          writer(
            tx,
            batch.map((j) => j.item),
          ),
        );
        for (const job of batch) job.resolve();
      } catch {
        // One failing item must not fail the others: commit each alone, so only it is refused.
        for (const job of batch) {
          try {
            await db.transaction().execute((tx) => writer(tx, [job.item]));
            job.resolve();
          } catch (err) {
            job.reject(err);
          }
        }
      }
    }
  } finally {
    queue.running = false;
  }
}

type Write = (tx: Db) => Promise<void>;
const runEach: BatchWriter<Write> = async (tx, writes) => {
  for (const write of writes) await write(tx);
};

/** Run `write` in a transaction shared with other writes queued on the same database. */
export function inBatchedTransaction(db: Db, write: Write): Promise<void> {
  return inBatch(db, runEach, write);
}
