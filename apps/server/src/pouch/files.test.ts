/** Pouch files: chunks written at the received offset, a body that breaks off keeps what arrived, an oversized one leaves nothing. */
import { readFile } from 'node:fs/promises';
import { hasCode } from '@valise/protocol';
import { describe, expect, it } from 'vitest';
import { PouchFiles } from './files.ts';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';

describe('pouch files', () => {
  it('writes at the offset, cutting anything past it; keeps what arrived before a break; refuses more than the limit', async () => {
    const files = new PouchFiles();
    try {
      await files.create(ID);
      expect(await files.writeChunk(ID, 0, 10, [new Uint8Array([1, 2, 3, 4])])).toEqual({ written: 4, complete: true });
      // A crash left bytes past the recorded offset (2): they are cut before writing.
      expect((await files.writeChunk(ID, 2, 10, [new Uint8Array([9, 9])])).written).toBe(2);
      expect([...(await readFile(await files.path(ID)))]).toEqual([1, 2, 9, 9]);

      async function* breaksOff() {
        yield new Uint8Array([5, 6]);
        throw new Error('aborted');
      }
      expect(await files.writeChunk(ID, 4, 10, breaksOff())).toEqual({ written: 2, complete: false });
      expect([...(await readFile(await files.path(ID)))]).toEqual([1, 2, 9, 9, 5, 6]);

      await expect(files.writeChunk(ID, 6, 3, [new Uint8Array(2), new Uint8Array(2)])).rejects.toSatisfy((e: unknown) =>
        hasCode(e, 'PAYLOAD_TOO_LARGE'),
      );
      expect((await readFile(await files.path(ID))).length).toBe(6);
      await expect(files.path('../../etc/passwd')).rejects.toSatisfy((e: unknown) => hasCode(e, 'BAD_REQUEST'));
    } finally {
      await files.close();
    }
  });
});
