/**
 * Proof generation on the server's stores: the latency of an inclusion proof and of a consistency
 * proof as `GET /log/proof/...` computes them (AuditLog over the stored subtree hashes, O(log n)
 * primary-key reads), and of signing a checkpoint, on SQLite and the local PostgreSQL, with logs of
 * 10,000 and 100,000 entries (filled through appendEntries in batches of 256).
 *
 *   node bench/log-proofs.ts [--sizes 10000,100000] [--proofs 2000] [--database postgres://…]
 * Prints one JSON line per figure: {"bench":"log-proofs","store":…,"size":…,"op":…,"p50Us":…,"p99Us":…}
 */
import { performance } from 'node:perf_hooks';
import { generateLogKeys } from '../apps/server/src/audit/keys.ts';
import { AuditLog } from '../apps/server/src/audit/service.ts';
import { appendEntries } from '../apps/server/src/audit/store.ts';
import type { Db } from '../apps/server/src/db/schema.ts';
import { nodeCryptoProvider } from '../packages/protocol/src/crypto/node-provider.ts';
import { type BenchStore, freshStore } from './stores.ts';

const option = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? String(process.argv[i + 1]) : fallback;
};
const SIZES = option('--sizes', '10000,100000').split(',').map(Number);
const PROOFS = Number(option('--proofs', '2000'));
const POSTGRES_URL = option('--database', 'postgres://postgres@127.0.0.1:5432/test');
const crypto = nodeCryptoProvider;

async function fill(db: Db, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += 256) {
    const n = Math.min(256, to - start);
    const entries = Array.from({ length: n }, (_, i) => ({
      leaf: crypto.randomBytes(32),
      event: { id: `bench-${start + i}`, salt: crypto.randomBytes(32), canonical: '{}' },
    }));
    await db.transaction().execute((tx) => appendEntries(tx, entries, 0));
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function timed(
  op: string,
  store: BenchStore,
  size: number,
  count: number,
  run: (i: number) => Promise<unknown>,
  untimedBefore?: () => Promise<void>,
): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await untimedBefore?.();
    const t = performance.now();
    await run(i);
    times.push((performance.now() - t) * 1000);
  }
  times.sort((a, b) => a - b);
  const line = {
    bench: 'log-proofs',
    store,
    size,
    op,
    runs: count,
    p50Us: Math.round(percentile(times, 50)),
    p99Us: Math.round(percentile(times, 99)),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function run(store: BenchStore): Promise<void> {
  const { db, close } = await freshStore(store, POSTGRES_URL);
  try {
    const log = await AuditLog.create({
      db,
      crypto,
      clock: () => new Date(),
      domain: 'bench.example',
      keys: generateLogKeys(crypto.randomBytes),
    });
    let filled = 0;
    for (const size of SIZES) {
      process.stderr.write(`${store}: filling to ${size} entries…\n`);
      await fill(db, filled, size);
      filled = size;
      await log.checkpoint();
      const random = () => Math.floor(Math.random() * size);
      await timed('inclusion-proof', store, size, PROOFS, () => log.inclusionProof(random(), size));
      await timed('consistency-proof', store, size, PROOFS, () => log.consistencyProof(1 + random(), size));
      // Each checkpoint covers one new entry: root from the stored hashes, two signatures, one insert.
      await timed(
        'checkpoint',
        store,
        size,
        200,
        () => log.checkpoint(),
        async () => {
          await fill(db, filled, filled + 1);
          filled += 1;
        },
      );
    }
  } finally {
    await close();
  }
}

for (const store of ['sqlite', 'postgres'] as const) await run(store);
