/**
 * c2sp.org/tlog-witness add-checkpoint bodies: the spec's example request and response parse,
 * round trips, and strict refusal of every malformed variant; fast-check for the decoder.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../crypto/node-provider.ts';
import { ValiseError } from '../errors.ts';
import { signCheckpoint } from './checkpoint.ts';
import { mlDsa44CosignatureSigner } from './cosignature.ts';
import { ed25519NoteSigner } from './keys.ts';
import { formatSignatureLine } from './signed-note.ts';
import {
  encodeAddCheckpointRequest,
  encodeCosignatureResponse,
  encodeTreeSizeBody,
  MAX_WITNESS_PROOF_LINES,
  parseAddCheckpointRequest,
  parseCosignatureResponse,
  parseTreeSizeBody,
} from './witness.ts';

const SPEC_REQUEST = `old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=
`;

// The spec's example response (its first two lines are 72-byte ML-DSA-shortened examples; only syntax matters here).
const SPEC_RESPONSE = `— witness.example/w1 CMp+6LWBU0anHGH5aNDTJkH/gj79sG+T6+iP2ThYN5krrDJbR1HDnucjL39QsZTSvVjyQLrdk3DXDqI5G2HgLatVs0pWh6Up69HVOw==
— witness.example/w1 I7rEps0pvK2UqkS2gSpVUDhrhVtQV9lgF6pRrWAvjJHjyWpW7VcE3SiOlVlbQNt64vWhO+DlkL0+UfzuOBMh9ChdMkP1vi/lCAsmlw==
— witness.example/w2 AWui8Sk55XjYLOijihBjhqEH6nS1ndDymE0a+6idX7pLcnoB+dhnz0854aLZgrrKbYKA7nC3HNJhm/kWl7oJlqU3rXXvpysAdyP3wQ==
`;

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (err instanceof ValiseError) return err.code;
    throw err;
  }
  return 'none';
};

describe('C2SP tlog-witness add-checkpoint request', () => {
  it("parses the spec's example request body", () => {
    const r = parseAddCheckpointRequest(SPEC_REQUEST);
    expect(r.oldSize).toBe(20852014);
    expect(r.proof).toHaveLength(4);
    expect(r.proof.every((h) => h.length === 32)).toBe(true);
    expect(r.checkpoint).toMatchObject({ origin: 'example.com/behind-the-sofa', size: 20852163 });
    expect(r.parsedNote.signatures).toHaveLength(2);
    expect(r.note).toBe(SPEC_REQUEST.slice(SPEC_REQUEST.indexOf('example.com')));
    // Bytes parse the same, and encoding gives the body back.
    expect(parseAddCheckpointRequest(new TextEncoder().encode(SPEC_REQUEST)).oldSize).toBe(20852014);
    expect(encodeAddCheckpointRequest(r.oldSize, r.proof, r.note)).toBe(SPEC_REQUEST);
  });

  it('round-trips a real signed checkpoint with no proof', async () => {
    const c = nodeCryptoProvider;
    const note = await signCheckpoint({ origin: 'log.example/l', size: 3, rootHash: new Uint8Array(32).fill(1), extensions: [] }, [
      await ed25519NoteSigner(c, 'log.example/l', new Uint8Array(32).fill(2)),
    ]);
    const body = encodeAddCheckpointRequest(0, [], note);
    expect(body.startsWith('old 0\n\nlog.example/l\n3\n')).toBe(true);
    const r = parseAddCheckpointRequest(body);
    expect(r).toMatchObject({ oldSize: 0, proof: [], note });
  });

  const [head, ...rest] = SPEC_REQUEST.split('\n');
  const variants: Record<string, string> = {
    'leading zero': SPEC_REQUEST.replace('old 20852014', 'old 020852014'),
    'no old keyword': SPEC_REQUEST.replace('old ', 'olds '),
    'two spaces': SPEC_REQUEST.replace('old ', 'old  '),
    'negative size': SPEC_REQUEST.replace('old 20852014', 'old -1'),
    'huge size': SPEC_REQUEST.replace('old 20852014', 'old 99999999999999999999'),
    'short hash': SPEC_REQUEST.replace('PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=', 'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpk'),
    'non-canonical base64': SPEC_REQUEST.replace('Dpkaw=', 'Dpkax='),
    'CRLF line': SPEC_REQUEST.replace(`${head}\n`, `${head}\r\n`),
    'no empty line':
      rest.length > 0
        ? SPEC_REQUEST.replace('/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n\n', '/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n')
        : '',
    'no signatures': 'old 0\n\nexample.com/x\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    'not a checkpoint': 'old 0\n\nhello\n\n— k AAAAAAA=\n',
    'missing final newline': SPEC_REQUEST.slice(0, -1),
    empty: '',
  };
  for (const [name, body] of Object.entries(variants)) {
    it(`refuses a request with ${name}`, () => {
      expect(code(() => parseAddCheckpointRequest(body))).toBe('WITNESS_REQUEST_MALFORMED');
    });
  }

  it('accepts 63 proof lines and refuses 64', () => {
    const line = 'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n';
    const note = SPEC_REQUEST.slice(SPEC_REQUEST.indexOf('\n\n') + 2);
    expect(parseAddCheckpointRequest(`old 1\n${line.repeat(MAX_WITNESS_PROOF_LINES)}\n${note}`).proof).toHaveLength(63);
    expect(code(() => parseAddCheckpointRequest(`old 1\n${line.repeat(64)}\n${note}`))).toBe('WITNESS_REQUEST_MALFORMED');
    expect(code(() => encodeAddCheckpointRequest(1, Array(64).fill(new Uint8Array(32)), note))).toBe('WITNESS_REQUEST_MALFORMED');
  });

  it('never throws anything but WITNESS_REQUEST_MALFORMED on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 300 }),
          fc.string().map((s) => `old 1\n\n${s}`),
        ),
        (body) => {
          try {
            parseAddCheckpointRequest(body);
          } catch (err) {
            expect(err).toBeInstanceOf(ValiseError);
            expect((err as ValiseError).code).toBe('WITNESS_REQUEST_MALFORMED');
          }
        },
      ),
    );
  });
});

describe('C2SP tlog-witness add-checkpoint responses', () => {
  it("parses the spec's example response and round-trips real cosignatures", async () => {
    const sigs = parseCosignatureResponse(SPEC_RESPONSE);
    expect(sigs.map((s) => s.name)).toEqual(['witness.example/w1', 'witness.example/w1', 'witness.example/w2']);
    expect(encodeCosignatureResponse(sigs)).toBe(SPEC_RESPONSE);
    const signer = await mlDsa44CosignatureSigner(nodeCryptoProvider, 'w.example/w', new Uint8Array(32).fill(3), () => 1_700_000_000);
    const line = formatSignatureLine({
      name: signer.name,
      keyId: signer.keyId,
      signature: await signer.sign(new TextEncoder().encode('log.example/l\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n')),
    });
    expect(parseCosignatureResponse(line)[0]!.keyId).toBe(signer.keyId);
  });

  it('refuses malformed responses', () => {
    for (const body of ['', '\n', SPEC_RESPONSE.slice(0, -1), `${SPEC_RESPONSE}\n`, 'hello\n', SPEC_RESPONSE.replace('— ', '- ')]) {
      expect(code(() => parseCosignatureResponse(body))).toBe('WITNESS_RESPONSE_MALFORMED');
    }
    expect(code(() => encodeCosignatureResponse([]))).toBe('WITNESS_RESPONSE_MALFORMED');
  });

  it('encodes and parses the 409 size body strictly', () => {
    expect(encodeTreeSizeBody(42)).toBe('42\n');
    expect(parseTreeSizeBody('0\n')).toBe(0);
    expect(parseTreeSizeBody('42\n')).toBe(42);
    for (const body of ['42', '042\n', '-1\n', ' 4\n', '4 \n', ''])
      expect(code(() => parseTreeSizeBody(body))).toBe('WITNESS_RESPONSE_MALFORMED');
  });
});
