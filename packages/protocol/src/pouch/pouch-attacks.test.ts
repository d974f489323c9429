/**
 * The attacks of issue 5, each detected with its precise code: a flipped bit anywhere, a
 * truncated file, a swapped payload, changed marks, a relabelled pouch, a non-recipient device,
 * an old payload under a new seal and an exact old pouch re-sent. The insider who can sign as
 * the sender (but holds no recipient key) is modelled by resignWithMarks.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from '../bytes.ts';
import { nodeCryptoProvider as crypto } from '../crypto/node-provider.ts';
import { ValiseError } from '../errors.ts';
import { generateHybridKeyPair } from '../identity/hybrid.ts';
import { CHUNK_SIZE } from './format.ts';
import { inspectPouch, verifyPouch } from './open.ts';
import {
  layoutOf,
  makeParties,
  memoryDocument,
  openAll,
  openOptions,
  type PouchLayout,
  patternBytes,
  resignWithMarks,
  sealInput,
  sealToBytes,
  type TestParties,
} from './test-kit.ts';

let parties: TestParties;
let pouch: Uint8Array;
let other: Uint8Array;
let layout: PouchLayout;
const content = patternBytes(2 * CHUNK_SIZE + 1234, 42);

beforeAll(async () => {
  parties = await makeParties(crypto);
  pouch = await sealToBytes(crypto, sealInput(parties, [memoryDocument('a.txt', content), memoryDocument('b.txt', patternBytes(99))]));
  // Same names and sizes, other bytes: a swap an attacker would hope to pass unnoticed.
  other = await sealToBytes(
    crypto,
    sealInput(parties, [memoryDocument('a.txt', patternBytes(content.length, 1)), memoryDocument('b.txt', patternBytes(99, 1))], {
      sealNumber: 'FRD-2026-000124',
    }),
  );
  layout = layoutOf(pouch);
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ValiseError) return err.code;
    throw err;
  }
  return 'NO ERROR';
}
const open = (bytes: Uint8Array, device = parties.recipients[0]!) => codeOf(openAll(crypto, [bytes], openOptions(parties, device)));
const verify = (bytes: Uint8Array) => codeOf(verifyPouch(crypto, [bytes]));

function flip(bytes: Uint8Array, offset: number, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[offset] = (copy[offset] as number) ^ (1 << bit);
  return copy;
}

describe('a flipped bit anywhere in the file', () => {
  // Which codes a flip in each region may give. Structure fields may read as malformed or as a
  // different length; anything the marks signature covers and that still parses is MARKS_TAMPERED.
  const regions: [keyof PouchLayout, string[], string[], number][] = [
    // region, codes from openPouch, codes from verifyPouch, stride
    ['magic', ['POUCH_BAD_FORMAT', 'POUCH_UNSUPPORTED_VERSION'], ['POUCH_BAD_FORMAT', 'POUCH_UNSUPPORTED_VERSION'], 1],
    ['marksLength', ['POUCH_BAD_FORMAT', 'POUCH_TRUNCATED'], ['POUCH_BAD_FORMAT', 'POUCH_TRUNCATED'], 1],
    ['marks', ['POUCH_BAD_FORMAT', 'POUCH_MARKS_TAMPERED'], ['POUCH_BAD_FORMAT', 'POUCH_MARKS_TAMPERED'], 3],
    [
      'recipients',
      ['POUCH_BAD_FORMAT', 'POUCH_MARKS_TAMPERED', 'POUCH_TRUNCATED'],
      ['POUCH_BAD_FORMAT', 'POUCH_MARKS_TAMPERED', 'POUCH_TRUNCATED'],
      11,
    ],
    ['commitment', ['POUCH_MARKS_TAMPERED'], ['POUCH_MARKS_TAMPERED'], 1],
    ['marksSignature', ['POUCH_MARKS_TAMPERED'], ['POUCH_MARKS_TAMPERED'], 37],
    ['intro', ['POUCH_SEAL_BROKEN'], ['POUCH_PAYLOAD_SWAPPED'], 1],
    ['payload', ['POUCH_SEAL_BROKEN'], ['POUCH_SEAL_BROKEN'], 1009],
    ['sealDigest', ['POUCH_SEAL_BROKEN'], ['POUCH_SEAL_BROKEN'], 1],
    ['sealSignature', ['POUCH_SIGNATURE_INVALID'], ['POUCH_SIGNATURE_INVALID'], 37],
  ];
  for (const [region, openCodes, verifyCodes, stride] of regions) {
    it(`in the ${region}`, async () => {
      const [start, end] = layout[region] as [number, number];
      let tried = 0;
      for (let offset = start; offset < end; offset += stride) {
        const bad = flip(pouch, offset, (offset * 5) % 8);
        const [o, v] = [await open(bad), await verify(bad)];
        if (!openCodes.includes(o) || !verifyCodes.includes(v)) throw new Error(`flip at ${offset} (${region}): open ${o}, verify ${v}`);
        tried++;
      }
      // Also the last byte of the region.
      const last = flip(pouch, end - 1, 7);
      expect(openCodes).toContain(await open(last));
      expect(tried).toBeGreaterThan(0);
    });
  }

  it('the file as a whole is covered: every region is adjacent and the seal ends the file', () => {
    const order: (keyof PouchLayout)[] = [
      'magic',
      'marksLength',
      'marks',
      'recipients',
      'commitment',
      'marksSignature',
      'intro',
      'payload',
      'sealDigest',
      'sealSignature',
    ];
    let at = 0;
    for (const r of order) {
      const [s, e] = layout[r] as [number, number];
      expect(s).toBe(at);
      at = e;
    }
    expect(at).toBe(pouch.length);
  });
});

describe('a truncated file', () => {
  it('is POUCH_TRUNCATED wherever it is cut', async () => {
    const cuts = new Set<number>([0, 1, 15, 16, 19, 20, 100, pouch.length - 1]);
    for (const r of ['marks', 'recipients', 'commitment', 'marksSignature', 'intro', 'payload', 'sealDigest', 'sealSignature'] as const) {
      const [s, e] = layout[r];
      for (const c of [s, s + 1, Math.floor((s + e) / 2), e - 1]) cuts.add(c);
    }
    for (let c = layout.payload[0]; c < layout.payload[1]; c += CHUNK_SIZE + 16) cuts.add(c); // at each chunk boundary
    for (const cut of cuts) {
      const short = pouch.subarray(0, cut);
      const [o, v] = [await open(short), await verify(short)];
      if (o !== 'POUCH_TRUNCATED' || v !== 'POUCH_TRUNCATED') throw new Error(`cut at ${cut}: open ${o}, verify ${v}`);
    }
  });
  it('bytes appended after the seal that are not custody receipts are refused', async () => {
    const longer = concatBytes(pouch, utf8('garbage!'));
    expect(await open(longer)).toBe('POUCH_BAD_FORMAT');
    expect(await verify(longer)).toBe('POUCH_BAD_FORMAT');
    expect(await verify(concatBytes(pouch, utf8('rcpt'), new Uint8Array([0, 0, 0, 9, 1])))).toBe('POUCH_TRUNCATED');
  });
});

describe('a swapped payload', () => {
  it('the payload and seal of another pouch under these marks: POUCH_PAYLOAD_SWAPPED', async () => {
    const o = layoutOf(other);
    const swapped = concatBytes(pouch.subarray(0, layout.marksSignature[1]), other.subarray(o.intro[0]));
    expect(await open(swapped)).toBe('POUCH_PAYLOAD_SWAPPED');
    expect(await verify(swapped)).toBe('POUCH_PAYLOAD_SWAPPED');
  });
  it('a payload of another length from another pouch: POUCH_PAYLOAD_SWAPPED too', async () => {
    const small = await sealToBytes(crypto, sealInput(parties, [memoryDocument('x', patternBytes(10))], { sealNumber: 'FRD-2026-000125' }));
    const big = await sealToBytes(
      crypto,
      sealInput(parties, [memoryDocument('x', patternBytes(300_000))], { sealNumber: 'FRD-2026-000126' }),
    );
    for (const donor of [small, big]) {
      const swapped = concatBytes(pouch.subarray(0, layout.marksSignature[1]), donor.subarray(layoutOf(donor).intro[0]));
      expect(await open(swapped)).toBe('POUCH_PAYLOAD_SWAPPED');
      expect(await verify(swapped)).toBe('POUCH_PAYLOAD_SWAPPED');
    }
  });
  it('the same, with the pouch id in front of the payload forged: POUCH_SEAL_BROKEN', async () => {
    const o = layoutOf(other);
    const forged = concatBytes(pouch.subarray(0, layout.intro[1]), other.subarray(o.payload[0]));
    expect(await open(forged)).toBe('POUCH_SEAL_BROKEN');
    expect(await verify(forged)).toBe('POUCH_SEAL_BROKEN');
  });
});

describe('changed marks', () => {
  it('edited in place: POUCH_MARKS_TAMPERED, even without keys', async () => {
    // Change a letter of the consignee unit ("Embassy in Sylvania" → "Embassy in Sylvanio").
    const at = Buffer.from(pouch).indexOf('Sylvania', layout.marks[0]);
    const edited = pouch.slice();
    edited[at + 7] = 'o'.charCodeAt(0);
    expect(await open(edited)).toBe('POUCH_MARKS_TAMPERED');
    expect(await verify(edited)).toBe('POUCH_MARKS_TAMPERED');
    expect(await codeOf(inspectPouch(crypto, [edited]))).toBe('POUCH_MARKS_TAMPERED');
  });
  it('re-signed by an insider holding the sender key: POUCH_MARKS_TAMPERED from the inner copy', async () => {
    const resigned = await resignWithMarks(crypto, pouch, parties.sender.secretKey, (m) => ({
      ...m,
      consignee: { ...m.consignee, unit: 'Embassy in Trentino' },
    }));
    expect(await verify(resigned)).toBe('NO ERROR'); // a keyless check cannot tell
    expect(await open(resigned)).toBe('POUCH_MARKS_TAMPERED');
  });
  it('signed by a key the opener does not trust: POUCH_UNTRUSTED_SENDER', async () => {
    const stranger = await generateHybridKeyPair(crypto);
    const resigned = await resignWithMarks(crypto, pouch, stranger.secretKey, (m) => ({
      ...m,
      sender: { ...m.sender, publicKey: stranger.publicKey },
    }));
    expect(await open(resigned)).toBe('POUCH_UNTRUSTED_SENDER');
  });
});

describe('a relabelled pouch', () => {
  it('label edited in place: POUCH_MARKS_TAMPERED', async () => {
    const at = Buffer.from(pouch).indexOf('SECRET//REL TO FRD', layout.marks[0]);
    const edited = pouch.slice();
    edited.set(utf8('SECRET//REL TO SYL'), at);
    expect(await open(edited)).toBe('POUCH_MARKS_TAMPERED');
  });
  it('relabelled and re-signed by an insider: POUCH_LABEL_MISMATCH', async () => {
    for (const text of ['RESTRICTED', 'TOP SECRET', 'SECRET//REL TO FRD, SYL']) {
      const resigned = await resignWithMarks(crypto, pouch, parties.sender.secretKey, (m) => ({ ...m, label: { ...m.label, text } }));
      expect(await open(resigned)).toBe('POUCH_LABEL_MISMATCH');
    }
  });
});

describe('a device that is not a recipient', () => {
  it('another device: POUCH_NOT_A_RECIPIENT', async () => {
    expect(await open(pouch, parties.outsider)).toBe('POUCH_NOT_A_RECIPIENT');
  });
  it('another device claiming a recipient device id: POUCH_NOT_A_RECIPIENT', async () => {
    expect(await open(pouch, { deviceId: parties.recipients[0]!.deviceId, pouch: parties.outsider.pouch })).toBe('POUCH_NOT_A_RECIPIENT');
  });
  it("a recipient's entry moved under another device id is no use", async () => {
    // Rename dev-embassy-a to dev-embassy-c in the recipient list and re-sign: the wrap key binds the id.
    const l = layout;
    const at = Buffer.from(pouch).indexOf('dev-embassy-a', l.recipients[0]);
    const renamed = pouch.slice();
    renamed.set(utf8('dev-embassy-c'), at);
    expect(await open(renamed, { deviceId: 'dev-embassy-c', pouch: parties.recipients[0]!.pouch })).toBe('POUCH_MARKS_TAMPERED');
  });
});

describe('a malicious sender', () => {
  it('a key commitment that does not match the content key: POUCH_SEAL_BROKEN', async () => {
    const resigned = await resignWithMarks(crypto, pouch, parties.sender.secretKey, (m) => m, { commitment: new Uint8Array(32).fill(1) });
    expect(await verify(resigned)).toBe('NO ERROR');
    expect(await open(resigned)).toBe('POUCH_SEAL_BROKEN');
  });
});

describe('any bytes at all', () => {
  it('inspect, verify and open fail only with POUCH_ codes on random and mutated input', async () => {
    const header = pouch.subarray(0, layout.marksSignature[1]);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 4096 }),
          fc.tuple(fc.nat(header.length - 1), fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([at, junk]) => {
            const copy = pouch.slice();
            copy.set(junk.subarray(0, copy.length - at), at);
            return copy;
          }),
          fc.nat(pouch.length).map((cut) => concatBytes(pouch.subarray(0, cut), new Uint8Array([1, 2, 3]))),
        ),
        async (bytes) => {
          for (const code of [await codeOf(inspectPouch(crypto, [bytes])), await verify(bytes), await open(bytes)]) {
            if (!code.startsWith('POUCH_') && code !== 'NO ERROR') throw new Error(`unexpected code ${code}`);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('replay', () => {
  it('an old payload under a new seal number: POUCH_REPLAYED', async () => {
    const newSeal = (m: Parameters<Parameters<typeof resignWithMarks>[3]>[0]) => ({
      ...m,
      sealNumber: 'FRD-2026-000999',
      createdAt: m.createdAt + 86_400_000,
    });
    expect(await open(await resignWithMarks(crypto, pouch, parties.sender.secretKey, newSeal))).toBe('POUCH_REPLAYED');
  });
  it('an old payload under a new pouch id, with or without the id before the payload rewritten: POUCH_REPLAYED', async () => {
    const newId = (m: Parameters<Parameters<typeof resignWithMarks>[3]>[0]) => ({ ...m, pouchId: new Uint8Array(16).fill(9) });
    expect(await open(await resignWithMarks(crypto, pouch, parties.sender.secretKey, newId))).toBe('POUCH_REPLAYED');
    expect(await open(await resignWithMarks(crypto, pouch, parties.sender.secretKey, newId, { rewriteIntro: true }))).toBe(
      'POUCH_REPLAYED',
    );
  });
  it('the exact same pouch re-sent: POUCH_REPLAYED through the seenSeal record', async () => {
    const opened = new Set<string>();
    const options = {
      ...openOptions(parties, parties.recipients[0]!),
      seenSeal: (m: { sender: { organisation: string }; sealNumber: string }) => {
        const key = `${m.sender.organisation}\n${m.sealNumber}`;
        const seen = opened.has(key);
        opened.add(key);
        return seen;
      },
    };
    expect(await codeOf(openAll(crypto, [pouch], options))).toBe('NO ERROR');
    expect(await codeOf(openAll(crypto, [pouch], options))).toBe('POUCH_REPLAYED');
  });
});
