/**
 * valise-pouch/v1 test vector (test-fixtures/pouch/): a pouch sealed from fixed seeds with
 * injected randomness, with every intermediate value, so another implementation can check itself
 * step by step. The test re-derives the vector: every byte except the ML-DSA-65 halves of the
 * two signatures (FIPS 204 hedged signing is randomised) and what hashes over them (the pouch
 * digest and the Ed25519 half of the seal). Regenerate with UPDATE_POUCH_VECTORS=1.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex, utf8 } from '../bytes.ts';
import { nodeCryptoProvider as crypto } from '../crypto/node-provider.ts';
import { webCryptoProvider } from '../crypto/web-provider.ts';
import { generateHybridKeyPair, verifyHybrid } from '../identity/hybrid.ts';
import { DEFAULT_LABEL_POLICY } from '../labels/default-policy.ts';
import { parseLabel } from '../labels/label.ts';
import { CHUNK_SIZE } from './format.ts';
import { keyCommitment, payloadKey, wrapKey } from './keys.ts';
import { verifyPouch } from './open.ts';
import { type SealPouchInput, sealPouch } from './seal.ts';
import { collect, layoutOf, openAll, patternBytes } from './test-kit.ts';
import { generateXWingKeyPair, xwingDecapsulate } from './xwing.ts';

const dir = new URL('../../test-fixtures/pouch/', import.meta.url);
const JSON_FILE = new URL('valise-pouch-v1-vector.json', dir);
const POUCH_FILE = new URL('valise-pouch-v1-vector.pouch', dir);

/** The vector's randomness: SHA-256(seed || u32be counter) blocks, concatenated, drawn in order. */
function vectorRandom(seed: Uint8Array): (n: number) => Uint8Array {
  let pool: Uint8Array = new Uint8Array(0);
  let counter = 0;
  return (n) => {
    while (pool.length < n) {
      const c = new Uint8Array(4);
      new DataView(c.buffer).setUint32(0, counter++);
      pool = concatBytes(pool, sha256(concatBytes(seed, c)));
    }
    const out = pool.slice(0, n);
    pool = pool.slice(n);
    return out;
  };
}

const inputs = {
  senderIdentitySeed: toHex(new Uint8Array(64).map((_, i) => i)),
  recipients: [
    { deviceId: 'dev-embassy-sylvania-1', pouchSeed: toHex(new Uint8Array(32).fill(0xa1)) },
    { deviceId: 'dev-embassy-sylvania-2', pouchSeed: toHex(new Uint8Array(32).fill(0xa2)) },
  ],
  randomSeed: toHex(utf8('valise-pouch/v1 test vector 1')),
  sealNumber: 'FRD-2026-000001',
  createdAt: Date.UTC(2026, 10, 23, 9, 30, 0),
  sender: { organisation: 'Freedonia MFA', unit: 'Political Directorate', deviceId: 'dev-desk-officer-7' },
  consignee: { organisation: 'Freedonia MFA', unit: 'Embassy in Sylvania' },
  label: 'SECRET//CRYPTO//REL TO FRD, SYL',
  documents: [
    {
      name: 'cable-2026-0042.txt',
      mediaType: 'text/plain; charset=utf-8',
      contentHex: toHex(utf8('Valise pouch test vector: the pouch is not to be opened or detained.\n')),
    },
    // 263 000 bytes: the payload crosses the first 256 KiB chunk boundary. content[i] = (31 i + 3 + (i >> 8)) mod 256.
    { name: 'annexe.bin', mediaType: 'application/octet-stream', pattern: { length: 263000, salt: 3 } },
  ],
};

function documentBytes(d: (typeof inputs.documents)[number]): Uint8Array {
  return 'contentHex' in d && d.contentHex !== undefined ? fromHex(d.contentHex) : patternBytes(d.pattern!.length, d.pattern!.salt);
}

async function sealVector(provider = crypto) {
  const sender = await generateHybridKeyPair(provider, fromHex(inputs.senderIdentitySeed));
  const recipients = await Promise.all(
    inputs.recipients.map(async (r) => ({ deviceId: r.deviceId, keys: await generateXWingKeyPair(provider, fromHex(r.pouchSeed)) })),
  );
  const input: SealPouchInput = {
    sender: { ...inputs.sender, secretKey: sender.secretKey },
    consignee: inputs.consignee,
    sealNumber: inputs.sealNumber,
    label: parseLabel(DEFAULT_LABEL_POLICY, inputs.label),
    labelPolicy: DEFAULT_LABEL_POLICY,
    recipients: recipients.map((r) => ({ deviceId: r.deviceId, pouchPublicKey: r.keys.publicKey })),
    recipientAllowed: () => true,
    documents: inputs.documents.map((d) => {
      const bytes = documentBytes(d);
      return { name: d.name, mediaType: d.mediaType, size: bytes.length, content: [bytes] };
    }),
    now: () => inputs.createdAt,
    random: vectorRandom(fromHex(inputs.randomSeed)),
  };
  const bytes = await collect(sealPouch(provider, input));
  return { bytes, sender, recipients };
}

/** Every intermediate value of the vector, recomputed from the file and the inputs. */
async function intermediates(bytes: Uint8Array, recipients: Awaited<ReturnType<typeof sealVector>>['recipients']) {
  const random = vectorRandom(fromHex(inputs.randomSeed));
  const pouchId = random(16);
  const contentKey = random(32);
  const l = layoutOf(bytes);
  const stanzas = [];
  let at = l.recipients[0] + 2;
  for (const r of recipients) {
    const idLength = (bytes[at]! << 8) | bytes[at + 1]!;
    const kemCiphertext = bytes.subarray(at + 2 + idLength, at + 2 + idLength + 1120);
    const wrappedKey = bytes.subarray(at + 2 + idLength + 1120, at + 2 + idLength + 1168);
    const sharedSecret = await xwingDecapsulate(crypto, r.keys.secretKey, kemCiphertext);
    stanzas.push({
      deviceId: r.deviceId,
      pouchPublicKey: toHex(r.keys.publicKey),
      encapsulationSeed: toHex(random(64)),
      kemCiphertext: toHex(kemCiphertext),
      sharedSecret: toHex(sharedSecret),
      wrapKey: toHex(await wrapKey(crypto, sharedSecret, r.deviceId)),
      wrappedKey: toHex(wrappedKey),
    });
    at += 2 + idLength + 1168;
  }
  const key = await payloadKey(crypto, contentKey);
  const firstChunk = bytes.subarray(l.payload[0], l.payload[0] + CHUNK_SIZE + 16);
  const manifestPlain = await crypto.aes256gcm.decrypt(key, new Uint8Array(12), firstChunk);
  const manifestLength = new DataView(manifestPlain.buffer).getUint32(0);
  return {
    pouchId: toHex(pouchId),
    contentKey: toHex(contentKey),
    payloadKey: toHex(key),
    keyCommitment: toHex(await keyCommitment(crypto, contentKey)),
    marks: toHex(bytes.subarray(l.marks[0], l.marks[1])),
    marksDigest: toHex(await crypto.sha256(bytes.subarray(l.marks[0], l.marks[1]))),
    stanzas,
    manifest: toHex(manifestPlain.subarray(4, 4 + manifestLength)),
    payloadLength: l.marksValue.payloadLength,
    layout: Object.fromEntries(Object.entries(l).filter(([k]) => k !== 'marksValue')),
    pouchDigest: toHex(await crypto.sha256(bytes.subarray(0, l.payload[1]))),
    fileSha256: toHex(await crypto.sha256(bytes)),
    fileLength: bytes.length,
  };
}

describe('valise-pouch/v1 test vector', () => {
  it('writes the vector when asked', async () => {
    if (!process.env.UPDATE_POUCH_VECTORS && existsSync(JSON_FILE)) return;
    const { bytes, recipients } = await sealVector();
    mkdirSync(dir, { recursive: true });
    writeFileSync(POUCH_FILE, bytes);
    const vector = {
      format: 'valise-pouch/v1',
      description:
        'One pouch, two recipient devices, two documents; see docs/pouch-format.md. Randomness: SHA-256(randomSeed || u32be counter) blocks concatenated, drawn in order: pouch id (16), content key (32), then one X-Wing encapsulation seed (64) per recipient in list order. The ML-DSA-65 halves of the signatures are randomised (hedged) and differ on every sealing.',
      file: 'valise-pouch-v1-vector.pouch',
      labelPolicy: DEFAULT_LABEL_POLICY.id,
      inputs,
      expected: await intermediates(bytes, recipients),
    };
    writeFileSync(JSON_FILE, `${JSON.stringify(vector, null, 2)}\n`);
  });

  it('the stored file verifies, opens, and matches every stored intermediate', async () => {
    const vector = JSON.parse(readFileSync(JSON_FILE, 'utf8'));
    const bytes = new Uint8Array(readFileSync(POUCH_FILE));
    expect(toHex(createHash('sha256').update(bytes).digest())).toBe(vector.expected.fileSha256);
    const recipients = await Promise.all(
      inputs.recipients.map(async (r) => ({ deviceId: r.deviceId, keys: await generateXWingKeyPair(crypto, fromHex(r.pouchSeed)) })),
    );
    expect(await intermediates(bytes, recipients)).toEqual(vector.expected);
    const sender = await generateHybridKeyPair(crypto, fromHex(inputs.senderIdentitySeed));
    for (const provider of [crypto, webCryptoProvider]) {
      const v = await verifyPouch(provider, [bytes]);
      expect(toHex(v.pouchDigest)).toBe(vector.expected.pouchDigest);
      for (const r of recipients) {
        const { documents } = await openAll(provider, [bytes], {
          deviceId: r.deviceId,
          pouchSecretKey: r.keys.secretKey,
          trust: (s) => toHex(s.publicKey) === toHex(sender.publicKey),
        });
        expect(documents).toEqual(inputs.documents.map(documentBytes));
      }
    }
  });

  it('re-sealing from the inputs gives the same bytes, but for the randomised ML-DSA halves', async () => {
    const vector = JSON.parse(readFileSync(JSON_FILE, 'utf8'));
    const stored = new Uint8Array(readFileSync(POUCH_FILE));
    for (const provider of [crypto, webCryptoProvider]) {
      const { bytes, sender } = await sealVector(provider);
      const l = layoutOf(bytes);
      expect(bytes.length).toBe(stored.length);
      const marksMlDsa = l.marksSignature[0] + 64;
      // Everything before the ML-DSA half of the marks signature, including its Ed25519 half.
      expect(toHex(bytes.subarray(0, marksMlDsa))).toBe(toHex(stored.subarray(0, marksMlDsa)));
      // The payload is independent of the signatures.
      expect(toHex(bytes.subarray(l.intro[0], l.payload[1]))).toBe(toHex(stored.subarray(l.intro[0], l.payload[1])));
      const signature = bytes.subarray(l.marksSignature[0], l.marksSignature[1]);
      expect(await verifyHybrid(provider, sender.publicKey, 'pouch-marks', bytes.subarray(0, l.marksSignature[0]), signature)).toBe(true);
      expect(toHex(bytes.subarray(l.marks[0], l.marks[1]))).toBe(vector.expected.marks);
    }
  });
});
