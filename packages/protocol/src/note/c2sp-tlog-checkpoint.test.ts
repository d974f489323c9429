/** c2sp.org/tlog-checkpoint conformance: the spec's example and the format's strict rules. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../crypto/node-provider.ts';
import { webCryptoProvider } from '../crypto/web-provider.ts';
import { ValiseError } from '../errors.ts';
import { toStdBase64 } from './base64.ts';
import { type Checkpoint, formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint.ts';
import { ed25519NoteSigner, encodeVerifierKey, NOTE_SIGNATURE_TYPE } from './keys.ts';
import { parseSignedNote } from './signed-note.ts';
import { hasAsciiControl } from './text.ts';
import { noteVerifierFromKey } from './verifiers.ts';

const spec = JSON.parse(readFileSync(new URL('../../test-fixtures/c2sp-note/c2sp-spec-examples.json', import.meta.url), 'utf8'));
const HASH = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';

describe('C2SP tlog-checkpoint spec example', () => {
  it('parses the example checkpoint and formats it back byte for byte', () => {
    const note = parseSignedNote(spec.checkpoint.note);
    const cp = parseCheckpoint(note.text);
    expect(cp.origin).toBe('example.com/behind-the-sofa');
    expect(cp.size).toBe(20852163);
    expect(toStdBase64(cp.rootHash)).toBe(HASH);
    expect(cp.extensions).toEqual([]);
    expect(formatCheckpoint(cp)).toBe(note.text);
    // The log's key name matches the origin line.
    expect(note.signatures[0]).toMatchObject({ name: 'example.com/behind-the-sofa', keyId: 0x033de0ae });
  });
});

describe('checkpoint syntax', () => {
  const ok = (body: string) => parseCheckpoint(body);
  const bad = (body: string) => expect(() => parseCheckpoint(body)).toThrow(expect.objectContaining({ code: 'CHECKPOINT_MALFORMED' }));

  it('accepts size 0, extension lines and any non-empty origin', () => {
    expect(ok(`o\n0\n${HASH}\n`).size).toBe(0);
    expect(ok(`log with spaces+plus\n1\n${HASH}\next one\next two\n`).extensions).toEqual(['ext one', 'ext two']);
  });

  it('refuses what the spec forbids', () => {
    for (const body of [
      `o\n1\n${HASH}`, // no final newline
      `o\n1\n`, // two lines
      `\n1\n${HASH}\n`, // empty origin
      `o\n01\n${HASH}\n`, // leading zero
      `o\n+1\n${HASH}\n`,
      `o\n-1\n${HASH}\n`,
      `o\n1.0\n${HASH}\n`,
      `o\n 1\n${HASH}\n`,
      `o\n9007199254740992\n${HASH}\n`, // beyond 2^53 - 1
      `o\n1\n${HASH.slice(0, -1)}\n`,
      `o\n1\n${toStdBase64(new Uint8Array(31))}\n`,
      `o\n1\n${toStdBase64(new Uint8Array(33))}\n`,
      `o\n1\n${HASH.slice(0, -2)}J=\n`, // non-canonical
      `o\n1\n${HASH}\n\n`, // empty extension line
      `o\n1\n${HASH}\nx\n\nsig\n`,
      `o\t\n1\n${HASH}\n`,
    ]) {
      bad(body);
    }
  });

  it('format → parse round-trips and parse never throws but ValiseError', () => {
    const line = fc.string({ minLength: 1 }).filter((s) => s.isWellFormed() && !hasAsciiControl(s, false));
    const cp = fc.record({
      origin: line,
      size: fc.maxSafeNat(),
      rootHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      extensions: fc.array(line, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(cp, (c: Checkpoint) => {
        expect(parseCheckpoint(formatCheckpoint(c))).toEqual(c);
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        try {
          parseCheckpoint(s);
        } catch (err) {
          if (!(err instanceof ValiseError)) throw err;
        }
      }),
    );
  });
});

describe.each([
  [nodeCryptoProvider, webCryptoProvider],
  [webCryptoProvider, nodeCryptoProvider],
])('signed checkpoints across providers (%#)', (signWith, openWith) => {
  it('a checkpoint signed under its origin opens with the vkey', async () => {
    const origin = 'valise.example/audit';
    const seed = signWith.randomBytes(32);
    const signer = await ed25519NoteSigner(signWith, origin, seed);
    const cp: Checkpoint = { origin, size: 42, rootHash: signWith.randomBytes(32), extensions: [] };
    const note = await signCheckpoint(cp, [signer]);
    const vkey = encodeVerifierKey(origin, NOTE_SIGNATURE_TYPE.ed25519, (await signWith.ed25519.generateKeyPair(seed)).publicKey);
    const opened = await openCheckpoint(note, [noteVerifierFromKey(openWith, vkey)]);
    expect(opened.checkpoint).toEqual(cp);
    expect(opened.note.verified[0]!.name).toBe(origin);
  });
});
