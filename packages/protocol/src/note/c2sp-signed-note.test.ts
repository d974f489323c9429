/**
 * c2sp.org/signed-note conformance: the golang.org/x/mod sumdb/note test cases and the example in
 * the spec (fixtures and licences in test-fixtures/c2sp-note/README.md), on both crypto providers,
 * plus property tests of the parser and of sign → open.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from '../bytes.ts';
import { nodeCryptoProvider } from '../crypto/node-provider.ts';
import { webCryptoProvider } from '../crypto/web-provider.ts';
import { ValiseError } from '../errors.ts';
import { toStdBase64 } from './base64.ts';
import {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  encodeSignerKey,
  encodeVerifierKey,
  isValidKeyName,
  NOTE_SIGNATURE_TYPE,
  type NoteVerifier,
  noteKeyId,
  parseSignerKey,
  parseVerifierKey,
} from './keys.ts';
import { formatSignatureLine, openNote, parseSignedNote, signNote } from './signed-note.ts';
import { hasAsciiControl } from './text.ts';
import { noteVerifierFromKey } from './verifiers.ts';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../test-fixtures/c2sp-note/${name}`, import.meta.url), 'utf8'));
const go = load('golang-mod-sumdb-note.json');
const spec = load('c2sp-spec-examples.json');

async function rejects(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toSatisfy((err: unknown) => err instanceof ValiseError && err.code === code);
}
function throwsCode(fn: () => unknown, code: string): void {
  expect(fn).toThrow(expect.objectContaining({ code }));
}

describe('golang.org/x/mod sumdb/note vectors: keys', () => {
  it('parses the PeterNeumann and EnochRoot verifier keys and their key IDs', () => {
    const peter = parseVerifierKey(go.peterVerifierKey);
    expect(peter).toMatchObject({ name: 'PeterNeumann', keyId: 0xc74f20a3, type: NOTE_SIGNATURE_TYPE.ed25519 });
    expect(peter.publicKey).toHaveLength(32);
    expect(encodeVerifierKey(peter.name, peter.type, peter.publicKey)).toBe(go.peterVerifierKey);
    expect(parseVerifierKey(go.enochVerifierKey).keyId).toBe(0xaf0cfe78);
    expect(noteKeyId('PeterNeumann', 1, peter.publicKey)).toBe(0xc74f20a3);
  });

  it('refuses every substring and every one-byte increment of the verifier key (TestNewVerifier)', () => {
    const b = utf8(go.peterVerifierKey);
    const dec = new TextDecoder();
    let checked = 0;
    for (let i = 0; i <= b.length; i++) {
      for (let j = i + 1; j <= b.length; j++) {
        if (i === 0 && j === b.length) continue;
        throwsCode(() => parseVerifierKey(dec.decode(b.subarray(i, j))), 'NOTE_BAD_KEY');
        checked++;
      }
    }
    for (let i = 0; i < b.length; i++) {
      const m = b.slice();
      m[i] = (m[i]! + 1) & 0xff;
      throwsCode(() => parseVerifierKey(dec.decode(m)), 'NOTE_BAD_KEY');
      checked++;
    }
    expect(checked).toBeGreaterThan(2000);
  });

  it('refuses the wrong-length and unknown-algorithm keys with adjusted key hashes', () => {
    for (const vkey of Object.keys(go.badVerifierKeys)) throwsCode(() => parseVerifierKey(vkey), 'NOTE_BAD_KEY');
  });

  it.each([nodeCryptoProvider, webCryptoProvider])(
    'parses the signer key and refuses its manglings (TestNewSigner), $name',
    async (crypto) => {
      const parsed = await parseSignerKey(crypto, go.peterSignerKey);
      expect(parsed).toMatchObject({ name: 'PeterNeumann', keyId: 0xc74f20a3 });
      expect(await encodeSignerKey(crypto, parsed.name, parsed.secretKey)).toBe(go.peterSignerKey);
      const b = utf8(go.peterSignerKey);
      const dec = new TextDecoder();
      const bad: string[] = [];
      for (let i = 0; i <= b.length; i++)
        for (let j = i + 1; j <= b.length; j++) if (i !== 0 || j !== b.length) bad.push(dec.decode(b.subarray(i, j)));
      for (let i = 0; i < b.length; i++) {
        const m = b.slice();
        m[i] = (m[i]! + 1) & 0xff;
        bad.push(dec.decode(m));
      }
      for (const skey of bad) await rejects(parseSignerKey(crypto, skey), 'NOTE_BAD_KEY');
    },
  );
});

describe.each([nodeCryptoProvider, webCryptoProvider])('golang.org/x/mod sumdb/note vectors: sign and open, $name', (crypto) => {
  const peter = () => noteVerifierFromKey(crypto, go.peterVerifierKey);
  const enoch = () => noteVerifierFromKey(crypto, go.enochVerifierKey);
  const peterSigner = async () => {
    const { name, secretKey } = await parseSignerKey(crypto, go.peterSignerKey);
    return ed25519NoteSigner(crypto, name, secretKey);
  };

  it('signs the text exactly as Go does (TestSign)', async () => {
    expect(await signNote(go.text, [await peterSigner()])).toBe(go.signedByPeter);
  });

  it('replaces an existing signature from the same key (TestSign)', async () => {
    const existing = { name: 'PeterNeumann', keyId: 0xc74f20a3, signature: Uint8Array.of(0xba, 0xd5) }; // Go uses the base64 'BADSIGN='
    expect(await signNote(go.text, [await peterSigner()], [existing])).toBe(go.signedByPeter);
  });

  it('refuses bad inputs to sign (TestSign)', async () => {
    const signer = await peterSigner();
    await rejects(signNote('abc', [signer]), 'NOTE_MALFORMED');
    await rejects(signNote(go.text, [], [{ name: 'a+b', keyId: 0, signature: new Uint8Array(64) }]), 'NOTE_BAD_KEY');
    await rejects(signNote(go.text, [{ ...signer, name: 'bad name' }]), 'NOTE_BAD_KEY');
  });

  it('opens with one key verified and one unknown (TestOpen)', async () => {
    const n = await openNote(utf8(`${go.text}\n${go.peterSignatureLine}${go.enochSignatureLine}`), [peter()]);
    expect(n.text).toBe(go.text);
    expect(n.verified.map((s) => [s.name, s.keyId, toStdBase64(concatBytes(keyIdBytes(s.keyId), s.signature))])).toEqual([
      ['PeterNeumann', 0xc74f20a3, go.peterSignatureBase64],
    ]);
    expect(n.unverified.map((s) => [s.name, s.keyId])).toEqual([['EnochRoot', 0xaf0cfe78]]);
    expect(n.verifiedBy.map((v) => v.name)).toEqual(['PeterNeumann']);
  });

  it('opens with both verified (TestOpen)', async () => {
    const n = await openNote(`${go.text}\n${go.peterSignatureLine}${go.enochSignatureLine}`, [peter(), enoch()]);
    expect(n.verified.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(n.unverified).toEqual([]);
  });

  it('rejects a note with no known signer (TestOpen)', async () => {
    await rejects(openNote(`${go.text}\n${go.peterSignatureLine}${go.enochSignatureLine}`, []), 'NOTE_UNVERIFIED');
  });

  it('rejects an ambiguous verifier list only when the ambiguous key is used (TestOpen)', async () => {
    await rejects(openNote(`${go.text}\n${go.enochSignatureLine}`, [enoch(), peter(), enoch()]), 'NOTE_AMBIGUOUS_KEY');
    await expect(openNote(`${go.text}\n${go.peterSignatureLine}`, [enoch(), peter(), enoch()])).resolves.toBeDefined();
  });

  it('rejects more than 100 signatures (TestOpen)', async () => {
    const note = `${go.text}\n${go.peterSignatureLine.repeat(101)}`;
    await rejects(openNote(note, [peter()]), 'NOTE_TOO_LARGE');
    await rejects(openNote(note, []), 'NOTE_TOO_LARGE');
  });

  it('rejects an invalid signature from a known key (TestOpen)', async () => {
    const line: string = go.peterSignatureLine;
    await rejects(openNote(`${go.text}\n${line.slice(0, 60)}ABCD${line.slice(60)}`, [peter()]), 'NOTE_BAD_SIGNATURE');
  });

  it('drops repeated identical lines, keeps distinct unknown ones (TestOpen)', async () => {
    const e: string = go.enochSignatureLine;
    const p: string = go.peterSignatureLine;
    const n = await openNote(`${go.text}\n${p}${p}${e}${e}${e.slice(0, 60)}ABCD${e.slice(60)}`, [peter()]);
    expect(n.verified).toHaveLength(1);
    expect(n.unverified).toHaveLength(2);
    expect(toStdBase64(concatBytes(keyIdBytes(n.unverified[1]!.keyId), n.unverified[1]!.signature))).toBe(
      `${go.enochSignatureBase64.slice(0, 48)}ABCD${go.enochSignatureBase64.slice(48)}`,
    );
  });

  it('rejects every malformed message of TestOpen', async () => {
    for (const msg of go.badMessages as string[]) await rejects(openNote(utf8(msg), [peter()]), 'NOTE_MALFORMED');
    const ff = concatBytes(Uint8Array.of(0xff), utf8(`${go.text}\n${go.peterSignatureLine}`));
    await rejects(openNote(ff, [peter()]), 'NOTE_MALFORMED');
  });

  it('ignores a signature whose name or key ID match a known key but not both', async () => {
    const p: string = go.peterSignatureLine;
    await rejects(openNote(`${go.text}\n${p.replace('PeterNeumann', 'CarmenSandiego')}`, [peter()]), 'NOTE_UNVERIFIED');
    await rejects(openNote(`${go.text}\n${p.replace('x08g', 'xxxx')}`, [peter()]), 'NOTE_UNVERIFIED');
  });
});

function keyIdBytes(keyId: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, keyId);
  return b;
}

describe.each([nodeCryptoProvider, webCryptoProvider])('C2SP signed-note spec examples, $name', (crypto) => {
  it('the example verifier key verifies the example note', async () => {
    const n = await openNote(spec.signedNote.note, [noteVerifierFromKey(crypto, spec.signedNote.verifierKey)]);
    expect(n.text).toBe('This is an example message.\n');
    expect(n.verified[0]).toMatchObject({ name: 'example.com/foo', keyId: 0x530d903a });
  });

  it('the example note fails under a tampered text', async () => {
    const note = (spec.signedNote.note as string).replace('example message', 'exemplary message');
    await rejects(openNote(note, [noteVerifierFromKey(crypto, spec.signedNote.verifierKey)]), 'NOTE_BAD_SIGNATURE');
  });
});

describe('C2SP signed-note syntax', () => {
  it('parses the quasimodo note: empty lines in the text, split at the last blank line', () => {
    const n = parseSignedNote(utf8(spec.quasimodo.note));
    expect(n.text).toBe('Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n');
    expect(n.signatures).toHaveLength(1);
    expect(n.signatures[0]).toMatchObject({ name: 'quasimodo.example/salvatore' });
    expect(n.signatures[0]!.signature).toHaveLength(64);
  });

  it('applies the key name rules', () => {
    for (const good of ['example.com/foo', 'PeterNeumann', 'oid/1.2.3', 'é']) expect(isValidKeyName(good)).toBe(true);
    for (const bad of ['', 'a b', 'a+b', 'a\u00a0b', 'a\u3000b', 'a\u2028b', 'a\tb', 'a\u0001b', '\ud800'])
      expect(isValidKeyName(bad)).toBe(false);
  });

  it('refuses non-canonical base64, a missing space, CR, and a second blank line in the signatures', () => {
    const base = `${go.text}\n`;
    const b64: string = go.peterSignatureBase64;
    for (const bad of [
      `${base}— PeterNeumann ${b64.slice(0, -1)}\n`,
      `${base}— PeterNeumann ${b64.slice(0, -2)}N=\n`, // non-zero trailing bits
      `${base}— PeterNeumann${b64}\n`,
      `${base}— PeterNeumann  ${b64}\n`,
      `${base}- PeterNeumann ${b64}\n`,
      `${base}— PeterNeumann ${b64}\r\n`,
      `${base}— PeterNeumann ${b64}\n\n`,
      `${base}— PeterNeumann AAAAAA==\n`, // 4-byte key ID, empty signature
    ]) {
      throwsCode(() => parseSignedNote(bad), 'NOTE_MALFORMED');
    }
  });

  it('applies the byte limit', () => {
    throwsCode(() => parseSignedNote(go.signedByPeter, { maxSignatures: 100, maxNoteBytes: 64 }), 'NOTE_TOO_LARGE');
  });

  it('formats a signature line with the em dash', () => {
    expect(formatSignatureLine({ name: 'a', keyId: 1, signature: Uint8Array.of(0xff) })).toBe('\u2014 a AAAAAf8=\n');
  });
});

describe('signed-note properties', () => {
  it('the parser throws nothing but ValiseError on arbitrary bytes and strings', () => {
    const check = (input: Uint8Array | string) => {
      try {
        parseSignedNote(input);
      } catch (err) {
        if (!(err instanceof ValiseError)) throw err;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), check), { numRuns: 2000 });
    const line = fc.tuple(fc.constantFrom('— ', '-', ''), fc.string(), fc.constantFrom(' ', ''), fc.base64String()).map((p) => p.join(''));
    const note = fc.tuple(fc.string(), fc.array(line, { maxLength: 4 })).map(([t, ls]) => `${t}\n\n${ls.join('\n')}\n`);
    fc.assert(fc.property(note, check), { numRuns: 2000 });
  });

  it('verifier key parsing throws nothing but ValiseError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
        try {
          parseVerifierKey(s);
        } catch (err) {
          if (!(err instanceof ValiseError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });

  const noteText = fc
    .array(
      fc.string({ unit: 'grapheme' }).filter((l) => !hasAsciiControl(l, false)),
      { minLength: 1, maxLength: 6 },
    )
    .map((lines) => `${lines.join('\n')}\n`);
  const keyName = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter(isValidKeyName);

  it.each([
    [nodeCryptoProvider, webCryptoProvider],
    [webCryptoProvider, nodeCryptoProvider],
  ])('sign → open round-trips for random texts and names (%#)', async (signWith, openWith) => {
    await fc.assert(
      fc.asyncProperty(noteText, keyName, keyName, fc.uint8Array({ minLength: 32, maxLength: 32 }), async (text, a, b, seed) => {
        const s1 = await ed25519NoteSigner(signWith, a, seed);
        const s2 = await ed25519NoteSigner(
          signWith,
          b,
          seed.map((x) => x ^ 1),
        );
        const signers = s1.keyId === s2.keyId && a === b ? [s1] : [s1, s2];
        const note = await signNote(text, signers);
        const pub = (await signWith.ed25519.generateKeyPair(seed)).publicKey;
        const verifier: NoteVerifier = ed25519NoteVerifier(openWith, a, pub);
        const opened = await openNote(utf8(note), [verifier]);
        expect(opened.text).toBe(text);
        expect(opened.verifiedBy).toEqual([verifier]);
        expect(opened.unverified).toHaveLength(signers.length - 1);
      }),
      { numRuns: 60 },
    );
  });
});
