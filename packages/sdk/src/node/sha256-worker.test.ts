/** SHA-256 on a worker thread gives node's digest for any cut of the bytes, in bounded memory. */
import { createHash, randomBytes } from 'node:crypto';
import { nodeCryptoProvider as crypto } from '@valise/protocol/crypto-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeSha256Stream, RING_SIZE, WORKER_THRESHOLD, WorkerSha256 } from './sha256-worker.ts';

async function hashPieces(pieces: Uint8Array[]): Promise<Uint8Array> {
  const h = new WorkerSha256();
  for (const p of pieces) await h.update(p);
  return h.digest();
}

const nodeDigest = (pieces: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of pieces) h.update(p);
  return new Uint8Array(h.digest());
};

describe('WorkerSha256', () => {
  it('equals createHash for any piece sizes, the ring wrapping around many times', async () => {
    const data = randomBytes(3 * RING_SIZE + 12345);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 * RING_SIZE }), { maxLength: 8 }), async (cuts) => {
        const points = [...new Set([0, ...cuts, data.length])].sort((a, b) => a - b);
        const pieces = points.slice(1).map((end, i) => data.subarray(points[i], end));
        expect(await hashPieces(pieces)).toEqual(nodeDigest(pieces));
      }),
      { numRuns: 12 },
    );
  });

  it('hashes nothing, one byte, and a piece larger than the ring (update waits for room)', async () => {
    expect(await hashPieces([])).toEqual(nodeDigest([]));
    expect(await hashPieces([new Uint8Array([7])])).toEqual(nodeDigest([new Uint8Array([7])]));
    const big = randomBytes(2 * RING_SIZE + 1);
    const h = new WorkerSha256();
    const wait = h.update(big);
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    expect(await h.digest()).toEqual(nodeDigest([big]));
  });

  it('copies what it is given: the caller may reuse its buffer once update returns or settles', async () => {
    const buffer = new Uint8Array(1 << 16);
    const pieces: Uint8Array[] = [];
    const h = new WorkerSha256();
    for (let i = 0; i < 300; i++) {
      buffer.fill(i & 0xff);
      pieces.push(buffer.slice());
      await h.update(buffer);
    }
    expect(await h.digest()).toEqual(nodeDigest(pieces));
  });

  it('runs streams side by side, each on its own worker, and reuses idle workers', async () => {
    const inputs = [randomBytes(RING_SIZE * 2), randomBytes(RING_SIZE + 3), randomBytes(5)];
    const digests = await Promise.all(
      inputs.map(async (input) => {
        const h = new WorkerSha256();
        for (let at = 0; at < input.length; at += 1 << 18) await h.update(input.subarray(at, at + (1 << 18)));
        return h.digest();
      }),
    );
    expect(digests).toEqual(inputs.map((i) => nodeDigest([i])));
    expect(await hashPieces([inputs[0] as Uint8Array])).toEqual(nodeDigest([inputs[0] as Uint8Array]));
  });

  it('refuses use after digest', async () => {
    const h = new WorkerSha256();
    await h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow();
    await expect(h.digest()).rejects.toThrow();
  });

  it('nodeSha256Stream hashes large inputs to open on the worker, the rest in-thread', async () => {
    expect(nodeSha256Stream(WORKER_THRESHOLD, 'open')).toBeInstanceOf(WorkerSha256);
    expect(nodeSha256Stream(WORKER_THRESHOLD, 'verify')).not.toBeInstanceOf(WorkerSha256);
    expect(nodeSha256Stream(WORKER_THRESHOLD)).toBeInstanceOf(WorkerSha256);
    expect(nodeSha256Stream(WORKER_THRESHOLD, 'seal')).not.toBeInstanceOf(WorkerSha256);
    const small = nodeSha256Stream(100, 'open');
    expect(small).not.toBeInstanceOf(WorkerSha256);
    expect(nodeSha256Stream()).not.toBeInstanceOf(WorkerSha256);
    small.update(new Uint8Array([1, 2, 3]));
    expect(new Uint8Array(await small.digest())).toEqual(await crypto.sha256(new Uint8Array([1, 2, 3])));
    // The large one is left without digest: the pool must not keep the test process alive.
  });
});
