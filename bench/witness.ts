/**
 * The C2SP tlog witness (apps/server/src/witness) on loopback, in process: add-checkpoint round
 * trips per second and their latency, each request a new checkpoint one entry larger with its
 * consistency proof (what a log sends after every checkpoint), keep-alive HTTP through fetch.
 * Each request is verified (Ed25519 note signature + ML-DSA-44 log cosignature), checked, cosigned
 * (ML-DSA-44 + Ed25519) and, with the file store, fsynced before the answer. Run with 1 log and
 * with 8 logs submitting concurrently (different origins run in parallel; one origin is serial).
 *
 *   node bench/witness.ts [--requests 300]   (per log)
 * Prints one JSON line per figure, e.g.
 *   {"bench":"witness","store":"file","logs":1,"requests":300,"seconds":…,"roundTripsPerSec":…,"p50Ms":…,"p99Ms":…}
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createWitnessApp } from '../apps/server/src/witness/app.ts';
import { fileWitnessStore, memoryWitnessStore, type WitnessStore } from '../apps/server/src/witness/store.ts';
import { createTestLog } from '../apps/server/src/witness/test-log.ts';
import { nodeCryptoProvider as crypto } from '../packages/protocol/src/crypto/node-provider.ts';
import { encodeAddCheckpointRequest } from '../packages/protocol/src/note/witness.ts';

const i = process.argv.indexOf('--requests');
const REQUESTS = i > 0 ? Number(process.argv[i + 1]) : 300;
const START = 1000;

/** Pre-signed request bodies for one log: sizes START+1 .. START+REQUESTS, each from the previous. */
async function bodiesFor(n: number): Promise<string[]> {
  const log = await createTestLog(crypto, `bench${n}.example/valise-log`, n + 1);
  log.append(START + REQUESTS);
  const bodies = [encodeAddCheckpointRequest(0, [], await log.checkpoint(START))];
  for (let k = 1; k <= REQUESTS; k++) {
    bodies.push(encodeAddCheckpointRequest(START + k - 1, log.proof(START + k - 1, START + k), await log.checkpoint(START + k)));
  }
  return bodies;
}

async function run(storeName: 'file' | 'memory', logs: number, bodies: string[][], vkeys: { origin: string; vkeys: string[] }[]) {
  const dir = mkdtempSync(join(tmpdir(), 'valise-bench-witness-'));
  const store: WitnessStore = storeName === 'file' ? fileWitnessStore(dir) : memoryWitnessStore();
  const { app } = await createWitnessApp({
    name: 'bench.example/witness',
    signingKeys: { ed25519Seed: new Uint8Array(32).fill(1), mlDsa44Seed: new Uint8Array(32).fill(2) },
    logs: vkeys,
    store,
    crypto,
    clock: () => Math.floor(Date.now() / 1000),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/add-checkpoint`;
  const post = async (body: string) => {
    const res = await fetch(url, { method: 'POST', body });
    await res.text();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  };
  // The first submission of each log (old size 0) is a warm-up, outside the timing.
  await Promise.all(bodies.slice(0, logs).map((b) => post(b[0]!)));
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    bodies.slice(0, logs).map(async (b) => {
      for (let k = 1; k < b.length; k++) {
        const s = performance.now();
        await post(b[k]!);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await app.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(2));
  console.log(
    JSON.stringify({
      bench: 'witness',
      store: storeName,
      logs,
      requests: latencies.length,
      seconds: Number(seconds.toFixed(3)),
      roundTripsPerSec: Math.round(latencies.length / seconds),
      p50Ms: pct(0.5),
      p99Ms: pct(0.99),
    }),
  );
}

const LOGS = [1, 8];
const all: string[][] = [];
const configs: { origin: string; vkeys: string[] }[] = [];
for (let n = 0; n < Math.max(...LOGS); n++) {
  all.push(await bodiesFor(n));
  const log = await createTestLog(crypto, `bench${n}.example/valise-log`, n + 1);
  configs.push({ origin: log.origin, vkeys: log.vkeys });
}
for (const store of ['file', 'memory'] as const) for (const logs of LOGS) await run(store, logs, all, configs);
