import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crypto } from '../testing/world.ts';
import { LOG_KEYS_FILE, loadOrCreateLogKeys } from './keys.ts';

describe('log keys file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is created once with mode 0600 and read back unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'valise-keys-'));
    dirs.push(dir);
    const first = loadOrCreateLogKeys(dir, crypto.randomBytes);
    expect(statSync(join(dir, LOG_KEYS_FILE)).mode & 0o777).toBe(0o600);
    const again = loadOrCreateLogKeys(dir, crypto.randomBytes);
    expect(again).toEqual(first);
    expect(first.ed25519Seed).toHaveLength(32);
    expect(first.mlDsa44Seed).toHaveLength(32);
  });

  it('refuses a damaged file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'valise-keys-'));
    dirs.push(dir);
    loadOrCreateLogKeys(dir, crypto.randomBytes);
    const file = join(dir, LOG_KEYS_FILE);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"version": 1', '"version": 2'));
    expect(() => loadOrCreateLogKeys(dir, crypto.randomBytes)).toThrow('not a valid log key file');
  });
});
