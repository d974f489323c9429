/**
 * A file's bytes as pieces read into two buffers used in turn, the next read running on the
 * thread pool while the caller works on the current piece. Fresh buffers per read (what
 * fs.createReadStream does) cost page faults and garbage collection on every megabyte; at pouch
 * speeds that is a tenth of the work.
 *
 * The contract that makes reuse safe: a piece is valid only until the next one is asked for (the
 * pouch sealer consumes each piece, encrypting it into new memory, before it asks for the next).
 * Whoever needs to keep a piece must copy it.
 */
import { type FileHandle, open } from 'node:fs/promises';

/** Bytes per read: large reads mean fewer trips to the thread pool. */
export const FILE_PIECE_SIZE = 1 << 20;

export async function* filePieces(path: string, pieceSize = FILE_PIECE_SIZE): AsyncGenerator<Uint8Array, void, undefined> {
  const handle = await open(path, 'r');
  let next: ReturnType<typeof handle.read<Uint8Array>> | undefined;
  try {
    const buffers = [new Uint8Array(pieceSize), new Uint8Array(pieceSize)];
    let turn = 0;
    next = handle.read(buffers[0] as Uint8Array, 0, pieceSize, null);
    for (;;) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) return;
      turn ^= 1;
      // The other buffer is free: the caller asked for this piece, so it is done with the last.
      next = handle.read(buffers[turn] as Uint8Array, 0, pieceSize, null);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await next?.catch(() => undefined); // a read still running when the caller stopped
    await handle.close();
  }
}

/** Bytes gathered before one write, and writes allowed on the thread pool at once. */
export const WRITE_BATCH_SIZE = 1 << 20;
const WRITES_IN_FLIGHT = 2;

/**
 * Writes a stream of pieces to a file in gathered writes (writev: no concatenation) of about
 * WRITE_BATCH_SIZE, at explicit offsets so that two can run on the thread pool while the next batch
 * is being made. The pieces are kept (not copied) until written: do not change them after `write`.
 */
export class BatchedFileWriter {
  readonly #handle: FileHandle;
  #parts: Uint8Array[] = [];
  #size = 0;
  #offset = 0;
  #inFlight: Promise<void>[] = [];
  #failed: unknown;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  /** Opens `path` with node's `flags` (e.g. 'w', or 'wx' to refuse an existing file) and `mode`. */
  static async open(path: string, flags = 'w', mode = 0o666): Promise<BatchedFileWriter> {
    return new BatchedFileWriter(await open(path, flags, mode));
  }

  /** Resolves at once unless the writes in flight are at their limit. */
  async write(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    this.#parts.push(bytes);
    this.#size += bytes.length;
    if (this.#size >= WRITE_BATCH_SIZE) await this.#flush();
  }

  async #flush(): Promise<void> {
    while (this.#inFlight.length >= WRITES_IN_FLIGHT) await this.#inFlight.shift();
    if (this.#failed !== undefined) throw this.#failed;
    const parts = this.#parts;
    const at = this.#offset;
    this.#offset += this.#size;
    this.#parts = [];
    this.#size = 0;
    const done = this.#writeAll(parts, at).catch((err: unknown) => {
      this.#failed ??= err;
    });
    this.#inFlight.push(done);
  }

  async #writeAll(parts: Uint8Array[], position: number): Promise<void> {
    const rest = parts;
    let at = position;
    while (rest.length > 0) {
      let { bytesWritten } = await this.#handle.writev(rest, at);
      if (bytesWritten === 0) throw new Error('the file system accepted no bytes');
      at += bytesWritten;
      // A short write (rare on files): go on from where it stopped.
      while (rest.length > 0 && bytesWritten >= (rest[0] as Uint8Array).length) bytesWritten -= (rest.shift() as Uint8Array).length;
      if (bytesWritten > 0) rest[0] = (rest[0] as Uint8Array).subarray(bytesWritten);
    }
  }

  /** Writes what is left, waits for every write, and returns the number of bytes written. */
  async finish(): Promise<number> {
    if (this.#size > 0) await this.#flush();
    await Promise.all(this.#inFlight);
    this.#inFlight = [];
    if (this.#failed !== undefined) throw this.#failed;
    return this.#offset;
  }

  /** Flushes the file to disk (after finish). */
  sync(): Promise<void> {
    return this.#handle.sync();
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#inFlight);
    await this.#handle.close();
  }
}
