/**
 * Pouches as files, in the browser: the equivalents of node/pouch-files.ts and node/pouch-transfer.ts
 * over Blob and File. Documents are streamed out of their File (File.stream), a sealed pouch is
 * gathered into a Blob (sealed bytes are handed to the browser's blob store piece by piece, so the
 * JavaScript heap holds one piece at a time) and uploaded by Blob.slice ranges, which is what makes
 * a retry continue where the server is. Downloads grow a chunked Blob that a retry continues with a
 * Range request; opened documents become Blobs only once the whole pouch and its chain verified.
 *
 * Limit: without the File System Access API the browser's blob store holds everything. Chromium
 * keeps large blobs on disk, up to a share of the free disk space (and of memory for the parts in
 * flight); other browsers may keep them in memory. A pouch being opened exists three times at most
 * (the download, and the documents as they are decrypted), so pouches of a few hundred megabytes
 * are comfortable and multi-gigabyte pouches belong to the command line (`valise pouch`).
 */
import { type ByteSource, ValiseError } from '@valise/protocol';
import type { ValiseClient } from '../client.ts';
import type { PouchFileInput, PouchSealing, SdkOpenedPouch } from '../pouch.ts';
import type { PouchDownloadSink, PouchUploadSource, ReceivedPouch, TransferProgress } from '../pouch-transport.ts';
import type { PouchVerification } from '../pouch-view.ts';

export type { PouchHop, PouchStatus, PouchSummary, PouchTrack } from '@valise/protocol';

/** The media type of a pouch file, for downloads of the pouch itself. */
export const POUCH_MEDIA_TYPE = 'application/vnd.valise.pouch';

/** Pieces gathered before they are handed to the blob store (bounds the heap, keeps the part count low). */
const GATHER_BYTES = 4 * 1024 * 1024;

const MEDIA_TYPES: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  json: 'application/json',
  xml: 'application/xml',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  zip: 'application/zip',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  odt: 'application/vnd.oasis.opendocument.text',
};

/** The browser's type for a file, else one from its extension; application/octet-stream when unknown. */
export function mediaTypeOfFile(file: { name: string; type: string }): string {
  if (file.type) return file.type;
  const ext = /\.([A-Za-z0-9]+)$/.exec(file.name)?.[1]?.toLowerCase();
  return (ext && MEDIA_TYPES[ext]) || 'application/octet-stream';
}

/**
 * A Blob's bytes as a byte source, read as the consumer asks (nothing is opened before the first
 * read, so a source that is never read costs nothing). Each piece is fresh: it may be kept.
 */
export function blobByteSource(blob: Blob): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      const reader = blob.stream().getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          if (value.length > 0) yield value;
        }
      } finally {
        // The consumer may stop early (an error, or only the header was wanted).
        await reader.cancel().catch(() => undefined);
        reader.releaseLock();
      }
    },
  };
}

/** A dropped or chosen File as a document to seal: its name, media type, size and streamed bytes. */
export function pouchDocumentFromFile(file: File): PouchFileInput {
  return { name: file.name, mediaType: mediaTypeOfFile(file), size: file.size, stream: blobByteSource(file) };
}

/** Gather a stream of bytes into a Blob, handing them to the blob store every few megabytes. */
export async function gatherBlob(bytes: ByteSource, type = 'application/octet-stream'): Promise<Blob> {
  const parts: Blob[] = [];
  let pending: Uint8Array<ArrayBuffer>[] = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pending.length === 0) return;
    parts.push(new Blob(pending));
    pending = [];
    pendingBytes = 0;
  };
  for await (const piece of bytes as AsyncIterable<Uint8Array>) {
    // A copy: the source may reuse its buffers, and Blob parts must be ArrayBuffer-backed.
    pending.push(new Uint8Array(piece));
    pendingBytes += piece.length;
    if (pendingBytes >= GATHER_BYTES) flush();
  }
  flush();
  return new Blob(parts, { type });
}

/** A sealing read to its end into a Blob: the pouch file, ready to send (and to send again). */
export function sealedPouchBlob(sealing: PouchSealing): Promise<Blob> {
  return gatherBlob(sealing.bytes, POUCH_MEDIA_TYPE);
}

/** A Blob to upload, read by Blob.slice ranges (the transport asks for the range the server lacks). */
export function blobUploadSource(blob: Blob): PouchUploadSource {
  return {
    size: blob.size,
    async read(offset, length) {
      const bytes = new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
      if (bytes.length !== length) throw new ValiseError('POUCH_TRUNCATED', 'the pouch file is shorter than its marks say');
      return bytes;
    },
  };
}

/**
 * A download that grows in the blob store: what it holds is where a resumed download (Range)
 * starts; custody receipts signed here are appended to it.
 */
export class BlobDownloadSink implements PouchDownloadSink {
  #parts: Blob[] = [];
  #size = 0;

  size(): Promise<number> {
    return Promise.resolve(this.#size);
  }

  /** Bytes held so far. */
  get bytes(): number {
    return this.#size;
  }

  append(bytes: Uint8Array): Promise<void> {
    this.#parts.push(new Blob([new Uint8Array(bytes)]));
    this.#size += bytes.length;
    return Promise.resolve();
  }

  /** Everything held, as one Blob (the parts are shared, not copied). */
  blob(): Blob {
    const whole = new Blob(this.#parts, { type: POUCH_MEDIA_TYPE });
    // Fewer parts for the next appends and reads.
    this.#parts = [whole];
    return whole;
  }

  /** Forget what is held (a download that failed verification). */
  clear(): void {
    this.#parts = [];
    this.#size = 0;
  }
}

export interface ReceivedPouchBlob extends ReceivedPouch {
  blob: Blob;
  verification: PouchVerification;
}

/**
 * Download a pouch into `sink` (continuing what it holds), then verify it: seal, sender, chain of
 * custody. A pouch that fails verification is dropped from the sink (the next try starts over).
 */
export async function receivePouchBlob(
  client: ValiseClient,
  id: string,
  sink: BlobDownloadSink,
  options: { onProgress?: (p: TransferProgress) => void; signal?: AbortSignal } = {},
): Promise<ReceivedPouchBlob> {
  const received = await client.pouch.transport.receive(id, sink, options);
  const blob = sink.blob();
  try {
    return { ...received, blob, verification: await client.pouch.verify(blobByteSource(blob)) };
  } catch (err) {
    sink.clear();
    throw err;
  }
}

// Characters no file name may hold on common systems, controls included.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
const UNSAFE = /[\u0000-\u001f\u007f<>:"|?*]/g;

/**
 * A download name for a document name from a pouch (the same rules as the Node glue): path
 * separators become "_", "." and ".." segments are dropped, unsafe characters become "_", no
 * leading dots, at most 200 characters.
 */
export function safeDownloadName(name: string, index: number): string {
  const safe = name
    .split(/[/\\]+/)
    .map((p) => p.replace(UNSAFE, '_').trim())
    .filter((p) => p !== '' && p !== '.' && p !== '..')
    .join('_')
    .replace(/^\.+/, '')
    .slice(-200);
  return safe === '' ? `document-${index + 1}` : safe;
}

export interface OpenedDocumentBlob {
  index: number;
  name: string;
  /** A name safe to save under (safeDownloadName). */
  downloadName: string;
  mediaType: string;
  size: number;
  blob: Blob;
}

/**
 * Read an opened pouch's documents into Blobs. Nothing is returned before the whole pouch verified
 * (the seal, the sender, the chain of custody): a broken pouch yields an error and no document.
 */
export async function openedPouchBlobs(opened: SdkOpenedPouch): Promise<OpenedDocumentBlob[]> {
  const out: OpenedDocumentBlob[] = [];
  for await (const doc of opened.read()) {
    const blob = await gatherBlob(doc.content, doc.entry.mediaType || 'application/octet-stream');
    out.push({
      index: doc.index,
      name: doc.entry.name,
      downloadName: safeDownloadName(doc.entry.name, doc.index),
      mediaType: doc.entry.mediaType,
      size: doc.entry.size,
      blob,
    });
  }
  if (out.length !== opened.documents.length) throw new ValiseError('INTERNAL', 'a document of the pouch was not read');
  return out;
}
