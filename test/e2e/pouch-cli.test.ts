/**
 * Diplomatic pouches through the real `valise` command and the real demo server: alice (HQ, TOP
 * SECRET) seals two files to the Sylvania embassy at SECRET; the marks read without a profile;
 * bob and heidi (cleared) open identical bytes; dave (same embassy, RESTRICTED) was never a
 * recipient; carol (another embassy) cannot open; a flipped byte is refused; a document name
 * cannot escape the output folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliDemo, cliJson, cliRunner, demoHandle, errorCode, loginDemoPeople, startCliDemo } from '../helpers/cli.ts';

let demo: CliDemo;
let valise: Awaited<ReturnType<typeof cliRunner>>;
let work: string;
const handle = demoHandle;
const json = (args: string[]) => cliJson(valise, args);
const EMBASSY = handle('embassy-sylvania');
const big = randomBytes(3 * 1024 * 1024 + 12345);
let pouchFile: string;
const deviceOf: Record<string, string> = {};

beforeAll(async () => {
  demo = await startCliDemo();
  valise = await cliRunner();
  work = await mkdtemp(join(tmpdir(), 'valise-pouch-'));
  Object.assign(deviceOf, await loginDemoPeople(demo, valise, ['alice', 'bob', 'heidi', 'dave', 'carol']));
  await writeFile(join(work, 'empty.txt'), new Uint8Array(0));
  await writeFile(join(work, 'annex.bin'), big);
  pouchFile = join(work, 'dispatch.pouch');
}, 180_000);
afterAll(() => demo?.stop());

it('seals two files to the cleared devices of a unit, never to the uncleared', async () => {
  const sealed = await json([
    '--profile',
    'alice',
    'pouch',
    'seal',
    join(work, 'empty.txt'),
    join(work, 'annex.bin'),
    '--to',
    EMBASSY,
    '--label',
    'secret',
    '-o',
    pouchFile,
  ]);
  expect(sealed.label).toBe('SECRET');
  expect(sealed.consignee).toEqual({ organisation: 'mfa.freedonia.example', unit: EMBASSY });
  expect(sealed.sealNumber).toMatch(/^HQ-\d{4}-[0-9A-HJKMNP-TV-Z]{26}$/);
  expect(sealed.recipients.map((r: { person: string }) => r.person).sort()).toEqual([handle('bob'), handle('heidi')]);
  expect(sealed.notCleared).toEqual([handle('dave')]);
  expect(sealed.pouchDigest).toMatch(/^[0-9a-f]{64}$/);
  expect(existsSync(pouchFile)).toBe(true);

  // Never overwritten.
  const again = await valise(
    ['--profile', 'alice', 'pouch', 'seal', join(work, 'empty.txt'), '--to', EMBASSY, '--label', 'SECRET', '-o', pouchFile, '--json'],
    { expectFailure: true },
  );
  expect(errorCode(again)).toBe('POUCH_OUTPUT_EXISTS');
}, 120_000);

it('shows the marks without a profile, and verifies keyless and with a profile', async () => {
  const marks = await json(['--profile', 'nobody', 'pouch', 'inspect', pouchFile]);
  expect(marks).toMatchObject({
    consignee: { unit: EMBASSY },
    sender: { unit: handle('hq'), deviceId: deviceOf.alice },
    label: { text: 'SECRET' },
    itemCount: 2,
    totalSize: big.length,
  });
  expect(marks.recipients.sort()).toEqual([deviceOf.bob, deviceOf.heidi].sort());
  expect(marks.recipients).not.toContain(deviceOf.dave);
  const human = (await valise(['--profile', 'nobody', 'pouch', 'inspect', pouchFile])).stdout;
  expect(human).toContain('SECRET');
  expect(human).toContain(EMBASSY);

  const keyless = await json(['--profile', 'nobody', 'pouch', 'verify', pouchFile]);
  expect(keyless).toMatchObject({ valid: true, senderChecked: false });
  const checked = await json(['--profile', 'carol', 'pouch', 'verify', pouchFile]);
  expect(checked).toMatchObject({ valid: true, senderChecked: true, pouchDigest: keyless.pouchDigest });
}, 120_000);

it('opens for a cleared member of the unit with identical bytes', async () => {
  for (const who of ['bob', 'heidi']) {
    const out = join(work, `out-${who}`);
    const opened = await json(['--profile', who, 'pouch', 'open', pouchFile, '-o', out]);
    expect(opened.documents.map((d: { name: string; size: number }) => [d.name, d.size])).toEqual([
      ['empty.txt', 0],
      ['annex.bin', big.length],
    ]);
    expect((await readFile(join(out, 'empty.txt'))).length).toBe(0);
    expect(Buffer.compare(await readFile(join(out, 'annex.bin')), big)).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['annex.bin', 'empty.txt']);
  }
  // Opening again into the same folder overwrites nothing.
  const twice = await valise(['--profile', 'bob', 'pouch', 'open', pouchFile, '-o', join(work, 'out-bob'), '--json'], {
    expectFailure: true,
  });
  expect(errorCode(twice)).toBe('POUCH_OUTPUT_EXISTS');
}, 120_000);

it('refuses the uncleared member and another unit: they were never recipients', async () => {
  for (const who of ['dave', 'carol']) {
    const out = join(work, `out-${who}`);
    const r = await valise(['--profile', who, 'pouch', 'open', pouchFile, '-o', out, '--json'], { expectFailure: true });
    expect(errorCode(r)).toBe('POUCH_NOT_A_RECIPIENT');
    expect(existsSync(join(out, 'annex.bin'))).toBe(false);
  }
}, 120_000);

it('refuses a pouch with a flipped byte, and writes nothing', async () => {
  const bytes = new Uint8Array(await readFile(pouchFile));
  const flipped = join(work, 'flipped.pouch');
  const copy = bytes.slice();
  // A byte well inside the encrypted payload.
  copy[bytes.length - 100_000] = (copy[bytes.length - 100_000] as number) ^ 0x01;
  await writeFile(flipped, copy);
  const out = join(work, 'out-flipped');
  const opened = await valise(['--profile', 'bob', 'pouch', 'open', flipped, '-o', out, '--json'], { expectFailure: true });
  expect(errorCode(opened)).toBe('POUCH_SEAL_BROKEN');
  expect(existsSync(out) ? await readdir(out) : []).toEqual([]);
  const verified = await valise(['--profile', 'nobody', 'pouch', 'verify', flipped, '--json'], { expectFailure: true });
  expect(errorCode(verified)).toBe('POUCH_SEAL_BROKEN');

  // A flipped byte in the marks: the sender's signature no longer covers them.
  const marksFlip = bytes.slice();
  marksFlip[40] = (marksFlip[40] as number) ^ 0x01;
  await writeFile(join(work, 'marks.pouch'), marksFlip);
  const inspected = await valise(['--profile', 'nobody', 'pouch', 'inspect', join(work, 'marks.pouch'), '--json'], {
    expectFailure: true,
  });
  expect(errorCode(inspected)).toBe('POUCH_MARKS_TAMPERED');
}, 120_000);

it('keeps a hostile document name inside the output folder', async () => {
  const src = join(work, 'hostile');
  await mkdir(src);
  // The CLI names documents by their base name; a name with separators can only come from a
  // hand-made pouch, so seal one through the SDK-level file name option via a renamed copy.
  const evil = join(src, 'passwd');
  await writeFile(evil, 'root:x:0:0');
  const hostile = join(work, 'hostile.pouch');
  await json([
    '--profile',
    'alice',
    'pouch',
    'seal',
    evil,
    '--to',
    EMBASSY,
    '--label',
    'SECRET',
    '-o',
    hostile,
    '--document-name',
    '../../etc/passwd',
  ]);
  const out = join(work, 'deep', 'out-hostile');
  const opened = await json(['--profile', 'bob', 'pouch', 'open', hostile, '-o', out]);
  expect(opened.documents[0].name).toBe('../../etc/passwd');
  expect(opened.documents[0].path).toBe(join(out, 'etc_passwd'));
  expect(await readdir(out)).toEqual(['etc_passwd']);
  expect(existsSync(join(work, 'etc', 'passwd'))).toBe(false);
  expect(await readFile(join(out, 'etc_passwd'), 'utf8')).toBe('root:x:0:0');
}, 120_000);
