/**
 * Pouches through the server (docs/protocol.md, "Pouch transport, custody and tracking"): upload
 * with resume (announce, ask where the server is, continue in chunks), download with Range resume,
 * custody hand-overs (sign, append to the local file, report), tracking and lists. Storage is
 * injected — a random-access source to upload from, an appendable sink to download into — so the
 * same code runs in Node (files) and the browser (Blobs, OPFS).
 */
import {
  type ByteSource,
  type CreatePouchResponse,
  inspectPouch,
  POUCH_LIMITS,
  type PostReceiptResponse,
  type PouchSummary,
  type PouchTrack,
  type PouchUploadStatus,
  pouchHeaderLength,
  sealedPouchSize,
  toBase64Url,
  ValiseError,
} from '@valise/protocol';
import type { ClientCore } from './core.ts';
import type { PouchApi, PouchHandover } from './pouch.ts';

/** A pouch file to upload, read by ranges (a file handle, a Blob). */
export interface PouchUploadSource {
  /** Bytes in the file (the sealed pouch, perhaps followed by custody receipts). */
  size: number;
  /** Exactly `length` bytes from `offset`. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Where a download goes: a partial file that grows, and survives an interruption. */
export interface PouchDownloadSink {
  /** Bytes already there (the offset to resume from). */
  size(): Promise<number>;
  append(bytes: Uint8Array): Promise<void>;
}

/** Bytes transferred so far out of the total. */
export interface TransferProgress {
  bytes: number;
  total: number;
}

export interface SendPouchOptions {
  /** Hours the next hop may take before the pouch is reported missing (server default 72). */
  expectedHours?: number;
  /** Bytes per request (default 8 MiB, at most the server's 64 MiB). */
  chunkBytes?: number;
  onProgress?: (progress: TransferProgress) => void;
  /** Interrupts the upload between or within requests (CANCELLED); sending again resumes. */
  signal?: AbortSignal;
}

export interface SentPouch {
  pouch: PouchSummary;
  /** Bytes this call uploaded (less than the size when it resumed an earlier upload). */
  uploaded: number;
  resumedAt: number;
}

export interface ReceivedPouch {
  /** Bytes in the sink at the end: the pouch and its custody receipts. */
  bytes: number;
  /** Where this call started (0, or the partial download it resumed). */
  resumedAt: number;
}

export interface HandoverResult extends PouchHandover {
  /** The server's record of the hand-over, when the server knows the pouch. */
  reported?: PostReceiptResponse;
  /** Why the hand-over was not reported (the pouch is not on the server, or the server refused: its code). */
  notReported?: { code: string; message: string };
}

const DEFAULT_CHUNK = 8 * 1024 * 1024;

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ValiseError('CANCELLED', 'the transfer was interrupted; run it again to resume');
}

export class PouchTransport {
  readonly #core: ClientCore;
  readonly #pouch: PouchApi;

  constructor(core: ClientCore, pouch: PouchApi) {
    this.#core = core;
    this.#pouch = pouch;
  }

  /** The header of a pouch file: its bytes up to the end of the marks signature. */
  async #header(source: PouchUploadSource): Promise<Uint8Array> {
    let length = Math.min(source.size, 64 * 1024);
    for (;;) {
      const prefix = await source.read(0, length);
      const needed = pouchHeaderLength(prefix);
      if (needed !== undefined && needed <= prefix.length) return prefix.subarray(0, needed);
      if (needed !== undefined && needed > source.size) throw new ValiseError('POUCH_TRUNCATED', 'the file ends inside the pouch header');
      if (length >= source.size || length >= POUCH_LIMITS.headerBytes)
        throw new ValiseError('POUCH_BAD_FORMAT', 'this is not a Valise pouch header');
      length = Math.min(source.size, needed ?? length * 2, POUCH_LIMITS.headerBytes);
    }
  }

  /**
   * Upload a sealed pouch (this device must have sealed it). Announcing is idempotent and returns
   * how much the server holds, so running this again after an interruption continues there.
   * Custody receipts after the seal are not uploaded (hand-overs are reported one by one).
   */
  async send(source: PouchUploadSource, options: SendPouchOptions = {}): Promise<SentPouch> {
    const api = this.#core.api;
    const header = await this.#header(source);
    const { marks } = await inspectPouch(this.#core.crypto, [header]);
    const size = sealedPouchSize(header.length, marks.payloadLength);
    if (source.size < size) throw new ValiseError('POUCH_TRUNCATED', `the file has ${source.size} bytes; the sealed pouch has ${size}`);
    const created = await api.post<CreatePouchResponse>('/pouches', {
      header: toBase64Url(header),
      size,
      ...(options.expectedHours !== undefined ? { expectedHours: options.expectedHours } : {}),
    });
    const id = created.pouch.id;
    const chunk = Math.min(options.chunkBytes ?? DEFAULT_CHUNK, POUCH_LIMITS.uploadChunkBytes);
    let offset = created.pouch.received;
    const resumedAt = offset;
    let status: PouchUploadStatus = { id, size, received: offset, status: created.pouch.status };
    options.onProgress?.({ bytes: offset, total: size });
    while (status.status === 'uploading') {
      checkAborted(options.signal);
      const length = Math.min(chunk, size - offset);
      const body = await source.read(offset, length);
      const res = await api.exchange(
        'PUT',
        `/pouches/${id}/content`,
        {
          body,
          contentType: 'application/octet-stream',
          headers: { 'upload-offset': String(offset) },
          ...(options.signal ? { signal: options.signal } : {}),
        },
        [409],
      );
      if (res.status === 409) {
        const body409 = (await res.json()) as { error?: { code?: string; message?: string } };
        const at = res.headers.get('upload-offset');
        if (body409.error?.code !== 'POUCH_OFFSET_MISMATCH' || at === null) {
          throw new ValiseError(body409.error?.code ?? 'CONFLICT', body409.error?.message ?? 'the server refused the chunk');
        }
        // Someone (an earlier run) got further, or a chunk was cut short: continue where the server is.
        status = await api.get<PouchUploadStatus>(`/pouches/${id}/upload`);
        offset = status.received;
      } else {
        status = (await res.json()) as PouchUploadStatus;
        offset = status.received;
      }
      options.onProgress?.({ bytes: offset, total: size });
    }
    const pouch = (await this.list('sent')).find((p) => p.id === id) ?? {
      ...created.pouch,
      status: status.status,
      received: status.received,
    };
    return { pouch, uploaded: offset - resumedAt, resumedAt };
  }

  /** How much of a pouch the server holds (the sender's device). */
  status(id: string): Promise<PouchUploadStatus> {
    return this.#core.api.get<PouchUploadStatus>(`/pouches/${encodeURIComponent(id)}/upload`);
  }

  /**
   * Download a pouch with its custody receipts into `sink`, continuing from what the sink holds
   * (Range). The caller verifies the result (PouchApi.verify) before trusting it.
   */
  async receive(
    id: string,
    sink: PouchDownloadSink,
    options: { onProgress?: (progress: TransferProgress) => void; signal?: AbortSignal } = {},
  ): Promise<ReceivedPouch> {
    const resumedAt = await sink.size();
    const res = await this.#core.api.exchange(
      'GET',
      `/pouches/${encodeURIComponent(id)}/content`,
      { headers: resumedAt > 0 ? { range: `bytes=${resumedAt}-` } : {}, ...(options.signal ? { signal: options.signal } : {}) },
      [416],
    );
    if (res.status === 416) {
      // Nothing past what the sink holds: complete already, unless the sink holds more than the pouch.
      const total = Number(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1] ?? Number.NaN);
      if (total === resumedAt) return { bytes: resumedAt, resumedAt };
      throw new ValiseError(
        'POUCH_PARTIAL_MISMATCH',
        `the partial download has ${resumedAt} bytes; the pouch has ${total}: remove it and receive again`,
      );
    }
    const total =
      res.status === 206 ? Number(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1]) : Number(res.headers.get('content-length'));
    if (res.status === 200 && resumedAt > 0) throw new ValiseError('POUCH_PARTIAL_MISMATCH', 'the server did not resume the download');
    let bytes = resumedAt;
    options.onProgress?.({ bytes, total });
    if (!res.body) throw new ValiseError('SERVER_UNREACHABLE', 'the download has no body');
    for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
      await sink.append(piece);
      bytes += piece.length;
      options.onProgress?.({ bytes, total });
    }
    if (bytes !== total) throw new ValiseError('CANCELLED', `the download stopped at ${bytes} of ${total} bytes; receive again to resume`);
    return { bytes, resumedAt };
  }

  /** Report a hand-over this device signed (the receipt's taker). */
  report(id: string, receipt: Uint8Array): Promise<PostReceiptResponse> {
    return this.#core.api.post<PostReceiptResponse>(`/pouches/${encodeURIComponent(id)}/receipts`, { receipt: toBase64Url(receipt) });
  }

  /**
   * Take custody: verify the pouch and its chain so far, sign the receipt of this hand-over with
   * this device's identity key, `append` its frame to the local file, and report it to the server
   * if the server carries the pouch.
   */
  async handover(
    source: ByteSource,
    options: { place: string; from?: string; append: (frame: Uint8Array) => Promise<void> },
  ): Promise<HandoverResult> {
    const made = await this.#pouch.handover(source, {
      place: options.place,
      ...(options.from !== undefined ? { from: options.from } : {}),
    });
    await options.append(made.frame);
    try {
      return { ...made, reported: await this.report(made.pouchId, made.receipt) };
    } catch (err) {
      if (err instanceof ValiseError && err.code !== 'SERVER_UNREACHABLE') {
        return { ...made, notReported: { code: err.code, message: err.message } };
      }
      throw err;
    }
  }

  /** Where a pouch is: status, hops, holder, deadline, missing. */
  track(id: string): Promise<PouchTrack> {
    return this.#core.api.get<PouchTrack>(`/pouches/${encodeURIComponent(id)}/track`);
  }

  /** Inbox (to this person's unit), sent (by this person) or missing (security officers). */
  async list(box: 'inbox' | 'sent' | 'missing' = 'inbox'): Promise<PouchSummary[]> {
    return (await this.#core.api.get<{ pouches: PouchSummary[] }>(`/pouches?box=${box}`)).pouches;
  }
}
