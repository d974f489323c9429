/**
 * Pouch throughput and memory: sealing and opening valise-pouch/v1 files of 1 MB, 100 MB and 2 GB,
 * in the same run as the `age` command-line tool encrypting and decrypting the same bytes, and
 * node's AES-256-GCM alone (the pouch's 256 KiB chunks, file to file, same reader and writer) as the ceiling. Every operation runs in its
 * own process under /usr/bin/time, so the peak RSS is the whole process's, for age and for node
 * alike; seconds are wall-clock, process start included (that dominates at 1 MB).
 *
 *   node bench/pouch.ts [--sizes 1MB,100MB,2GB] [--dir /tmp]
 * Needs `age` (apt-get install -y age). Prints one JSON line per figure, e.g.
 *   {"bench":"pouch","tool":"valise-pouch","op":"seal","bytes":…,"seconds":…,"mbPerSec":…,"peakRssMiB":…}
 * then one line per size and operation with the ratios to age and to the AES-256-GCM ceiling.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync, writev } from 'node:fs';
import { join } from 'node:path';
import { nodeCryptoProvider as crypto } from '../packages/protocol/src/crypto/node-provider.ts';
import { CHUNK_SIZE } from '../packages/protocol/src/pouch/format.ts';
import { openPouch } from '../packages/protocol/src/pouch/open.ts';
import { sealPouch } from '../packages/protocol/src/pouch/seal.ts';
import { makeParties, openOptions, sealInput } from '../packages/protocol/src/pouch/test-kit.ts';

const nodeSha256 = () => createHash('sha256');
const CHUNK = CHUNK_SIZE;

/**
 * Writes in batches of about 1 MiB with one gathered write (writev, no concatenation) in flight on
 * the thread pool while the next batch is being made: the way a CLI should write a pouch.
 */
class BatchedWriter {
  readonly #fd: number;
  #parts: Uint8Array[] = [];
  #size = 0;
  #inFlight: Promise<void> = Promise.resolve();
  constructor(path: string) {
    this.#fd = openSync(path, 'w');
  }
  async write(bytes: Uint8Array): Promise<void> {
    this.#parts.push(bytes);
    this.#size += bytes.length;
    if (this.#size >= 1 << 20) await this.#flush();
  }
  async #flush(): Promise<void> {
    await this.#inFlight;
    const parts = this.#parts;
    const size = this.#size;
    this.#parts = [];
    this.#size = 0;
    this.#inFlight = new Promise((resolve, reject) =>
      writev(this.#fd, parts, (err, written) => (err ? reject(err) : written !== size ? reject(new Error('short write')) : resolve())),
    );
  }
  async end(): Promise<void> {
    if (this.#size > 0) await this.#flush();
    await this.#inFlight;
    closeSync(this.#fd);
  }
}

/** The operations, each run in a child process: `node bench/pouch.ts --worker <op> <in> <out>`. */
async function worker(op: string, input: string, output: string): Promise<void> {
  const parties = await makeParties(crypto);
  const started = performance.now();
  const out = new BatchedWriter(output);
  const file = () => createReadStream(input, { highWaterMark: 1 << 20 });
  if (op === 'seal') {
    const size = statSync(input).size;
    const sealing = sealPouch(
      crypto,
      sealInput(parties, [{ name: 'bench.bin', mediaType: 'application/octet-stream', size, content: file() }], {
        sha256Stream: nodeSha256,
      }),
    );
    for await (const bytes of sealing) await out.write(bytes);
  } else if (op === 'open') {
    const opened = await openPouch(crypto, file(), openOptions(parties, parties.recipients[0]!, nodeSha256));
    for await (const d of opened.documents()) for await (const b of d.content) await out.write(b);
  } else if (op === 'gcm-encrypt' || op === 'gcm-decrypt') {
    // The ceiling: the same chunking through node:crypto directly, nothing else.
    const key = randomBytes(32);
    const nonce = Buffer.alloc(12);
    const step = op === 'gcm-encrypt' ? CHUNK : CHUNK + 16;
    let pending: Buffer = Buffer.alloc(0);
    let counter = 0;
    const flush = async (piece: Buffer) => {
      nonce.writeUInt32BE(counter++, 8);
      let sealed: Buffer;
      if (op === 'gcm-encrypt') {
        const c = createCipheriv('aes-256-gcm', key, nonce);
        sealed = Buffer.concat([c.update(piece), c.final(), c.getAuthTag()]);
      } else {
        // Decrypting with a wrong key would fail the tag, so this measures decrypt-then-verify
        // on random bytes and ignores the (expected) tag failure.
        const d = createDecipheriv('aes-256-gcm', key, nonce);
        d.setAuthTag(piece.subarray(piece.length - 16));
        sealed = d.update(piece.subarray(0, piece.length - 16));
        try {
          d.final();
        } catch {
          // expected: random input
        }
      }
      await out.write(sealed);
    };
    for await (const b of file()) {
      pending = pending.length === 0 ? (b as Buffer) : Buffer.concat([pending, b as Buffer]);
      let at = 0;
      while (pending.length - at >= step) {
        await flush(pending.subarray(at, at + step));
        at += step;
      }
      pending = pending.subarray(at);
    }
    if (pending.length > 0 || counter === 0) await flush(op === 'gcm-decrypt' && pending.length < 16 ? Buffer.alloc(16) : pending);
  } else {
    throw new Error(`unknown worker op ${op}`);
  }
  await out.end();
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

async function main(): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1]! : fallback;
  };
  const sizes = arg('--sizes', '1MB,100MB,2GB').split(',').map(parseSize);
  const dir = mkdtempSync(join(arg('--dir', '/tmp'), 'pouch-bench-'));
  const self = new URL(import.meta.url).pathname;
  const ageKey = join(dir, 'age.key');
  execFileSync('age-keygen', ['-o', ageKey], { stdio: 'ignore' });
  const ageRecipient = execFileSync('age-keygen', ['-y', ageKey], { encoding: 'utf8' }).trim();
  try {
    for (const size of sizes) {
      const plain = join(dir, 'plain.bin');
      const fd = openSync(plain, 'w');
      const block = randomBytes(1 << 20);
      for (let o = 0; o < size; o += block.length) writeSync(fd, block, 0, Math.min(block.length, size - o));
      closeSync(fd);
      const figures: Figure[] = [];
      const run = (tool: string, op: string, command: string, args: string[]) => {
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
      run('valise-pouch', 'seal', process.execPath, [self, '--worker', 'seal', plain, sealed]);
      run('valise-pouch', 'open', process.execPath, [self, '--worker', 'open', sealed, '/dev/null']);
      rmSync(sealed);
      run('age', 'seal', 'age', ['-r', ageRecipient, '-o', aged, plain]);
      run('age', 'open', 'age', ['-d', '-i', ageKey, '-o', '/dev/null', aged]);
      rmSync(aged);
      run('aes-256-gcm', 'seal', process.execPath, [self, '--worker', 'gcm-encrypt', plain, gcm]);
      run('aes-256-gcm', 'open', process.execPath, [self, '--worker', 'gcm-decrypt', gcm, '/dev/null']);
      rmSync(gcm);
      rmSync(plain);
      // The cipher alone, no file I/O: what the format's bulk path is bounded by on this machine.
      {
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
        const seconds = (performance.now() - started) / 1000;
        console.log(
          JSON.stringify({
            bench: 'pouch',
            tool: 'aes-256-gcm-in-memory',
            op: 'seal',
            bytes: size,
            seconds: Number(seconds.toFixed(3)),
            mbPerSec: Number((size / 1e6 / seconds).toFixed(1)),
          }),
        );
      }
      for (const op of ['seal', 'open']) {
        const get = (tool: string) => figures.find((f) => f.tool === tool && f.op === op)!;
        const pouch = get('valise-pouch');
        console.log(
          JSON.stringify({
            bench: 'pouch',
            op,
            bytes: size,
            pouchVsAge: Number((pouch.mbPerSec / get('age').mbPerSec).toFixed(2)),
            pouchVsAes256Gcm: Number((pouch.mbPerSec / get('aes-256-gcm').mbPerSec).toFixed(2)),
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
