/**
 * The bulk file plumbing of pouches in Node: pieces read into reused buffers, gathered writes, and
 * a whole pouch sealed from a file and opened and verified with SHA-256 on a worker thread.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPouch, sealPouch, verifyPouch } from '@valise/protocol';
import { nodeCryptoProvider as crypto } from '@valise/protocol/crypto-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeParties, openOptions, sealInput, type TestDevice, type TestParties } from '../../../protocol/src/pouch/test-kit.ts';
import { BatchedFileWriter, filePieces, WRITE_BATCH_SIZE } from './file-pieces.ts';
import { nodeSha256Stream, WORKER_THRESHOLD } from './sha256-worker.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'valise-file-pieces-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('filePieces', () => {
  it('yields every byte in order, in pieces of at most the piece size, reusing two buffers', async () => {
    const data = randomBytes(5 * 4096 + 17);
    const path = join(dir, 'pieces.bin');
    await writeFile(path, data);
    const copies: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const piece of filePieces(path, 4096)) {
      expect(piece.length).toBeLessThanOrEqual(4096);
      buffers.add(piece.buffer);
      copies.push(Buffer.from(piece));
    }
    expect(Buffer.concat(copies)).toEqual(data);
    expect(buffers.size).toBe(2);
    for await (const _ of filePieces(join(dir, 'pieces.bin'), 1 << 20)) expect(_.length).toBe(data.length);
  });

  it('yields nothing for an empty file and closes the file when the reader stops early', async () => {
    const empty = join(dir, 'empty.bin');
    await writeFile(empty, new Uint8Array(0));
    for await (const _ of filePieces(empty)) throw new Error('an empty file has no piece');
    const path = join(dir, 'early.bin');
    await writeFile(path, randomBytes(3 * 4096));
    for await (const _ of filePieces(path, 4096)) break;
    await rm(path); // would fail on some systems with the file still open; here it must not throw
  });
});

describe('BatchedFileWriter', () => {
  it('writes many pieces of any size in order, in gathered batches', async () => {
    const path = join(dir, 'out.bin');
    const out = await BatchedFileWriter.open(path, 'wx', 0o600);
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) pieces.push(randomBytes((i * 7919) % (WRITE_BATCH_SIZE / 4)));
    pieces.push(randomBytes(3 * WRITE_BATCH_SIZE + 5));
    for (const p of pieces) await out.write(p);
    const written = await out.finish();
    await out.sync();
    await out.close();
    const expected = Buffer.concat(pieces);
    expect(written).toBe(expected.length);
    expect((await readFile(path)).equals(expected)).toBe(true); // not toEqual: byte by byte, slow
  });

  it("refuses an existing file with 'wx'", async () => {
    const path = join(dir, 'taken.bin');
    await writeFile(path, 'x');
    await expect(BatchedFileWriter.open(path, 'wx')).rejects.toThrow(/EEXIST/);
  });
});

describe('a pouch from a file, hashed on a worker thread', () => {
  it('seals from filePieces, opens and verifies with the worker hash, and the digests agree', async () => {
    const size = WORKER_THRESHOLD + 3 * 262144 + 99;
    const plain = join(dir, 'plain.bin');
    const data = randomBytes(size);
    await writeFile(plain, data);
    const parties = await makeParties(crypto);
    const { pouchDigest } = await sealPouchToFile(parties, plain, size, join(dir, 'sealed.pouch'));
    const file = await readFile(join(dir, 'sealed.pouch'));
    expect(
      createHash('sha256')
        .update(file.subarray(0, file.length - 32 - 3373))
        .digest(),
    ).toEqual(Buffer.from(pouchDigest));

    const pieces = (async function* () {
      for (let at = 0; at < file.length; at += 1 << 20) yield file.subarray(at, at + (1 << 20));
    })();
    const opened = await openPouch(crypto, pieces, openOptions(parties, parties.recipients[0] as TestDevice, nodeSha256Stream));
    const out = createHash('sha256');
    for await (const d of opened.documents()) for await (const b of d.content) out.update(b);
    expect(out.digest()).toEqual(createHash('sha256').update(data).digest());
    expect(opened.pouchDigest).toEqual(pouchDigest);
    const verified = await verifyPouch(crypto, [file], { sha256Stream: nodeSha256Stream });
    expect(verified.pouchDigest).toEqual(pouchDigest);
  });
});

async function sealPouchToFile(parties: TestParties, input: string, size: number, output: string): Promise<{ pouchDigest: Uint8Array }> {
  const generator = sealPouch(
    crypto,
    sealInput(parties, [{ name: 'big.bin', mediaType: 'application/octet-stream', size, content: filePieces(input) }], {
      sha256Stream: nodeSha256Stream,
    }),
  );
  const out = await BatchedFileWriter.open(output, 'wx');
  try {
    for (;;) {
      const step = await generator.next();
      if (step.done) {
        await out.finish();
        return { pouchDigest: step.value.pouchDigest };
      }
      await out.write(step.value);
    }
  } finally {
    await out.close();
  }
}
