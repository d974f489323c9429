/** Document names from a pouch cannot leave the output folder; pouch files are never overwritten. */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '@valise/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeDocumentName, safeDocumentNames, writePouchFile } from './pouch-files.ts';

describe('safeDocumentName', () => {
  it('turns every hostile name into one plain name inside the folder', () => {
    const cases: [string, string][] = [
      ['../../etc/passwd', 'etc_passwd'],
      ['/etc/passwd', 'etc_passwd'],
      ['..\\..\\Windows\\system.ini', 'Windows_system.ini'],
      ['..', 'document-1'],
      ['.', 'document-1'],
      ['./.bashrc', 'bashrc'],
      ['C:\\x.txt', 'C__x.txt'],
      ['a\u0000b\nc.txt', 'a_b_c.txt'],
      ['CON', '_CON'],
      ['nul.txt', '_nul.txt'],
      ['Annex A — report.pdf', 'Annex A — report.pdf'],
    ];
    for (const [name, safe] of cases) expect(safeDocumentName(name, 0), name).toBe(safe);
    expect(Buffer.byteLength(safeDocumentName(`${'x'.repeat(900)}.pdf`, 0))).toBeLessThanOrEqual(200);
    expect(safeDocumentName(`${'x'.repeat(900)}.pdf`, 0).endsWith('.pdf')).toBe(true);
  });

  it('never yields a separator, a relative segment or a leading dot (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), fc.nat(1000), (name, i) => {
        const safe = safeDocumentName(name, i);
        return safe.length > 0 && !/[/\\]/.test(safe) && !safe.startsWith('.') && safe !== '..';
      }),
    );
  });

  it('makes repeated names unique', () => {
    expect(safeDocumentNames(['a.txt', 'A.txt', 'dir/a.txt', 'a.txt'])).toEqual(['a.txt', 'A (2).txt', 'dir_a.txt', 'a (3).txt']);
  });
});

describe('writePouchFile', () => {
  it('writes through a temporary file, refuses to overwrite, and leaves nothing when the bytes fail', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'valise-pouch-files-'));
    const path = join(dir, 'a.pouch');
    expect(await writePouchFile([new Uint8Array([1, 2]), new Uint8Array([3])] as unknown as AsyncIterable<Uint8Array>, path)).toBe(3);
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    await expect(writePouchFile((async function* () {})(), path)).rejects.toSatisfy((e) => hasCode(e, 'POUCH_OUTPUT_EXISTS'));
    const broken = join(dir, 'b.pouch');
    await expect(
      writePouchFile(
        (async function* () {
          yield new Uint8Array([1]);
          throw new Error('the seal failed');
        })(),
        broken,
      ),
    ).rejects.toThrow('the seal failed');
    expect(existsSync(broken)).toBe(false);
    expect(await readdir(dir)).toEqual(['a.pouch']);
  });
});
