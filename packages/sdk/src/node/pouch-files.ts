/**
 * Pouches as files, in Node: documents streamed from disk, the pouch written next to its final
 * name and moved there only when complete, and opened documents written under a folder with names
 * that cannot leave it, committed only once the whole pouch verified. Hashing is node's native
 * SHA-256 (the protocol's pure-JS default is about ten times slower on bulk bytes), on a worker
 * thread for large pouches being opened (sha256-worker.ts). Documents are read into
 * reused buffers and pouches written in gathered writes (file-pieces.ts).
 */
import { createReadStream, existsSync } from 'node:fs';
import { link, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import { basename, extname, join, resolve, sep } from 'node:path';
import { type ByteSource, type Sha256StreamFactory, toBase64Url, ValiseError } from '@valise/protocol';
import { nodeCryptoProvider } from '@valise/protocol/crypto-node';
import type { PouchFileInput, SdkOpenedPouch } from '../pouch.ts';
import { inspectPouchSource, type PouchMarksView, type PouchVerification, verifyPouchSource } from '../pouch-view.ts';
import { BatchedFileWriter, filePieces } from './file-pieces.ts';
import { nodeSha256Stream as nativeSha256Stream } from './sha256-worker.ts';

/** Node's incremental SHA-256, for pouch bulk bytes (on a worker thread for large opens). */
export const nodeSha256Stream: Sha256StreamFactory = nativeSha256Stream;

const READ_CHUNK = 1 << 20;

const MEDIA_TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.zip': 'application/zip',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.odt': 'application/vnd.oasis.opendocument.text',
};

/** A media type from a file name's extension; application/octet-stream when unknown. */
export function mediaTypeOf(name: string): string {
  return MEDIA_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * A file on disk as a document to seal: its base name, media type, size, and a stream of its
 * bytes. The stream reuses its buffers (file-pieces.ts): each piece is valid until the next is
 * asked for, which is how the sealer reads it; copy a piece to keep it.
 */
export async function pouchDocumentFromFile(path: string, options: { name?: string; mediaType?: string } = {}): Promise<PouchFileInput> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new ValiseError('FILE_NOT_FOUND', `${path} is not a readable file`);
  const name = options.name ?? basename(path);
  return {
    name,
    mediaType: options.mediaType ?? mediaTypeOf(name),
    size: info.size,
    stream: filePieces(path),
  };
}

/** A pouch file as a byte source. */
export function pouchFileSource(path: string): ByteSource {
  if (!existsSync(path)) throw new ValiseError('FILE_NOT_FOUND', `${path} does not exist`);
  return createReadStream(path, { highWaterMark: READ_CHUNK }) as AsyncIterable<Uint8Array>;
}

/** The marks of a pouch file, without any key or profile. */
export function inspectPouchFile(path: string): Promise<PouchMarksView> {
  return inspectPouchSource(nodeCryptoProvider, pouchFileSource(path));
}

/** Verify a pouch file without keys (structure, signatures, digest). */
export function verifyPouchFile(path: string): Promise<PouchVerification> {
  return verifyPouchSource(nodeCryptoProvider, pouchFileSource(path), { sha256Stream: nodeSha256Stream });
}

function exists(message: string): ValiseError {
  return new ValiseError('POUCH_OUTPUT_EXISTS', message);
}

const partialName = (dir: string, hint: string) => join(dir, `.${hint}.valise-partial-${toBase64Url(nodeCryptoProvider.randomBytes(9))}`);

/** Move a finished temporary file to its name, refusing (POUCH_OUTPUT_EXISTS) if something took it meanwhile. */
async function commit(temporary: string, final: string): Promise<void> {
  try {
    await link(temporary, final);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw exists(`${final} appeared while writing: nothing was overwritten`);
    throw err;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/**
 * Write a pouch's bytes to `path`: refused if it exists; written to a temporary file beside it,
 * which becomes `path` only when every byte is written (a failed seal leaves nothing behind).
 * Pieces are written in gathered batches and kept until written: the source must not reuse them.
 */
export async function writePouchFile(bytes: AsyncIterable<Uint8Array>, path: string): Promise<number> {
  if (existsSync(path)) throw exists(`${path} exists: Valise does not overwrite files`);
  const dir = resolve(path, '..');
  const temporary = partialName(dir, basename(path));
  let written = 0;
  try {
    written = await writeAllTo(bytes, temporary);
  } catch (err) {
    await unlink(temporary).catch(() => undefined);
    throw err;
  }
  await commit(temporary, path);
  return written;
}

/** Write every piece to a new file (refused if it exists; mode 0600) and flush it to disk. */
async function writeAllTo(bytes: AsyncIterable<Uint8Array>, path: string): Promise<number> {
  const out = await BatchedFileWriter.open(path, 'wx', 0o600);
  try {
    for await (const b of bytes) await out.write(b);
    const written = await out.finish();
    await out.sync();
    return written;
  } finally {
    await out.close();
  }
}

// Characters no file name may hold on common systems, controls included.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
const UNSAFE = /[\u0000-\u001f\u007f<>:"|?*]/g;
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/**
 * A file name for a document name from a pouch that cannot leave the folder it is written to:
 * path separators of every system become "_", "." and ".." segments are dropped, unsafe and
 * control characters become "_", leading dots are removed (no hidden or relative names), the
 * length is bounded. `../../etc/passwd` becomes `etc_passwd`.
 */
export function safeDocumentName(name: string, index: number): string {
  const parts = name
    .split(/[/\\]+/)
    .map((p) => p.replace(UNSAFE, '_').trim())
    .filter((p) => p !== '' && p !== '.' && p !== '..');
  let safe = parts.join('_').replace(/^\.+/, '');
  if (RESERVED.test(safe)) safe = `_${safe}`;
  // Bound the length in bytes (most file systems allow 255), keeping the extension.
  const ext = extname(safe).slice(0, 16);
  while (Buffer.byteLength(safe) > 200) safe = safe.slice(0, safe.length - ext.length - 1) + ext;
  return safe === '' ? `document-${index + 1}` : safe;
}

/** Unique safe names for the documents: a repeated name gets " (2)", " (3)"… before its extension. */
export function safeDocumentNames(names: string[]): string[] {
  const taken = new Set<string>();
  return names.map((n, i) => {
    const base = safeDocumentName(n, i);
    let candidate = base;
    for (let k = 2; taken.has(candidate.toLowerCase()); k++) {
      const ext = extname(base);
      candidate = `${base.slice(0, base.length - ext.length)} (${k})${ext}`;
    }
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}

export interface WrittenDocument {
  name: string;
  mediaType: string;
  size: number;
  path: string;
}

/**
 * Write an opened pouch's documents under `dir` (created if needed). Every target is checked first
 * (POUCH_OUTPUT_EXISTS if any exists: nothing is overwritten); each document goes to a temporary
 * file and all of them take their names only after the whole pouch verified, so a broken pouch
 * leaves nothing behind.
 */
export async function writeOpenedPouch(opened: SdkOpenedPouch, dir: string): Promise<WrittenDocument[]> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  if (!(await lstat(root)).isDirectory()) throw new ValiseError('BAD_ARGUMENT', `${dir} is not a folder`);
  const names = safeDocumentNames(opened.documents.map((d) => d.name));
  const targets = names.map((n) => {
    const path = resolve(root, n);
    // Defence in depth: safeDocumentName already makes this impossible.
    if (!path.startsWith(root + sep)) throw new ValiseError('POUCH_BAD_DOCUMENT_NAME', `document name ${JSON.stringify(n)} leaves ${dir}`);
    return path;
  });
  for (const t of targets) if (existsSync(t)) throw exists(`${t} exists: Valise does not overwrite files; open into an empty folder`);
  const temporaries: string[] = [];
  try {
    for await (const doc of opened.read()) {
      const temporary = partialName(root, `doc-${doc.index}`);
      temporaries[doc.index] = temporary;
      await writeAllTo(doc.content, temporary);
    }
    // An unread document (none here) would have no file: make sure every one was written.
    for (let i = 0; i < targets.length; i++)
      if (temporaries[i] === undefined) throw new ValiseError('INTERNAL', `document ${i} was not read`);
    for (const t of targets) if (existsSync(t)) throw exists(`${t} appeared while opening: nothing was overwritten`);
    for (let i = 0; i < targets.length; i++) await commit(temporaries[i] as string, targets[i] as string);
  } finally {
    for (const t of temporaries) if (t) await unlink(t).catch(() => undefined);
  }
  return opened.documents.map((d, i) => ({ name: d.name, mediaType: d.mediaType, size: d.size, path: targets[i] as string }));
}
