/** Sizes from a pouch header: what the server and the SDK compute alike before any byte is uploaded. */
import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider as crypto } from '../crypto/node-provider.ts';
import { inspectPouch } from '../pouch/open.ts';
import { layoutOf, makeParties, memoryDocument, sealInput, sealToBytes } from '../pouch/test-kit.ts';
import { pouchHeaderLength, sealedPouchSize } from './pouch.ts';

describe('pouch sizes from the header', () => {
  it('finds the end of the marks signature and the sealed size, for empty, one-chunk and multi-chunk pouches', async () => {
    const parties = await makeParties(crypto);
    for (const size of [0, 1000, 600_000]) {
      const bytes = await sealToBytes(crypto, sealInput(parties, [memoryDocument('a.bin', new Uint8Array(size).fill(7))]));
      const length = pouchHeaderLength(bytes);
      expect(length).toBe(layoutOf(bytes).marksSignature[1]);
      const { marks } = await inspectPouch(crypto, [bytes.subarray(0, length)]);
      expect(sealedPouchSize(length as number, marks.payloadLength)).toBe(bytes.length);
      // Too short to tell: ask for more, never a wrong answer.
      for (const cut of [0, 10, 19, 25, (length as number) - 3400]) {
        const answer = pouchHeaderLength(bytes.subarray(0, cut));
        expect(answer === undefined || answer === length).toBe(true);
      }
    }
  });
});
