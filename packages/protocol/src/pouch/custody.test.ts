/**
 * Chain of custody receipts: sender → courier → transit point → consignee verifies; each attack of
 * issue 5 on the chain (a receipt removed, reordered, forged, taken from another pouch, a chain that
 * does not reach the consignee) gives its precise code; receipts appended to a real sealed file
 * leave the seal intact and are re-read in streaming mode. Also the custody test vector
 * (test-fixtures/pouch/valise-pouch-v1-custody-vector.json; UPDATE_POUCH_VECTORS=1 rewrites it).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../bytes.ts';
import { nodeCryptoProvider as crypto } from '../crypto/node-provider.ts';
import { webCryptoProvider } from '../crypto/web-provider.ts';
import { hasCode } from '../errors.ts';
import { generateHybridKeyPair, type HybridKeyPair } from '../identity/hybrid.ts';
import {
  type CustodyTrust,
  custodyFingerprint,
  decodeCustodyReceipt,
  frameCustodyReceipt,
  makeCustodyReceipt,
  verifyCustodyChain,
} from './custody.ts';
import { CHUNK_SIZE } from './format.ts';
import { openPouch, readCustodyReceipts, verifyPouch } from './open.ts';
import { collect, makeParties, memoryDocument, openOptions, patternBytes, sealInput, sealToBytes, type TestParties } from './test-kit.ts';

const nodeSha256 = () => createHash('sha256');

interface Holder {
  handle: string;
  deviceId: string;
  place: string;
  keys: HybridKeyPair;
}

let parties: TestParties;
let courier: Holder;
let transit: Holder;
let consignee: Holder;
let stranger: Holder;
let pouch: Uint8Array;
let pouchDigest: Uint8Array;
const SEAL = 'FRD-2026-000123';

async function holder(handle: string, deviceId: string, place: string, seedByte: number): Promise<Holder> {
  return { handle, deviceId, place, keys: await generateHybridKeyPair(crypto, new Uint8Array(64).fill(seedByte)) };
}

/** The directory: the key trusted for each handle and device. */
const trust: CustodyTrust = (t) => {
  const h = [courier, transit, consignee, stranger].find((x) => x.handle === t.handle && x.deviceId === t.deviceId);
  return h?.keys.publicKey;
};

function receiptFor(h: Holder, previous: Uint8Array | undefined, time: number, digest = pouchDigest, sealNumber = SEAL) {
  return makeCustodyReceipt(crypto, {
    pouchDigest: digest,
    sealNumber,
    ...(previous ? { previous } : { sender: { publicKey: parties.sender.publicKey, name: parties.sender.deviceId } }),
    time,
    place: h.place,
    taker: { handle: h.handle, deviceId: h.deviceId, secretKey: h.keys.secretKey },
  });
}

/** sender → courier → transit → consignee */
async function chain(digest = pouchDigest, sealNumber = SEAL): Promise<Uint8Array[]> {
  const r1 = await receiptFor(courier, undefined, Date.UTC(2026, 10, 23, 10), digest, sealNumber);
  const r2 = await receiptFor(transit, r1, Date.UTC(2026, 10, 23, 18), digest, sealNumber);
  const r3 = await receiptFor(consignee, r2, Date.UTC(2026, 10, 24, 9), digest, sealNumber);
  return [r1, r2, r3];
}

const isConsignee = (t: { handle: string }) => t.handle === consignee.handle;

function verify(receipts: Uint8Array[], extra: { consignee?: (t: { handle: string }) => boolean } = {}) {
  return verifyCustodyChain(crypto, { receipts, pouchDigest, sealNumber: SEAL, sender: parties.sender, trust, ...extra });
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!hasCode(err, code))
    throw new Error(`expected ${code}, got ${err instanceof Error ? `${(err as { code?: string }).code}: ${err.message}` : 'success'}`);
}

beforeAll(async () => {
  parties = await makeParties(crypto);
  courier = await holder('courier.ana@frd', 'dev-courier-ana', 'Freedonia MFA, pouch room', 0x21);
  transit = await holder('transit.vienna@frd', 'dev-transit-vie', 'Embassy in Austria, transit desk', 0x22);
  consignee = await holder('registry.syl@frd', 'dev-registry-syl', 'Embassy in Sylvania, registry', 0x23);
  stranger = await holder('someone@elsewhere', 'dev-x', 'a car park', 0x24);
  pouch = await sealToBytes(crypto, sealInput(parties, [memoryDocument('cable.txt', patternBytes(2 * CHUNK_SIZE + 77, 5))]));
  pouchDigest = (await verifyPouch(crypto, [pouch])).pouchDigest;
});

describe('custody receipts', () => {
  it('sender → courier → transit → consignee verifies, in order, naming each holder', async () => {
    const receipts = await chain();
    const hops = await verify(receipts, { consignee: isConsignee });
    expect(hops.map((h) => [h.sequence, h.from.name, h.taker.handle, h.place])).toEqual([
      [1, parties.sender.deviceId, courier.handle, courier.place],
      [2, courier.handle, transit.handle, transit.place],
      [3, transit.handle, consignee.handle, consignee.place],
    ]);
    expect(hops[0]!.from.fingerprint).toEqual(await custodyFingerprint(crypto, parties.sender.publicKey));
    expect(hops[2]!.receiptDigest).toEqual(await crypto.sha256(receipts[2]!));
    expect(await verify([])).toEqual([]);
    // Same result through the WebCrypto provider.
    const web = await verifyCustodyChain(webCryptoProvider, { receipts, pouchDigest, sealNumber: SEAL, sender: parties.sender, trust });
    expect(web.map((h) => h.sequence)).toEqual([1, 2, 3]);
  });

  it('a receipt removed → POUCH_RECEIPT_MISSING (first, middle); the last → POUCH_CHAIN_INCOMPLETE', async () => {
    const [r1, r2, r3] = await chain();
    await rejects(verify([r2!, r3!]), 'POUCH_RECEIPT_MISSING');
    await rejects(verify([r1!, r3!]), 'POUCH_RECEIPT_MISSING');
    await rejects(verify([r1!, r2!], { consignee: isConsignee }), 'POUCH_CHAIN_INCOMPLETE');
    await rejects(verify([], { consignee: isConsignee }), 'POUCH_CHAIN_INCOMPLETE');
    // Without the consignee requirement, a chain still in transit is valid as far as it goes.
    expect((await verify([r1!, r2!])).length).toBe(2);
  });

  it('receipts reordered or repeated → POUCH_RECEIPT_OUT_OF_ORDER', async () => {
    const [r1, r2, r3] = await chain();
    await rejects(verify([r1!, r3!, r2!]), 'POUCH_RECEIPT_OUT_OF_ORDER');
    await rejects(verify([r2!, r1!, r3!]), 'POUCH_RECEIPT_OUT_OF_ORDER');
    await rejects(verify([r1!, r1!, r2!]), 'POUCH_RECEIPT_OUT_OF_ORDER');
    // A fork: the consignee signs as if it took the pouch from the courier, after the transit receipt.
    const fork = await receiptFor(consignee, r1, Date.UTC(2026, 10, 24));
    await rejects(verify([r1!, r2!, fork]), 'POUCH_RECEIPT_OUT_OF_ORDER');
  });

  it('a forged receipt → POUCH_RECEIPT_FORGED (altered, bad signature, key not trusted for the taker)', async () => {
    const [r1, r2, r3] = await chain();
    const altered = r2!.slice();
    altered[altered.length - 3373 - 1984 - 5] ^= 1; // a byte of the taker's device id / handle area
    await rejects(verify([r1!, altered, r3!]), 'POUCH_RECEIPT_FORGED');
    const placeEdited = decodeCustodyReceipt(r2!);
    expect(placeEdited.place).toBe(transit.place);
    for (const at of [60, r2!.length - 1, r2!.length - 3373 + 10]) {
      const flipped = r2!.slice();
      flipped[at] ^= 0x40;
      await rejects(verify([r1!, flipped, r3!]), 'POUCH_RECEIPT_FORGED');
    }
    // The stranger signs a receipt in the transit point's name: well-formed, valid signature, wrong key.
    const impostor = await makeCustodyReceipt(crypto, {
      pouchDigest,
      sealNumber: SEAL,
      previous: r1!,
      time: Date.UTC(2026, 10, 23, 18),
      place: transit.place,
      taker: { handle: transit.handle, deviceId: transit.deviceId, secretKey: stranger.keys.secretKey },
    });
    await rejects(verify([r1!, impostor]), 'POUCH_RECEIPT_FORGED');
  });

  it("another pouch's receipt → POUCH_RECEIPT_FOR_OTHER_POUCH", async () => {
    const [r1] = await chain();
    const other = await chain(new Uint8Array(32).fill(7), 'FRD-2026-000999');
    await rejects(verify([r1!, other[1]!]), 'POUCH_RECEIPT_FOR_OTHER_POUCH');
    const sameSealOtherDigest = await chain(new Uint8Array(32).fill(7));
    await rejects(verify([sameSealOtherDigest[0]!]), 'POUCH_RECEIPT_FOR_OTHER_POUCH');
  });

  it('a chain that does not start at the sender → POUCH_RECEIPT_MISSING', async () => {
    const notFromSender = await makeCustodyReceipt(crypto, {
      pouchDigest,
      sealNumber: SEAL,
      sender: { publicKey: stranger.keys.publicKey, name: parties.sender.deviceId },
      time: Date.UTC(2026, 10, 23, 10),
      place: courier.place,
      taker: { handle: courier.handle, deviceId: courier.deviceId, secretKey: courier.keys.secretKey },
    });
    await rejects(verify([notFromSender]), 'POUCH_RECEIPT_MISSING');
  });

  it('a receipt dated before the previous hand-over → POUCH_RECEIPT_OUT_OF_ORDER', async () => {
    const [r1] = await chain();
    const early = await receiptFor(transit, r1, Date.UTC(2026, 10, 22));
    await rejects(verify([r1!, early]), 'POUCH_RECEIPT_OUT_OF_ORDER');
  });

  it('receipts appended to a sealed file keep its digest and seal, and are read back streaming', async () => {
    const receipts = await chain();
    const file = concatBytes(pouch, ...receipts.map(frameCustodyReceipt));
    // Odd-sized pieces: the reader must find the receipts across piece boundaries.
    const pieces = (bytes: Uint8Array, size: number) =>
      Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
    const custody = { trust, consignee: isConsignee };
    const verified = await verifyPouch(crypto, pieces(file, 4099), { sha256Stream: nodeSha256, custody });
    expect(verified.pouchDigest).toEqual(pouchDigest);
    expect(verified.receipts).toEqual(receipts);
    expect(verified.custody?.map((h) => h.taker.handle)).toEqual([courier.handle, transit.handle, consignee.handle]);
    const quick = await readCustodyReceipts(pieces(file, 777));
    expect(quick.statedPouchDigest).toEqual(pouchDigest);
    expect(quick.receipts).toEqual(receipts);

    // On disk, opened by a recipient from a file stream, with the chain checked at the end.
    const dir = mkdtempSync(join(tmpdir(), 'pouch-custody-'));
    try {
      const path = join(dir, 'p.pouch');
      writeFileSync(path, file);
      const opened = await openPouch(crypto, createReadStream(path, { highWaterMark: 5000 }), {
        ...openOptions(parties, parties.recipients[0]!, nodeSha256),
        custody,
      });
      const docs: Uint8Array[] = [];
      for await (const d of opened.documents()) docs.push(await collect(d.content));
      expect(docs[0]).toEqual(patternBytes(2 * CHUNK_SIZE + 77, 5));
      expect(opened.pouchDigest).toEqual(pouchDigest);
      expect(opened.custody?.map((h) => h.sequence)).toEqual([1, 2, 3]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opening refuses a file whose appended chain is broken, with the chain code', async () => {
    const [r1, r2, r3] = await chain();
    const open = async (receipts: Uint8Array[]) => {
      const opened = await openPouch(crypto, [concatBytes(pouch, ...receipts.map(frameCustodyReceipt))], {
        ...openOptions(parties, parties.recipients[0]!),
        custody: { trust, consignee: isConsignee },
      });
      for await (const d of opened.documents()) await collect(d.content);
    };
    await open([r1!, r2!, r3!]);
    await rejects(open([r1!, r3!]), 'POUCH_RECEIPT_MISSING');
    await rejects(open([r2!, r1!, r3!]), 'POUCH_RECEIPT_OUT_OF_ORDER');
    await rejects(open([r1!, r2!]), 'POUCH_CHAIN_INCOMPLETE');
    const forged = r3!.slice();
    forged[forged.length - 1] ^= 1;
    await rejects(open([r1!, r2!, forged]), 'POUCH_RECEIPT_FORGED');
    await rejects(
      verifyPouch(crypto, [concatBytes(pouch, frameCustodyReceipt(r1!), frameCustodyReceipt(r3!))], { custody: { trust } }),
      'POUCH_RECEIPT_MISSING',
    );
    // Without the option, callers see the receipts uninterpreted, as before.
    const plain = await verifyPouch(crypto, [concatBytes(pouch, frameCustodyReceipt(r1!), frameCustodyReceipt(r3!))]);
    expect(plain.receipts.length).toBe(2);
    expect(plain.custody).toBeUndefined();
  });

  it('malformed receipts are POUCH_BAD_FORMAT; bad inputs to makeCustodyReceipt are POUCH_BAD_INPUT', async () => {
    const [r1] = await chain();
    await rejects(verify([r1!.subarray(0, r1!.length - 1)]), 'POUCH_BAD_FORMAT');
    await rejects(verify([concatBytes(r1!, new Uint8Array(1))]), 'POUCH_BAD_FORMAT');
    const v2 = r1!.slice();
    v2[0] = 2;
    await rejects(verify([v2]), 'POUCH_BAD_FORMAT');
    await rejects(receiptFor({ ...courier, place: '' }, undefined, 0), 'POUCH_BAD_INPUT');
    await rejects(
      makeCustodyReceipt(crypto, {
        pouchDigest,
        sealNumber: SEAL,
        place: 'x',
        taker: { handle: 'h', deviceId: 'd', secretKey: courier.keys.secretKey },
      }),
      'POUCH_BAD_INPUT',
    );
  });
});

// --- test vector -------------------------------------------------------------------------------

const FIXTURES = new URL('../../test-fixtures/pouch/', import.meta.url);
const VECTOR = new URL('valise-pouch-v1-custody-vector.json', FIXTURES);
const POUCH_VECTOR = new URL('valise-pouch-v1-vector.pouch', FIXTURES);
const vectorHolders = [
  {
    handle: 'courier.ana@frd',
    deviceId: 'dev-courier-ana',
    place: 'Freedonia MFA, pouch room',
    seed: 0x31,
    time: Date.UTC(2026, 10, 23, 10),
  },
  { handle: 'transit.vienna@frd', deviceId: 'dev-transit-vie', place: 'Embassy in Austria', seed: 0x32, time: Date.UTC(2026, 10, 23, 18) },
  { handle: 'registry.syl@frd', deviceId: 'dev-registry-syl', place: 'Embassy in Sylvania', seed: 0x33, time: Date.UTC(2026, 10, 24, 9) },
];

describe('custody test vector', () => {
  it('writes the vector when asked', async () => {
    if (!process.env.UPDATE_POUCH_VECTORS && existsSync(VECTOR)) return;
    const file = new Uint8Array(readFileSync(POUCH_VECTOR));
    const { marks, pouchDigest: digest } = await verifyPouch(crypto, [file]);
    const receipts: Uint8Array[] = [];
    for (const h of vectorHolders) {
      const keys = await generateHybridKeyPair(crypto, new Uint8Array(64).fill(h.seed));
      const previous = receipts[receipts.length - 1];
      receipts.push(
        await makeCustodyReceipt(crypto, {
          pouchDigest: digest,
          sealNumber: marks.sealNumber,
          ...(previous ? { previous } : { sender: { publicKey: marks.sender.publicKey, name: marks.sender.deviceId } }),
          time: h.time,
          place: h.place,
          taker: { handle: h.handle, deviceId: h.deviceId, secretKey: keys.secretKey },
        }),
      );
    }
    const vector = {
      format: 'valise-pouch/v1 custody receipts',
      description:
        'Three hand-overs of the pouch in valise-pouch-v1-vector.pouch: its sender → courier → transit → consignee. Taker identity keys: generateHybridKeyPair(64 bytes of `seed`). `signed` is what the taker signs (context "pouch-custody"); `digest` = SHA-256(receipt) is the next receipt\'s previous link; `framed` is what is appended to the file. The ML-DSA-65 halves of the signatures are randomised (hedged signing).',
      pouch: 'valise-pouch-v1-vector.pouch',
      pouchDigest: toHex(digest),
      senderFingerprint: toHex(await custodyFingerprint(crypto, marks.sender.publicKey)),
      holders: vectorHolders.map((h) => ({ ...h, seed: toHex(new Uint8Array(64).fill(h.seed)) })),
      receipts: await Promise.all(
        receipts.map(async (r) => ({
          signed: toHex(decodeCustodyReceipt(r).signed),
          receipt: toHex(r),
          digest: toHex(await crypto.sha256(r)),
          framed: toHex(frameCustodyReceipt(r)),
        })),
      ),
    };
    writeFileSync(VECTOR, `${JSON.stringify(vector, null, 2)}\n`);
  });

  it('the stored receipts verify on the stored pouch, and re-making them gives the same signed bytes', async () => {
    const vector = JSON.parse(readFileSync(VECTOR, 'utf8'));
    const pouchBytes = new Uint8Array(readFileSync(POUCH_VECTOR));
    const file = concatBytes(pouchBytes, ...vector.receipts.map((r: { framed: string }) => fromHex(r.framed)));
    const keys = await Promise.all(vector.holders.map((h: { seed: string }) => generateHybridKeyPair(crypto, fromHex(h.seed))));
    const vectorTrust: CustodyTrust = (t) => keys[vector.holders.findIndex((h: { handle: string }) => h.handle === t.handle)]?.publicKey;
    for (const provider of [crypto, webCryptoProvider]) {
      const v = await verifyPouch(provider, [file], { custody: { trust: vectorTrust, consignee: (t) => t.handle === 'registry.syl@frd' } });
      expect(toHex(v.pouchDigest)).toBe(vector.pouchDigest);
      expect(v.custody?.map((h) => toHex(h.receiptDigest))).toEqual(vector.receipts.map((r: { digest: string }) => r.digest));
    }
    const { marks } = await verifyPouch(crypto, [pouchBytes]);
    let previous: Uint8Array | undefined;
    for (const [i, h] of vectorHolders.entries()) {
      const remade = await makeCustodyReceipt(crypto, {
        pouchDigest: fromHex(vector.pouchDigest),
        sealNumber: marks.sealNumber,
        ...(previous ? { previous } : { sender: { publicKey: marks.sender.publicKey, name: marks.sender.deviceId } }),
        time: h.time,
        place: h.place,
        taker: { handle: h.handle, deviceId: h.deviceId, secretKey: keys[i]!.secretKey },
      });
      expect(toHex(decodeCustodyReceipt(remade).signed)).toBe(vector.receipts[i].signed);
      previous = fromHex(vector.receipts[i].receipt);
    }
  });
});
