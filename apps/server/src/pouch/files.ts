/**
 * Pouch bytes on disk: one file per pouch under the server's pouch directory, written in chunks at
 * the offset the database says was received (anything past it, from a crash between the write and
 * the database update, is cut off first) and read back in ranges, streamed, never held whole.
 * With PostgreSQL and several server processes, the directory must be shared between them.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { serverError } from '../errors.ts';

const ID = /^[A-Za-z0-9_-]{22}$/;
const READ_CHUNK = 1 << 20;

/** What one chunk's write ended with: the bytes written, and whether the request body ended cleanly. */
export interface ChunkWrite {
  written: number;
  complete: boolean;
}

export class PouchFiles {
  readonly #configured: string | undefined;
  #dir: Promise<string> | undefined;
  #temporary = false;

  /** `dir` is created when first needed; without one, a temporary directory is used and removed on close. */
  constructor(dir?: string) {
    this.#configured = dir;
  }

  #directory(): Promise<string> {
    this.#dir ??= this.#configured
      ? mkdir(this.#configured, { recursive: true, mode: 0o700 }).then(() => this.#configured as string)
      : mkdtemp(join(tmpdir(), 'valise-pouches-')).then((d) => {
          this.#temporary = true;
          return d;
        });
    return this.#dir;
  }

  async path(id: string): Promise<string> {
    // The id is checked by the route schema too; a path is only ever made from a well-formed one.
    if (!ID.test(id)) throw serverError('BAD_REQUEST', 'a pouch id is 22 base64url characters');
    return join(await this.#directory(), `${id}.pouch`);
  }

  /** An empty file for a new (or restarted) upload. */
  async create(id: string): Promise<void> {
    const handle = await open(await this.path(id), 'w', 0o600);
    await handle.close();
  }

  /**
   * Write `body` at `offset` (the file is cut to `offset` first), at most `limit` bytes: more is
   * PAYLOAD_TOO_LARGE and the file is cut back to `offset`. A body that breaks off keeps what
   * arrived (fsynced), so the client resumes from there.
   */
  async writeChunk(id: string, offset: number, limit: number, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<ChunkWrite> {
    const handle = await open(await this.path(id), 'r+');
    let written = 0;
    let complete = false;
    try {
      await handle.truncate(offset);
      try {
        for await (const piece of body) {
          if (written + piece.length > limit) {
            await handle.truncate(offset);
            throw serverError(
              'PAYLOAD_TOO_LARGE',
              `this chunk is larger than the ${limit} bytes accepted here (the per-request limit or what is left of the pouch)`,
            );
          }
          let at = 0;
          while (at < piece.length) {
            const { bytesWritten } = await handle.write(piece, at, piece.length - at, offset + written + at);
            at += bytesWritten;
          }
          written += piece.length;
        }
        complete = true;
      } catch (err) {
        if ((err as { code?: string }).code === 'PAYLOAD_TOO_LARGE') throw err;
        // The client went away mid-chunk: keep what arrived.
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { written, complete };
  }

  /** The file's bytes from `start` to `end` (exclusive). */
  read(path: string, start: number, end: number): Readable {
    return createReadStream(path, { start, end: end - 1, highWaterMark: READ_CHUNK });
  }

  async remove(id: string): Promise<void> {
    await unlink(await this.path(id)).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.#temporary && this.#dir) await rm(await this.#dir, { recursive: true, force: true });
  }
}
