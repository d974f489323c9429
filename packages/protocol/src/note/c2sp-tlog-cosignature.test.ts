/**
 * c2sp.org/tlog-cosignature conformance: the spec's example cosignature line and Ed25519 signed
 * message, torchwood's ML-DSA-44 log checkpoint (type 0x06), the cosigned_message layout, and
 * round trips of both cosignature types across both providers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, fromUtf8, utf8 } from '../bytes.ts';
import { nodeCryptoProvider } from '../crypto/node-provider.ts';
import { webCryptoProvider } from '../crypto/web-provider.ts';
import { ValiseError } from '../errors.ts';
import { type Checkpoint, formatCheckpoint, openCheckpoint, parseCheckpoint } from './checkpoint.ts';
import {
  cosignatureTimestamp,
  decodeTimestampedSignature,
  ed25519CosignatureMessage,
  ed25519CosignatureSigner,
  encodeTimestampedSignature,
  mlDsa44CosignatureSigner,
  subtreeCosignedMessage,
} from './cosignature.ts';
import { ed25519NoteSigner, ed25519NoteVerifier, encodeVerifierKey, NOTE_SIGNATURE_TYPE, noteKeyId, parseVerifierKey } from './keys.ts';
import { openNote, parseSignedNote, signNote } from './signed-note.ts';
import { noteVerifierFromKey } from './verifiers.ts';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../test-fixtures/c2sp-note/${name}`, import.meta.url), 'utf8'));
const spec = load('c2sp-spec-examples.json');
const torchwood = load('torchwood-mldsa44-checkpoint.json');
const providers = [nodeCryptoProvider, webCryptoProvider];

describe('C2SP tlog-cosignature spec example', () => {
  it('the witness line carries key ID, the timestamp of the example message, and a 64-byte signature', () => {
    const note = parseSignedNote(spec.cosignedCheckpoint.note);
    const witness = note.signatures[1]!;
    expect(witness).toMatchObject({ name: 'witness.example.com/w1', keyId: 0x8d66cf3f });
    expect(witness.signature).toHaveLength(72);
    expect(cosignatureTimestamp(witness)).toBe(1679315147);
  });

  it('builds the Ed25519 signed message of the spec exactly', () => {
    const text = parseSignedNote(spec.cosignedCheckpoint.note).text;
    expect(fromUtf8(ed25519CosignatureMessage(text, 1679315147))).toBe(spec.cosignedCheckpoint.ed25519SignedMessage);
  });
});

describe.each(providers)('torchwood ML-DSA-44 log checkpoint (type 0x06), $name', (crypto) => {
  it('the seed derives the published vkey', async () => {
    const vkey = parseVerifierKey(torchwood.verifierKey);
    expect(vkey).toMatchObject({ name: torchwood.origin, keyId: 0xb5df45c5, type: NOTE_SIGNATURE_TYPE.mlDsa44Cosignature });
    const { publicKey } = await crypto.mlDsa44.generateKeyPair(fromHex(torchwood.seedHex));
    expect(publicKey).toEqual(vkey.publicKey);
    expect(encodeVerifierKey(torchwood.origin, NOTE_SIGNATURE_TYPE.mlDsa44Cosignature, publicKey)).toBe(torchwood.verifierKey);
  });

  it('the signed checkpoint opens with the ML-DSA-44 cosignature verifier, timestamp 0', async () => {
    const { checkpoint, note } = await openCheckpoint(torchwood.checkpointNote, [noteVerifierFromKey(crypto, torchwood.verifierKey)]);
    expect(checkpoint).toMatchObject({ origin: 'example.com/mldsa-log', size: 1 });
    // RFC 6962 leaf hash of "testonly", as the generator used.
    expect(checkpoint.rootHash).toEqual(await crypto.sha256(concatBytes(Uint8Array.of(0), utf8('testonly'))));
    expect(cosignatureTimestamp(note.verified[0]!)).toBe(0);
  });

  it('fails when the checkpoint or the cosigner name differs', async () => {
    const tampered = (torchwood.checkpointNote as string).replace('\n1\n', '\n2\n');
    await expect(openNote(tampered, [noteVerifierFromKey(crypto, torchwood.verifierKey)])).rejects.toMatchObject({
      code: 'NOTE_BAD_SIGNATURE',
    });
  });

  it('our signer reproduces a note the vkey accepts', async () => {
    const signer = await mlDsa44CosignatureSigner(crypto, torchwood.origin, fromHex(torchwood.seedHex), () => 0);
    expect(signer.keyId).toBe(0xb5df45c5);
    const text = parseSignedNote(torchwood.checkpointNote).text;
    const ours = await signNote(text, [signer]);
    await expect(openNote(ours, [noteVerifierFromKey(crypto, torchwood.verifierKey)])).resolves.toBeDefined();
  });
});

describe('ML-DSA-44 cosigned_message', () => {
  it('has the layout of the spec', () => {
    const hash = utf8('0123456789abcdef0123456789abcdef');
    const m = subtreeCosignedMessage({
      cosignerName: 'mirror.test/m1',
      timestamp: 1679315147,
      origin: 'example.com/log',
      start: 0,
      end: 20852163,
      hash,
    });
    const u64 = (n: number) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt(n));
      return b;
    };
    expect(m).toEqual(
      concatBytes(
        utf8('subtree/v1\n\0'),
        Uint8Array.of(14),
        utf8('mirror.test/m1'),
        u64(1679315147),
        Uint8Array.of(15),
        utf8('example.com/log'),
        u64(0),
        u64(20852163),
        hash,
      ),
    );
    expect(m.subarray(0, 12)).toHaveLength(12);
  });

  it('refuses a timestamp on a subtree with start > 0, bad lengths and start > end', () => {
    const base = { cosignerName: 'c', timestamp: 0, origin: 'o', start: 0, end: 4, hash: new Uint8Array(32) };
    for (const bad of [
      { ...base, start: 2, timestamp: 1 },
      { ...base, start: 5 },
      { ...base, cosignerName: '' },
      { ...base, origin: 'x'.repeat(256) },
      { ...base, hash: new Uint8Array(31) },
      { ...base, end: -1 },
    ]) {
      expect(() => subtreeCosignedMessage(bad)).toThrow(expect.objectContaining({ code: 'COSIGNATURE_MALFORMED' }));
    }
    expect(subtreeCosignedMessage({ ...base, start: 2, timestamp: 0 })).toHaveLength(12 + 2 + 8 + 2 + 8 + 8 + 32);
  });

  it('timestamped signatures encode big-endian and refuse other lengths and huge timestamps', () => {
    const enc = encodeTimestampedSignature(0x0102030405, Uint8Array.of(9, 9));
    expect(enc).toEqual(Uint8Array.of(0, 0, 0, 1, 2, 3, 4, 5, 9, 9));
    expect(decodeTimestampedSignature(enc, 2)).toEqual({ timestamp: 0x0102030405, signature: Uint8Array.of(9, 9) });
    expect(() => decodeTimestampedSignature(enc, 3)).toThrow(ValiseError);
    expect(() => decodeTimestampedSignature(Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1), 1)).toThrow(ValiseError);
  });
});

describe.each([
  [nodeCryptoProvider, webCryptoProvider],
  [webCryptoProvider, nodeCryptoProvider],
])('a Valise checkpoint: Ed25519 log signature + ML-DSA-44 log cosignature + Ed25519 witness (%#)', (signWith, openWith) => {
  it('signs, cosigns and opens; each verifier alone suffices; tampering fails', async () => {
    const origin = 'valise.example/audit';
    const cp: Checkpoint = { origin, size: 1000, rootHash: signWith.randomBytes(32), extensions: [] };
    const logSeed = signWith.randomBytes(32);
    const pqSeed = signWith.randomBytes(32);
    const witnessSeed = signWith.randomBytes(32);
    const log = await ed25519NoteSigner(signWith, origin, logSeed);
    const pq = await mlDsa44CosignatureSigner(signWith, origin, pqSeed, () => 0);
    const note = await signNote(formatCheckpoint(cp), [log, pq]);

    // A witness adds its cosignature to the existing lines.
    const witness = await ed25519CosignatureSigner(signWith, 'witness.example/w1', witnessSeed, () => 1_800_000_000);
    const parsed = parseSignedNote(note);
    const cosigned = await signNote(parsed.text, [witness], parsed.signatures);
    expect(cosigned.startsWith(note)).toBe(true);

    const vkeys = [
      encodeVerifierKey(origin, NOTE_SIGNATURE_TYPE.ed25519, (await signWith.ed25519.generateKeyPair(logSeed)).publicKey),
      encodeVerifierKey(origin, NOTE_SIGNATURE_TYPE.mlDsa44Cosignature, (await signWith.mlDsa44.generateKeyPair(pqSeed)).publicKey),
      encodeVerifierKey(
        'witness.example/w1',
        NOTE_SIGNATURE_TYPE.ed25519Cosignature,
        (await signWith.ed25519.generateKeyPair(witnessSeed)).publicKey,
      ),
    ];
    const verifiers = vkeys.map((k) => noteVerifierFromKey(openWith, k));
    const all = await openCheckpoint(cosigned, verifiers);
    expect(all.checkpoint).toEqual(cp);
    expect(all.note.verified.map((s) => s.name)).toEqual([origin, origin, 'witness.example/w1']);
    expect(all.note.verified.map((s) => s.signature.length)).toEqual([64, 8 + 2420, 8 + 64]);
    expect(cosignatureTimestamp(all.note.verified[2]!)).toBe(1_800_000_000);
    for (const v of verifiers) expect((await openNote(cosigned, [v])).verifiedBy).toEqual([v]);

    const tampered = cosigned.replace('\n1000\n', '\n1001\n');
    for (const v of verifiers) await expect(openNote(tampered, [v])).rejects.toMatchObject({ code: 'NOTE_BAD_SIGNATURE' });

    // Key IDs are domain-separated by signature type: the same Ed25519 key as a 0x01 note key
    // and as a 0x04 cosigner has two IDs, and a 0x01 verifier ignores a 0x04 line.
    const pub = (await signWith.ed25519.generateKeyPair(witnessSeed)).publicKey;
    expect(noteKeyId('w', 1, pub)).not.toBe(noteKeyId('w', 4, pub));
    await expect(openNote(cosigned, [ed25519NoteVerifier(openWith, 'witness.example/w1', pub)])).rejects.toMatchObject({
      code: 'NOTE_UNVERIFIED',
    });
  });

  it('an Ed25519 cosignature covers extension lines; the ML-DSA-44 one does not', async () => {
    const seed = signWith.randomBytes(32);
    const cp: Checkpoint = { origin: 'o.example/log', size: 3, rootHash: new Uint8Array(32), extensions: ['ext'] };
    const ed = await ed25519CosignatureSigner(signWith, 'w.example/ed', seed, () => 5);
    const pq = await mlDsa44CosignatureSigner(signWith, 'w.example/pq', seed, () => 5);
    const note = await signNote(formatCheckpoint(cp), [ed, pq]);
    const edV = noteVerifierFromKey(
      openWith,
      encodeVerifierKey('w.example/ed', 4, (await signWith.ed25519.generateKeyPair(seed)).publicKey),
    );
    const pqV = noteVerifierFromKey(
      openWith,
      encodeVerifierKey('w.example/pq', 6, (await signWith.mlDsa44.generateKeyPair(seed)).publicKey),
    );
    const changed = note.replace('\next\n', '\nEXT\n');
    expect(parseCheckpoint(parseSignedNote(changed).text).extensions).toEqual(['EXT']);
    await expect(openNote(changed, [edV])).rejects.toMatchObject({ code: 'NOTE_BAD_SIGNATURE' });
    await expect(openNote(changed, [pqV])).resolves.toBeDefined();
  });

  it('cosigners refuse to sign a note text that is not a checkpoint', async () => {
    const ed = await ed25519CosignatureSigner(signWith, 'w', signWith.randomBytes(32), () => 5);
    await expect(signNote('not a checkpoint\n', [ed])).rejects.toMatchObject({ code: 'CHECKPOINT_MALFORMED' });
  });
});
