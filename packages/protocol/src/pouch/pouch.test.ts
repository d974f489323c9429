/**
 * The pouch round trip: sizes around the chunk boundary, several documents, 100 MB streamed,
 * inspect/verify without keys, label binding of recipients, both crypto providers.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeCryptoProvider as crypto } from '../crypto/node-provider.ts';
import { webCryptoProvider } from '../crypto/web-provider.ts';
import { ValiseError } from '../errors.ts';
import { DEFAULT_LABEL_POLICY } from '../labels/default-policy.ts';
import { clearanceDominates } from '../labels/dominance.ts';
import { parseLabel } from '../labels/label.ts';
import { CHUNK_SIZE } from './format.ts';
import { inspectPouch, openPouch, verifyPouch } from './open.ts';
import { type PouchDocumentInput, sealPouch } from './seal.ts';
import {
  collect,
  layoutOf,
  makeParties,
  memoryDocument,
  openAll,
  openOptions,
  patternBytes,
  sealInput,
  sealToBytes,
  type TestParties,
} from './test-kit.ts';

const nodeSha256 = () => createHash('sha256');
let parties: TestParties;
beforeAll(async () => {
  parties = await makeParties(crypto);
});

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toSatisfy((err: unknown) => err instanceof ValiseError && err.code === code);
}

describe('round trip', () => {
  // The payload holds the manifest first, so document sizes are chosen to put the payload's end
  // (not the document's) around a chunk boundary too: both are covered.
  const sizes = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE - 300, 3 * CHUNK_SIZE + 17];
  for (const size of sizes) {
    it(`one document of ${size} bytes, opened by each recipient`, async () => {
      const content = patternBytes(size, size);
      const bytes = await sealToBytes(
        crypto,
        sealInput(parties, [memoryDocument('cable.pdf', content, 'application/pdf')], { sha256Stream: nodeSha256 }),
      );
      for (const device of parties.recipients) {
        const { opened, documents } = await openAll(crypto, [bytes], openOptions(parties, device, nodeSha256));
        expect(opened.manifest.documents).toEqual([{ name: 'cable.pdf', mediaType: 'application/pdf', size }]);
        expect(documents[0]).toEqual(content);
        expect(opened.pouchDigest).toEqual(
          new Uint8Array(
            createHash('sha256')
              .update(bytes.subarray(0, layoutOf(bytes).payload[1]))
              .digest(),
          ),
        );
        expect(opened.receipts).toEqual([]);
      }
    });
  }

  it('payload ending exactly on chunk boundaries ±1', async () => {
    // Find the document size that makes the payload exactly two chunks, then go one either side.
    const probe = await sealToBytes(crypto, sealInput(parties, [memoryDocument('a', new Uint8Array(0))]));
    const overhead = layoutOf(probe).marksValue.payloadLength; // 4 + manifest + 32 for an empty document
    for (const delta of [-1, 0, 1]) {
      const size = 2 * CHUNK_SIZE - overhead + delta;
      const content = patternBytes(size, 7);
      const bytes = await sealToBytes(crypto, sealInput(parties, [memoryDocument('a', content)]));
      expect(layoutOf(bytes).marksValue.payloadLength).toBe(2 * CHUNK_SIZE + delta);
      const { documents } = await openAll(crypto, [bytes], openOptions(parties, parties.recipients[0]!));
      expect(documents[0]).toEqual(content);
    }
  });

  it('no documents at all', async () => {
    const bytes = await sealToBytes(crypto, sealInput(parties, []));
    const { opened, documents } = await openAll(crypto, [bytes], openOptions(parties, parties.recipients[1]!));
    expect(opened.manifest.documents).toEqual([]);
    expect(documents).toEqual([]);
  });

  it('several documents of mixed sizes, fed and read in odd pieces, with unicode names', async () => {
    const contents = [patternBytes(10), patternBytes(0), patternBytes(200_000, 3), patternBytes(CHUNK_SIZE, 9), patternBytes(5)];
    const documents: PouchDocumentInput[] = contents.map((c, i) => ({
      name: `annexe-${i}-Müller-dépêche.txt`,
      mediaType: 'text/plain; charset=utf-8',
      size: c.length,
      // Pieces of 7777 bytes: never aligned with the 256 KiB chunks.
      content: (async function* () {
        for (let o = 0; o < c.length; o += 7777) yield c.subarray(o, o + 7777);
      })(),
    }));
    const bytes = await sealToBytes(crypto, sealInput(parties, documents));
    // The file arrives in 1000-byte pieces, as from a slow link.
    const pieces = Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) => bytes.subarray(i * 1000, i * 1000 + 1000));
    const { opened, documents: read } = await openAll(crypto, pieces, openOptions(parties, parties.recipients[0]!));
    expect(read).toEqual(contents);
    expect(opened.marks.itemCount).toBe(5);
    expect(opened.marks.totalSize).toBe(contents.reduce((s, c) => s + c.length, 0));
  });

  it('a document left unread is skipped and still verified', async () => {
    const contents = [patternBytes(150_000, 1), patternBytes(1000, 2)];
    const bytes = await sealToBytes(
      crypto,
      sealInput(
        parties,
        contents.map((c, i) => memoryDocument(`d${i}`, c)),
      ),
    );
    const opened = await openPouch(crypto, [bytes], openOptions(parties, parties.recipients[0]!));
    const seen: Uint8Array[] = [];
    for await (const d of opened.documents()) if (d.index === 1) seen.push(await collect(d.content));
    expect(seen).toEqual([contents[1]]);
    expect(opened.pouchDigest).toHaveLength(32);
  });

  it('seals on the web provider and opens on node, and the other way', async () => {
    const content = patternBytes(100_000, 5);
    const input = sealInput(parties, [memoryDocument('x', content)]);
    const fromWeb = await sealToBytes(webCryptoProvider, input);
    expect((await openAll(crypto, [fromWeb], openOptions(parties, parties.recipients[0]!))).documents[0]).toEqual(content);
    const fromNode = await sealToBytes(crypto, input);
    expect((await openAll(webCryptoProvider, [fromNode], openOptions(parties, parties.recipients[1]!))).documents[0]).toEqual(content);
  });

  it('returns the marks and pouch digest from the sealing generator', async () => {
    const gen = sealPouch(crypto, sealInput(parties, [memoryDocument('x', patternBytes(10))]));
    const parts: Uint8Array[] = [];
    let r = await gen.next();
    while (!r.done) {
      parts.push(r.value);
      r = await gen.next();
    }
    const verified = await verifyPouch(crypto, parts, { sha256Stream: nodeSha256 });
    expect(r.value.pouchDigest).toEqual(verified.pouchDigest);
    expect(r.value.marks.sealNumber).toBe('FRD-2026-000123');
  });

  it('100 MB streamed through seal and open without holding it', async () => {
    const size = 100 * 1024 * 1024;
    const piece = patternBytes(1 << 20, 11);
    const expected = createHash('sha256');
    for (let o = 0; o < size; o += piece.length) expected.update(piece);
    const input = sealInput(parties, [
      {
        name: 'archive.tar',
        mediaType: 'application/x-tar',
        size,
        content: (function* () {
          for (let o = 0; o < size; o += piece.length) yield piece;
        })(),
      },
    ]);
    input.sha256Stream = nodeSha256;
    const opened = await openPouch(crypto, sealPouch(crypto, input), openOptions(parties, parties.recipients[0]!, nodeSha256));
    const got = createHash('sha256');
    let length = 0;
    for await (const d of opened.documents()) {
      for await (const b of d.content) {
        got.update(b);
        length += b.length;
      }
    }
    expect(length).toBe(size);
    expect(got.digest('hex')).toBe(expected.digest('hex'));
  });
});

describe('marks without keys', () => {
  it('inspectPouch reads and checks the marks from the header alone', async () => {
    const bytes = await sealToBytes(crypto, sealInput(parties, [memoryDocument('x', patternBytes(1000))]));
    const header = bytes.subarray(0, layoutOf(bytes).marksSignature[1]);
    const { marks, recipients } = await inspectPouch(crypto, [header]);
    expect(recipients).toEqual(['dev-embassy-a', 'dev-embassy-b']);
    expect(marks).toMatchObject({
      sealNumber: 'FRD-2026-000123',
      createdAt: Date.UTC(2026, 10, 23, 9, 0, 0),
      sender: { organisation: 'Freedonia MFA', unit: 'Political Directorate', deviceId: 'dev-sender-1' },
      consignee: { organisation: 'Freedonia MFA', unit: 'Embassy in Sylvania' },
      label: { policyId: DEFAULT_LABEL_POLICY.id, text: 'SECRET//REL TO FRD' },
      itemCount: 1,
      totalSize: 1000,
    });
    await expectCode(inspectPouch(crypto, [header], { trust: () => false }), 'POUCH_UNTRUSTED_SENDER');
  });

  it('verifyPouch checks the whole file and lists appended custody receipts', async () => {
    const bytes = await sealToBytes(crypto, sealInput(parties, [memoryDocument('x', patternBytes(70_000))]));
    const receipt = new Uint8Array([...new TextEncoder().encode('rcpt'), 0, 0, 0, 3, 1, 2, 3]);
    const v = await verifyPouch(crypto, [bytes, receipt]);
    expect(v.receipts).toEqual([new Uint8Array([1, 2, 3])]);
    expect(v.pouchDigest).toEqual(
      new Uint8Array(
        createHash('sha256')
          .update(bytes.subarray(0, layoutOf(bytes).payload[1]))
          .digest(),
      ),
    );
    // Opening ignores receipts' content but returns them.
    const { opened } = await openAll(crypto, [bytes, receipt], openOptions(parties, parties.recipients[0]!));
    expect(opened.receipts).toEqual([new Uint8Array([1, 2, 3])]);
  });
});

describe('the label decides who may be a recipient', () => {
  const clearances: Record<string, { level: string; compartments: string[]; nationality: string }> = {
    'dev-embassy-a': { level: 'SECRET', compartments: [], nationality: 'FRD' },
    'dev-embassy-b': { level: 'CONFIDENTIAL', compartments: [], nationality: 'FRD' },
  };
  const allowed = (r: { deviceId: string }, label: Parameters<typeof clearanceDominates>[2]) =>
    clearanceDominates(DEFAULT_LABEL_POLICY, clearances[r.deviceId]!, label);

  it('refuses to seal to a device the label does not allow', async () => {
    await expectCode(sealToBytes(crypto, sealInput(parties, [], { recipientAllowed: allowed })), 'POUCH_RECIPIENT_NOT_CLEARED');
  });

  it('seals when every recipient is cleared, and the refused device never appears', async () => {
    const label = parseLabel(DEFAULT_LABEL_POLICY, 'CONFIDENTIAL//REL TO FRD');
    const bytes = await sealToBytes(crypto, sealInput(parties, [], { label, recipientAllowed: allowed }));
    expect((await inspectPouch(crypto, [bytes])).recipients).toEqual(['dev-embassy-a', 'dev-embassy-b']);
    const onlyA = sealInput(parties, [], { recipientAllowed: allowed });
    onlyA.recipients = onlyA.recipients.filter((r) => r.deviceId === 'dev-embassy-a');
    const secret = await sealToBytes(crypto, onlyA);
    expect((await inspectPouch(crypto, [secret])).recipients).toEqual(['dev-embassy-a']);
    await expectCode(openAll(crypto, [secret], openOptions(parties, parties.recipients[1]!)), 'POUCH_NOT_A_RECIPIENT');
  });

  it('an opener whose policy refuses the label stops before using any key', async () => {
    const bytes = await sealToBytes(crypto, sealInput(parties, []));
    const options = { ...openOptions(parties, parties.recipients[0]!), labelAllows: () => false };
    await expectCode(openPouch(crypto, [bytes], options), 'POUCH_LABEL_NOT_ALLOWED');
  });
});

describe('bad input to sealPouch', () => {
  it('a document whose content does not match its declared size', async () => {
    const doc = { ...memoryDocument('x', patternBytes(10)), size: 11 };
    await expectCode(sealToBytes(crypto, sealInput(parties, [doc])), 'POUCH_BAD_INPUT');
    const long = { ...memoryDocument('x', patternBytes(10)), size: 9 };
    await expectCode(sealToBytes(crypto, sealInput(parties, [long])), 'POUCH_BAD_INPUT');
  });
  it('no recipient, duplicate recipients, a bad key, control characters in a mark', async () => {
    await expectCode(sealToBytes(crypto, sealInput(parties, [], { recipients: [] })), 'POUCH_BAD_INPUT');
    const r = { deviceId: 'a', pouchPublicKey: parties.recipients[0]!.pouch.publicKey };
    await expectCode(sealToBytes(crypto, sealInput(parties, [], { recipients: [r, r] })), 'POUCH_BAD_INPUT');
    await expectCode(
      sealToBytes(crypto, sealInput(parties, [], { recipients: [{ deviceId: 'a', pouchPublicKey: new Uint8Array(5) }] })),
      'POUCH_BAD_INPUT',
    );
    await expectCode(sealToBytes(crypto, sealInput(parties, [], { sealNumber: 'FRD\u0000123' })), 'POUCH_BAD_INPUT');
  });
});
