/**
 * Durable audit-log appends per second through the real path (recordSecurityEvent: the event row,
 * its commitment, the leaf and subtree hashes, group-committed by audit/appender.ts), with 1, 16
 * and 128 concurrent callers, on SQLite (WAL, synchronous=FULL, in a temporary folder) and on the
 * local PostgreSQL (a fresh schema, dropped afterwards). Each caller awaits its append (durable on
 * return) before starting the next. After each run the store is checked with verifyStore.
 *
 *   node bench/log-append.ts [--seconds-per-run 8] [--database postgres://postgres@127.0.0.1:5432/test]
 * Prints one JSON line per figure, e.g.
 *   {"bench":"log-append","store":"sqlite","callers":16,"appends":…,"seconds":…,"appendsPerSec":…}
 */
import { performance } from 'node:perf_hooks';
import { verifyStore } from '../apps/server/src/audit/verify-full.ts';
import { recordSecurityEvent } from '../apps/server/src/policy/security-events.ts';
import { nodeCryptoProvider } from '../packages/protocol/src/crypto/node-provider.ts';
import { freshStore } from './stores.ts';

const option = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? String(process.argv[i + 1]) : fallback;
};
const SECONDS = Number(option('--seconds-per-run', '8'));
const POSTGRES_URL = option('--database', 'postgres://postgres@127.0.0.1:5432/test');
const CALLERS = [1, 16, 128];
const ctx = { clock: () => new Date(), crypto: nodeCryptoProvider };

async function run(store: 'sqlite' | 'postgres', callers: number): Promise<void> {
  const { db, close } = await freshStore(store, POSTGRES_URL);
  try {
    let appends = 0;
    const append = () =>
      recordSecurityEvent(db, ctx, {
        type: 'export',
        actor: { person: 'bench@mfa.freedonia.example', device: null },
        target: `conversation:${appends}`,
        code: null,
        details: { n: appends },
      });
    for (let i = 0; i < 20; i++) await append(); // warm-up
    const start = performance.now();
    const deadline = start + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (performance.now() < deadline) {
          await append();
          appends += 1;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const report = await verifyStore(db);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'log-append',
        store,
        callers,
        appends,
        seconds: +seconds.toFixed(2),
        appendsPerSec: Math.round(appends / seconds),
        verified: report.ok,
      })}\n`,
    );
  } finally {
    await close();
  }
}

for (const store of ['sqlite', 'postgres'] as const) {
  for (const callers of CALLERS) await run(store, callers);
}
