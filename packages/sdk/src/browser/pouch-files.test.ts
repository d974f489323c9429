import { describe, expect, it } from 'vitest';
import {
  BlobDownloadSink,
  blobByteSource,
  blobUploadSource,
  gatherBlob,
  mediaTypeOfFile,
  pouchDocumentFromFile,
  safeDownloadName,
} from './pouch-files.ts';

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31) & 255);

async function all(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of source) parts.push(p);
  return new Uint8Array(await new Blob(parts.map((p) => new Uint8Array(p))).arrayBuffer());
}

describe('browser pouch glue over Blob and File', () => {
  it('streams a File as a document to seal, with its size and media type', async () => {
    const file = new File([bytes(300_000)], 'annex.pdf');
    const doc = pouchDocumentFromFile(file);
    expect(doc).toMatchObject({ name: 'annex.pdf', mediaType: 'application/pdf', size: 300_000 });
    expect(await all(doc.stream as AsyncIterable<Uint8Array>)).toEqual(bytes(300_000));
    expect(mediaTypeOfFile({ name: 'x.unknown', type: '' })).toBe('application/octet-stream');
    expect(mediaTypeOfFile({ name: 'x.txt', type: 'text/csv' })).toBe('text/csv');
  });

  it('gathers a stream into a Blob and reads it back by ranges for a resumable upload', async () => {
    const pieces = (async function* () {
      for (let i = 0; i < 10; i++) yield bytes(1_000_000).subarray(i * 100_000, (i + 1) * 100_000);
    })();
    const blob = await gatherBlob(pieces);
    expect(blob.size).toBe(1_000_000);
    const source = blobUploadSource(blob);
    expect(await source.read(123_456, 1000)).toEqual(bytes(1_000_000).subarray(123_456, 124_456));
    await expect(source.read(999_500, 1000)).rejects.toMatchObject({ code: 'POUCH_TRUNCATED' });
    expect(await all(blobByteSource(blob))).toEqual(bytes(1_000_000));
  });

  it('grows a download sink that says where to resume, and forgets it when told', async () => {
    const sink = new BlobDownloadSink();
    await sink.append(bytes(10));
    await sink.append(bytes(20));
    expect(await sink.size()).toBe(30);
    const whole = new Uint8Array(await sink.blob().arrayBuffer());
    expect(whole.subarray(10)).toEqual(bytes(20));
    sink.clear();
    expect(await sink.size()).toBe(0);
  });

  it('makes document names safe to save under', () => {
    expect(safeDownloadName('../../etc/passwd', 0)).toBe('etc_passwd');
    expect(safeDownloadName('..', 2)).toBe('document-3');
    expect(safeDownloadName('.hidden:name?.txt', 0)).toBe('hidden_name_.txt');
  });
});
