/**
 * RFC 5869 Appendix A, the three HKDF-SHA-256 test cases (A.1 basic, A.2 long inputs and output,
 * A.3 zero-length salt and info), run unchanged against both providers. The provider exposes
 * extract-then-expand as one call, so the vectors are checked on the OKM; the PRK is listed for
 * reference. Values copied from the RFC text.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { nodeCryptoProvider } from './node-provider.ts';
import type { CryptoProvider } from './provider.ts';
import { webCryptoProvider } from './web-provider.ts';

/** `from`..`to` inclusive, as the RFC writes its inputs (0x00..0x4f and so on). */
const range = (from: number, to: number) => toHex(Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i));

const cases = [
  {
    name: 'A.1 basic test case with SHA-256',
    ikm: '0b'.repeat(22),
    salt: '000102030405060708090a0b0c',
    info: 'f0f1f2f3f4f5f6f7f8f9',
    length: 42,
    prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
    okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  },
  {
    name: 'A.2 SHA-256 with longer inputs/outputs',
    ikm: range(0x00, 0x4f),
    salt: range(0x60, 0xaf),
    info: range(0xb0, 0xff),
    length: 82,
    prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
    okm:
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b836' +
      '7793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
  },
  {
    name: 'A.3 SHA-256 with zero-length salt/info',
    ikm: '0b'.repeat(22),
    salt: '',
    info: '',
    length: 42,
    prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
    okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  },
];

describe.each([nodeCryptoProvider, webCryptoProvider] as CryptoProvider[])('RFC 5869 HKDF-SHA-256 ($name provider)', (crypto) => {
  it('spells the A.2 inputs as the RFC prints them', () => {
    expect(cases[1]?.ikm.slice(0, 8)).toBe('00010203');
    expect(cases[1]?.salt.length).toBe(160);
    expect(cases[1]?.info.slice(-4)).toBe('feff');
  });

  it.each(cases)('$name', async ({ ikm, salt, info, length, okm }) => {
    const out = await crypto.hkdfSha256(fromHex(ikm), fromHex(salt), fromHex(info), length);
    expect(out.length).toBe(length);
    expect(toHex(out)).toBe(okm);
  });

  it('A.1 truncated: a shorter L is a prefix of the longer output (expand is a stream)', async () => {
    const { ikm, salt, info, okm } = cases[0]!;
    expect(toHex(await crypto.hkdfSha256(fromHex(ikm), fromHex(salt), fromHex(info), 16))).toBe(okm.slice(0, 32));
  });

  it('§2.3 bounds L to 255 * HashLen: 0 and 8160 bytes are fine, 8161 is BAD_LENGTH', async () => {
    const ikm = fromHex(cases[0]!.ikm);
    expect((await crypto.hkdfSha256(ikm, new Uint8Array(0), new Uint8Array(0), 0)).length).toBe(0);
    expect((await crypto.hkdfSha256(ikm, new Uint8Array(0), new Uint8Array(0), 8160)).length).toBe(8160);
    const tooLong = crypto.hkdfSha256(ikm, new Uint8Array(0), new Uint8Array(0), 8161);
    await expect(tooLong).rejects.toBeInstanceOf(ValiseError);
    await expect(tooLong).rejects.toMatchObject({ code: 'BAD_LENGTH' });
  });
});
