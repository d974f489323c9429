/**
 * Group commit for log appends made outside a caller's transaction: writes that arrive while a
 * commit is in flight wait and then commit together, in one transaction (one fsync on SQLite, one
 * WAL flush on PostgreSQL), in arrival order. Each caller's promise settles only after the commit
 * that holds its write, so an acknowledged event is durable. The first write of an idle log starts
 * at once (no added latency). Per process and per database handle; across processes the
 * `log_state` row lock still serialises appends.
 */
import type { Db } from '../db/schema.ts';

type Write = (tx: Db) => Promise<void>;

interface Job {
  write: Write;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Queue {
  jobs: Job[];
  running: boolean;
}

/** Most writes committed together. */
export const MAX_LOG_BATCH = 256;

const queues = new WeakMap<Db, Queue>();

/** Run `write` in a transaction shared with other writes queued on the same database. */
export function inBatchedTransaction(db: Db, write: Write): Promise<void> {
  return new Promise((resolve, reject) => {
    let queue = queues.get(db);
    if (queue === undefined) {
      queue = { jobs: [], running: false };
      queues.set(db, queue);
    }
    queue.jobs.push({ write, resolve, reject });
    if (!queue.running) void drain(db, queue);
  });
}

async function drain(db: Db, queue: Queue): Promise<void> {
  queue.running = true;
  try {
    while (queue.jobs.length > 0) {
      const batch = queue.jobs.splice(0, MAX_LOG_BATCH);
      try {
        await db.transaction().execute(async (tx) => {
          for (const job of batch) await job.write(tx);
        });
        for (const job of batch) job.resolve();
      } catch {
        // One failing write must not fail the others: commit each alone, so only it is refused.
        for (const job of batch) {
          try {
            await db.transaction().execute(job.write);
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
