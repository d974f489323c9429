/**
 * Pouch transfers as files, in Node: a pouch file read by ranges for upload, a partial download
 * (`NAME.partial`) that a later run continues and that becomes NAME only once the whole pouch and
 * its chain of custody verified, and custody receipts appended to a pouch file, fsynced.
 */
import { existsSync } from 'node:fs';
import { link, open, stat, unlink } from 'node:fs/promises';
import { ValiseError } from '@valise/protocol';
import type { ValiseClient } from '../client.ts';
import type { PouchDownloadSink, PouchUploadSource, ReceivedPouch, TransferProgress } from '../pouch-transport.ts';
import type { PouchVerification } from '../pouch-view.ts';
import { pouchFileSource } from './pouch-files.ts';

/** A pouch file to upload, read by ranges; close it when done. */
export async function pouchUploadSource(path: string): Promise<PouchUploadSource & { close(): Promise<void> }> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new ValiseError('FILE_NOT_FOUND', `${path} is not a readable file`);
  const handle = await open(path, 'r');
  return {
    size: info.size,
    async read(offset, length) {
      const out = new Uint8Array(length);
      let at = 0;
      while (at < length) {
        const { bytesRead } = await handle.read(out, at, length - at, offset + at);
        if (bytesRead === 0) throw new ValiseError('POUCH_TRUNCATED', `${path} changed while it was being sent`);
        at += bytesRead;
      }
      return out;
    },
    close: () => handle.close(),
  };
}

/** A download sink appending to `path` (created if absent): what it holds is where a resumed download starts. */
export function pouchDownloadSink(path: string): PouchDownloadSink & { close(): Promise<void> } {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  return {
    async size() {
      return (await stat(path).catch(() => undefined))?.size ?? 0;
    },
    async append(bytes) {
      handle ??= await open(path, 'a', 0o600);
      await handle.write(bytes);
    },
    async close() {
      if (!handle) return;
      await handle.sync();
      await handle.close();
      handle = undefined;
    },
  };
}

/** Append a custody receipt's frame to a pouch file and make it durable. */
export async function appendToPouchFile(path: string, frame: Uint8Array): Promise<void> {
  if (!existsSync(path)) throw new ValiseError('FILE_NOT_FOUND', `${path} does not exist`);
  const handle = await open(path, 'a');
  try {
    await handle.write(frame);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface ReceivedPouchFile extends ReceivedPouch {
  file: string;
  verification: PouchVerification;
}

/**
 * Download a pouch into `output`: the bytes go to `output.partial` (a rerun continues it); once
 * complete, the pouch is verified (seal, sender, chain of custody) and only then takes its name.
 * A pouch that fails verification is deleted. `output` is never overwritten.
 */
export async function receivePouchFile(
  client: ValiseClient,
  id: string,
  output: string,
  options: { onProgress?: (p: TransferProgress) => void; signal?: AbortSignal } = {},
): Promise<ReceivedPouchFile> {
  if (existsSync(output)) throw new ValiseError('POUCH_OUTPUT_EXISTS', `${output} exists: Valise does not overwrite files`);
  const partial = `${output}.partial`;
  const sink = pouchDownloadSink(partial);
  let received: ReceivedPouch;
  try {
    received = await client.pouch.transport.receive(id, sink, options);
  } finally {
    await sink.close();
  }
  let verification: PouchVerification;
  try {
    verification = await client.pouch.verify(pouchFileSource(partial));
  } catch (err) {
    await unlink(partial).catch(() => undefined);
    throw err;
  }
  try {
    await link(partial, output);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new ValiseError('POUCH_OUTPUT_EXISTS', `${output} appeared meanwhile: nothing was overwritten`);
    throw err;
  }
  await unlink(partial);
  return { ...received, file: output, verification };
}
