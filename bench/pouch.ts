/**
 * Pouch throughput and memory: sealing and opening valise-pouch/v1 files of 1 MB, 100 MB and 2 GB,
 * in the same run as the `age` command-line tool encrypting and decrypting the same bytes, and
 * node's AES-256-GCM alone (the pouch's 256 KiB chunks, file to file, same reader and writer) as
 * the ceiling.
 *
 * What is measured, the same way for all three: file to file, the same input file, sealed output
 * to the same disk (the directory of --dir), opened output to /dev/null. Every operation runs in
 * its own process under /usr/bin/time, so the peak RSS is the whole process's, for age and for
 * node alike. `seconds` (and MB/s) is the work itself: for node, from after module loading and
 * test-key making to the last byte written (process start excluded, ≈ 0.1 s); for age, its whole
 * run (its start is ≈ 1 ms, so excluded or not makes no difference). `wallSeconds` includes process
 * start for both. Before each run, `sync` writes back the previous run's output (so no run pays
 * for another's dirty pages) and, with --wait-idle, the bench waits (up to a minute) until the CPU
 * is at least 85 % idle, since other jobs on a small VM distort every figure. The tools take turns
 * in a rotating order, --reps times (default 3); the summary lines give medians.
 *
 *   node bench/pouch.ts [--sizes 1MB,100MB,2GB] [--reps 3] [--dir /tmp] [--wait-idle] [--in-thread-hash]
 * Needs `age` (apt-get install -y age). Prints one JSON line per run, e.g.
 *   {"bench":"pouch","tool":"valise-pouch","op":"seal","bytes":…,"seconds":…,"mbPerSec":…,"peakRssMiB":…}
 * then one summary line per size and operation with the medians and the ratios to age and to the
 * AES-256-GCM ceiling. --in-thread-hash hashes on the main thread for opening too (no worker).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { type CipherGCM, createCipheriv, createDecipheriv, createHash, type DecipherGCM, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { nodeCryptoProvider as crypto } from '../packages/protocol/src/crypto/node-provider.ts';
import { CHUNK_SIZE } from '../packages/protocol/src/pouch/format.ts';
import { openPouch } from '../packages/protocol/src/pouch/open.ts';
import { sealPouch } from '../packages/protocol/src/pouch/seal.ts';
import { makeParties, openOptions, sealInput } from '../packages/protocol/src/pouch/test-kit.ts';
import { BatchedFileWriter, filePieces } from '../packages/sdk/src/node/file-pieces.ts';
import { nodeSha256Stream } from '../packages/sdk/src/node/sha256-worker.ts';

const CHUNK = CHUNK_SIZE;
/** Bytes per file read, as the SDK's file sources (pouch-files.ts, file-pieces.ts) read. */
const READ_SIZE = 1 << 20;

/** The operations, each run in a child process: `node bench/pouch.ts --worker <op> <in> <out>`. */
async function worker(operation: string, input: string, output: string): Promise<void> {
  let op = operation;
  const parties = await makeParties(crypto);
  const started = performance.now();
  const out = await BatchedFileWriter.open(output);
  const file = () => createReadStream(input, { highWaterMark: READ_SIZE });
  // The SDK's hashing (sha256-worker.ts): SHA-256 on a worker thread above 16 MiB, else in-thread.
  const nodeSha256 = op.endsWith('-inthread') ? () => createHash('sha256') : nodeSha256Stream;
  op = op.replace(/-inthread$/, '');
  if (op === 'seal') {
    const size = statSync(input).size;
    const sealing = sealPouch(
      crypto,
      sealInput(parties, [{ name: 'bench.bin', mediaType: 'application/octet-stream', size, content: filePieces(input) }], {
        sha256Stream: nodeSha256,
      }),
    );
    for await (const bytes of sealing) await out.write(bytes);
  } else if (op === 'open') {
    const opened = await openPouch(crypto, file(), openOptions(parties, parties.recipients[0]!, nodeSha256));
    for await (const d of opened.documents()) for await (const b of d.content) await out.write(b);
  } else if (op === 'gcm-encrypt' || op === 'gcm-decrypt') {
    // The ceiling: the same chunking through node:crypto directly, incrementally as the pouch
    // does (no gathering of a chunk), nothing else: no hash, no framing, no signature.
    const key = randomBytes(32);
    const nonce = Buffer.alloc(12);
    const encrypt = op === 'gcm-encrypt';
    let counter = 0;
    let inChunk = 0;
    let cipher: CipherGCM | undefined;
    let decipher: DecipherGCM | undefined;
    const tag = Buffer.alloc(16);
    let tagFilled = 0;
    const begin = () => {
      nonce.writeUInt32BE(counter++, 8);
      if (encrypt) cipher = createCipheriv('aes-256-gcm', key, nonce);
      else decipher = createDecipheriv('aes-256-gcm', key, nonce);
      inChunk = 0;
      tagFilled = 0;
    };
    const end = async () => {
      if (cipher) {
        cipher.final();
        await out.write(cipher.getAuthTag());
        cipher = undefined;
      } else if (decipher) {
        // A random "ciphertext" fails its tag: this measures decrypt-then-verify and ignores that.
        decipher.setAuthTag(tag);
        try {
          decipher.final();
        } catch {
          // expected: random input
        }
        decipher = undefined;
      }
    };
    for await (const b of file()) {
      let at = 0;
      const bytes = b as Buffer;
      while (at < bytes.length) {
        if (!cipher && !decipher) begin();
        if (inChunk < CHUNK) {
          const n = Math.min(CHUNK - inChunk, bytes.length - at);
          const piece = bytes.subarray(at, at + n);
          await out.write(
            encrypt ? (cipher as NonNullable<typeof cipher>).update(piece) : (decipher as NonNullable<typeof decipher>).update(piece),
          );
          inChunk += n;
          at += n;
          if (encrypt && inChunk === CHUNK) await end();
        } else {
          const n = Math.min(16 - tagFilled, bytes.length - at);
          tag.set(bytes.subarray(at, at + n), tagFilled);
          tagFilled += n;
          at += n;
          if (tagFilled === 16) await end();
        }
      }
    }
    await end();
  } else {
    throw new Error(`unknown worker op ${op}`);
  }
  await out.finish();
  await out.close();
  process.stderr.write(`inner-seconds ${(performance.now() - started) / 1000}\n`);
}

interface Figure {
  bench: 'pouch';
  tool: string;
  op: string;
  bytes: number;
  seconds: number;
  wallSeconds: number;
  mbPerSec: number;
  peakRssMiB: number;
}

/**
 * Run a command under /usr/bin/time: wall seconds (measured here), the seconds of the work itself
 * (node workers report it, excluding process start and module loading; for age, the wall time,
 * whose process start is about a millisecond) and the peak RSS.
 */
function timed(command: string, args: string[]): { wallSeconds: number; seconds: number; peakRssMiB: number } {
  const started = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', command, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const wallSeconds = (performance.now() - started) / 1000;
  const line = r.stderr.split('\n').find((l) => l.startsWith('TIME '));
  if (r.status !== 0 || !line) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  const kb = line.split(' ')[2];
  const inner = r.stderr.split('\n').find((l) => l.startsWith('inner-seconds '));
  const seconds = inner ? Number(inner.split(' ')[1]) : wallSeconds;
  return { wallSeconds, seconds, peakRssMiB: Math.round(Number(kb) / 1024) };
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(B|KB|MB|GB)$/i.exec(text.trim());
  if (!m) throw new Error(`bad size ${text}`);
  return Math.round(Number(m[1]) * { B: 1, KB: 1e3, MB: 1e6, GB: 1e9 }[m[2]!.toUpperCase() as 'B']!);
}

/** Share of CPU time idle over `ms`, from /proc/stat (Linux); 1 elsewhere. */
function idleShare(ms: number): number {
  const read = () => {
    try {
      return readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    } catch {
      return undefined;
    }
  };
  const a = read();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const b = read();
  if (!a || !b) return 1;
  const total = b.reduce((sum, v, i) => sum + v - (a[i] ?? 0), 0);
  return total > 0 ? ((b[3] ?? 0) - (a[3] ?? 0)) / total : 1;
}

/** Wait until the CPU is at least 85 % idle over half a second, for at most `limitMs`. */
function idleCpu(limitMs: number): void {
  const until = Date.now() + limitMs;
  while (idleShare(500) < 0.85 && Date.now() < until) {
    // other jobs are running: wait for them
  }
}

const median = (xs: number[]) => {
  const v = [...xs].sort((x, y) => x - y);
  return v.length % 2 ? (v[(v.length - 1) / 2] as number) : ((v[v.length / 2 - 1] as number) + (v[v.length / 2] as number)) / 2;
};

/** The cipher alone, no file I/O: what the format's bulk path is bounded by on this machine. */
function inMemoryGcm(size: number): number {
  const key = randomBytes(32);
  const piece = randomBytes(CHUNK);
  const nonce = Buffer.alloc(12);
  const started = performance.now();
  for (let o = 0, i = 0; o < size; o += CHUNK, i++) {
    nonce.writeUInt32BE(i, 8);
    const c = createCipheriv('aes-256-gcm', key, nonce);
    c.update(piece.subarray(0, Math.min(CHUNK, size - o)));
    c.final();
    c.getAuthTag();
  }
  return size / 1e6 / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1]! : fallback;
  };
  const sizes = arg('--sizes', '1MB,100MB,2GB').split(',').map(parseSize);
  const reps = Number(arg('--reps', '3'));
  const inThread = process.argv.includes('--in-thread-hash');
  const dir = mkdtempSync(join(arg('--dir', '/tmp'), 'pouch-bench-'));
  const self = new URL(import.meta.url).pathname;
  const ageKey = join(dir, 'age.key');
  execFileSync('age-keygen', ['-o', ageKey], { stdio: 'ignore' });
  const ageRecipient = execFileSync('age-keygen', ['-y', ageKey], { encoding: 'utf8' }).trim();
  console.log(
    JSON.stringify({
      bench: 'pouch',
      machine: {
        cpus: availableParallelism(),
        model: cpus()[0]?.model,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        loadAverage: loadavg(),
      },
      node: process.version,
      openssl: process.versions.openssl,
      age: execFileSync('age', ['--version'], { encoding: 'utf8' }).trim(),
    }),
  );
  // Dirty pages of one run's output must not be written back during the next one's.
  const waitIdle = process.argv.includes('--wait-idle');
  const settle = () => {
    execFileSync('sync');
    if (waitIdle) idleCpu(60_000);
  };
  const suffix = inThread ? '-inthread' : '';
  try {
    for (const size of sizes) {
      const plain = join(dir, 'plain.bin');
      const fd = openSync(plain, 'w');
      const block = randomBytes(1 << 20);
      for (let o = 0; o < size; o += block.length) writeSync(fd, block, 0, Math.min(block.length, size - o));
      fsyncSync(fd);
      closeSync(fd);
      const figures: Figure[] = [];
      const run = (tool: string, op: string, command: string, args: string[]) => {
        settle();
        const t = timed(command, args);
        const f: Figure = {
          bench: 'pouch',
          tool,
          op,
          bytes: size,
          seconds: Number(t.seconds.toFixed(3)),
          wallSeconds: Number(t.wallSeconds.toFixed(3)),
          mbPerSec: Number((size / 1e6 / t.seconds).toFixed(1)),
          peakRssMiB: t.peakRssMiB,
        };
        console.log(JSON.stringify(f));
        figures.push(f);
      };
      const sealed = join(dir, 'sealed.pouch');
      const aged = join(dir, 'sealed.age');
      const gcm = join(dir, 'sealed.gcm');
      // Each tool seals the same file to the same disk and opens to /dev/null; the tools take
      // turns, in a rotating order, so a change of machine load touches all of them.
      const tools: Array<[string, () => void, () => void]> = [
        [
          'valise-pouch',
          () => run('valise-pouch', 'seal', process.execPath, [self, '--worker', `seal${suffix}`, plain, sealed]),
          () => run('valise-pouch', 'open', process.execPath, [self, '--worker', `open${suffix}`, sealed, '/dev/null']),
        ],
        [
          'age',
          () => run('age', 'seal', 'age', ['-r', ageRecipient, '-o', aged, plain]),
          () => run('age', 'open', 'age', ['-d', '-i', ageKey, '-o', '/dev/null', aged]),
        ],
        [
          'aes-256-gcm',
          () => run('aes-256-gcm', 'seal', process.execPath, [self, '--worker', 'gcm-encrypt', plain, gcm]),
          () => run('aes-256-gcm', 'open', process.execPath, [self, '--worker', 'gcm-decrypt', gcm, '/dev/null']),
        ],
      ];
      const inMemory: number[] = [];
      for (let rep = 0; rep < reps; rep++) {
        const order = tools.map((_, i) => tools[(i + rep) % tools.length]!);
        for (const [, seal] of order) seal();
        for (const [, , open] of order) open();
        for (const f of [sealed, aged, gcm]) rmSync(f, { force: true });
        inMemory.push(inMemoryGcm(size));
      }
      rmSync(plain);
      const ceilingInMemory = median(inMemory);
      for (const op of ['seal', 'open']) {
        const get = (tool: string) => {
          const fs = figures.filter((f) => f.tool === tool && f.op === op);
          return {
            mbPerSec: Number(median(fs.map((f) => f.mbPerSec)).toFixed(1)),
            wallSeconds: Number(median(fs.map((f) => f.wallSeconds)).toFixed(3)),
            peakRssMiB: Math.max(...fs.map((f) => f.peakRssMiB)),
          };
        };
        const pouch = get('valise-pouch');
        const age = get('age');
        const ceiling = get('aes-256-gcm');
        console.log(
          JSON.stringify({
            bench: 'pouch',
            summary: `median of ${reps}`,
            op,
            bytes: size,
            pouch,
            age,
            aes256GcmFileToFile: ceiling,
            aes256GcmInMemoryMBps: op === 'seal' ? Number(ceilingInMemory.toFixed(1)) : undefined,
            pouchVsAge: Number((pouch.mbPerSec / age.mbPerSec).toFixed(2)),
            pouchVsAes256Gcm: Number((pouch.mbPerSec / ceiling.mbPerSec).toFixed(2)),
          }),
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--worker') await worker(process.argv[3]!, process.argv[4]!, process.argv[5]!);
else await main();
