/**
 * SHA-256 on a second core, for pouch bulk bytes. Sealing or opening a pouch runs AES-256-GCM and
 * SHA-256 over every byte; on one thread the hash is the larger cost (≈ 0.6 ms/MB against ≈ 0.2
 * for the cipher on a CPU with SHA and AES instructions). This stream copies each piece into a
 * ring of shared memory and a worker thread hashes it with node's native SHA-256 meanwhile, so the
 * two overlap. Memory is bounded by the ring (RING_SIZE): when it is full, `update` returns a
 * promise that settles once the worker has made room, and the caller must await it before the next
 * `update` (the pouch code does).
 *
 * Workers are kept in a small pool (idle ones do not keep the process alive), so only the first
 * stream of a process pays for starting one, and that start overlaps the pouch's header work.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Bytes of shared memory between the caller and the worker (a power of two). */
export const RING_SIZE = 8 << 20;
/** At most this many bytes are hashed at a time, so room is made steadily. */
const SLICE = 1 << 20;
/** The worker is woken only once this many bytes wait for it (or at the end): fewer futex calls. */
const WAKE_AT = 2 << 20;
// Control words: bytes written and bytes hashed (both mod 2^32), the state, a sequence number the
// worker sleeps on, and whether the worker sleeps / the caller waits for room. Each side sets its
// flag before its last look at the other side's counter (all Atomics are sequentially
// consistent), so a wake-up is never lost; the flags spare a futex call when nobody sleeps.
const WRITTEN = 0;
const HASHED = 1;
const STATE = 2;
const SEQ = 3;
const SLEEPING = 4;
const WAITING = 5;
const CONTROL_WORDS = 6;
const FINISHING = 1;

// The worker: CommonJS text, evaluated, so it needs no file next to this one after bundling.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ ring, control }) => {
  const bytes = new Uint8Array(ring);
  const ctl = new Int32Array(control);
  const size = bytes.length;
  const hash = createHash('sha256');
  let hashed = Atomics.load(ctl, ${HASHED}) >>> 0;
  const ready = () => ((Atomics.load(ctl, ${WRITTEN}) >>> 0) - hashed) >>> 0;
  for (;;) {
    const n0 = ready();
    if (n0 > 0) {
      const at = hashed & (size - 1);
      const n = Math.min(n0, size - at, ${SLICE});
      hash.update(bytes.subarray(at, at + n));
      hashed = (hashed + n) >>> 0;
      Atomics.store(ctl, ${HASHED}, hashed | 0);
      if (Atomics.load(ctl, ${WAITING}) === 1) Atomics.notify(ctl, ${HASHED});
      continue;
    }
    if (Atomics.load(ctl, ${STATE}) === ${FINISHING} && ready() === 0) break;
    Atomics.store(ctl, ${SLEEPING}, 1);
    const seq = Atomics.load(ctl, ${SEQ});
    if (ready() === 0 && Atomics.load(ctl, ${STATE}) !== ${FINISHING}) Atomics.wait(ctl, ${SEQ}, seq);
    Atomics.store(ctl, ${SLEEPING}, 0);
  }
  parentPort.postMessage(new Uint8Array(hash.digest()));
});
`;

interface PooledWorker {
  worker: Worker;
  ring: SharedArrayBuffer;
  control: SharedArrayBuffer;
}

const idle: PooledWorker[] = [];
const MAX_IDLE = 2;

function takeWorker(): PooledWorker {
  const pooled = idle.pop();
  if (pooled) return pooled;
  const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'valise-sha256' });
  worker.unref();
  return { worker, ring: new SharedArrayBuffer(RING_SIZE), control: new SharedArrayBuffer(4 * CONTROL_WORDS) };
}

// A stream dropped without digest() (a failed seal or open) leaves its worker waiting: end it.
const abandoned = new FinalizationRegistry<Worker>((worker) => void worker.terminate());

/** One SHA-256 computation on a pooled worker. `update` may return a promise: await it. */
export class WorkerSha256 {
  readonly #pooled: PooledWorker;
  readonly #bytes: Uint8Array;
  readonly #ctl: Int32Array;
  #written = 0;
  #done = false;

  constructor() {
    this.#pooled = takeWorker();
    this.#bytes = new Uint8Array(this.#pooled.ring);
    this.#ctl = new Int32Array(this.#pooled.control);
    this.#ctl.fill(0);
    this.#pooled.worker.postMessage({ ring: this.#pooled.ring, control: this.#pooled.control });
    abandoned.register(this, this.#pooled.worker, this);
  }

  /** Copies what fits into the ring; returns a promise when it had to wait for room. */
  update(data: Uint8Array): undefined | Promise<void> {
    if (this.#done) throw new Error('SHA-256 stream already finished');
    const offset = this.#copy(data, 0);
    return offset === data.length ? undefined : this.#rest(data, offset);
  }

  async #rest(data: Uint8Array, offset: number): Promise<void> {
    let at = offset;
    while (at < data.length) {
      await this.#room();
      at = this.#copy(data, at);
    }
  }

  /** Copies from `data[offset]` as much as the ring has room for; the new offset. */
  #copy(data: Uint8Array, offset: number): number {
    let at = offset;
    while (at < data.length) {
      const hashed = Atomics.load(this.#ctl, HASHED) >>> 0;
      const free = RING_SIZE - ((this.#written - hashed) >>> 0);
      if (free === 0) break;
      const pos = this.#written & (RING_SIZE - 1);
      const n = Math.min(free, RING_SIZE - pos, data.length - at);
      this.#bytes.set(data.subarray(at, at + n), pos);
      at += n;
      this.#written = (this.#written + n) >>> 0;
      Atomics.store(this.#ctl, WRITTEN, this.#written | 0);
    }
    if (at > offset && Atomics.load(this.#ctl, SLEEPING) === 1) {
      const waiting = (this.#written - (Atomics.load(this.#ctl, HASHED) >>> 0)) >>> 0;
      if (waiting >= WAKE_AT) this.#wake();
    }
    return at;
  }

  #wake(): void {
    Atomics.add(this.#ctl, SEQ, 1);
    Atomics.notify(this.#ctl, SEQ);
  }

  /** Waits until the worker has hashed something since the ring was seen full. */
  async #room(): Promise<void> {
    Atomics.store(this.#ctl, WAITING, 1);
    const { worker } = this.#pooled;
    worker.ref(); // an unref'd worker would let the process exit while this waits
    try {
      const hashed = Atomics.load(this.#ctl, HASHED);
      if (RING_SIZE - ((this.#written - (hashed >>> 0)) >>> 0) > 0) return;
      this.#wake(); // a full ring is more than WAKE_AT: the worker is awake, or this wakes it
      const wait = Atomics.waitAsync(this.#ctl, HASHED, hashed);
      if (wait.async) await wait.value;
    } finally {
      Atomics.store(this.#ctl, WAITING, 0);
      worker.unref();
    }
  }

  async digest(): Promise<Uint8Array> {
    if (this.#done) throw new Error('SHA-256 stream already finished');
    this.#done = true;
    const { worker } = this.#pooled;
    const result = new Promise<Uint8Array>((resolve, reject) => {
      const onError = (err: Error) => {
        worker.off('message', onMessage);
        reject(err);
      };
      const onMessage = (digest: Uint8Array) => {
        worker.off('error', onError);
        resolve(digest);
      };
      worker.once('message', onMessage);
      worker.once('error', onError);
    });
    Atomics.store(this.#ctl, STATE, FINISHING);
    this.#wake();
    worker.ref();
    try {
      const digest = await result;
      abandoned.unregister(this);
      if (idle.length < MAX_IDLE) idle.push(this.#pooled);
      else void worker.terminate();
      return digest;
    } finally {
      worker.unref();
    }
  }
}

/**
 * Inputs smaller than this are hashed on the calling thread: the hash takes about as long as
 * handing the bytes over, and the first stream would wait for a worker to start.
 */
export const WORKER_THRESHOLD = 16 << 20;

/**
 * Incremental SHA-256 for pouch bulk bytes (a Sha256StreamFactory): node's native createHash,
 * on a worker thread when opening at least WORKER_THRESHOLD bytes (or when the purpose is not
 * said), else on this thread.
 *
 * Measured on a 2-vCPU VM (BENCHMARKS.md, "Pouch seal and open"): opening 500 MB took ≈ 8 % less
 * time with the worker: this thread decrypts while the worker hashes. Sealing was ≈ 10 % slower
 * with it and used more CPU: there the hash reads each ciphertext piece just made, from this
 * core's cache (≈ 0.55 ms/MB, against ≈ 0.9 for bytes fresh from the file), and the second vCPU
 * is already busy with the kernel's file copies. Verifying (hashing alone) gained nothing. So only
 * opening hashes on the worker.
 */
export function nodeSha256Stream(
  expectedLength?: number,
  purpose?: 'seal' | 'open' | 'verify',
): WorkerSha256 | ReturnType<typeof createHash> {
  const worker = (purpose === undefined || purpose === 'open') && expectedLength !== undefined && expectedLength >= WORKER_THRESHOLD;
  return worker ? new WorkerSha256() : createHash('sha256');
}
