/**
 * `main.ts audit-verify`: an initialised data folder verifies (exit 0), with the checkpoint's
 * signatures checked against DIR/log-keys.json; other keys, or a changed leaf, fail (exit 1) and
 * name the table and index; a missing folder is reported, never created.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { getOrganisation } from '../identity/store.ts';
import { crypto } from '../testing/world.ts';
import { LOG_KEYS_FILE, loadOrCreateLogKeys } from './keys.ts';
import { AuditLog } from './service.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const main = (args: string[]) => {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
};

describe('audit-verify', () => {
  it('verifies an initialised store, checks the checkpoint signatures, and names a changed leaf', async () => {
    const data = mkdtempSync(join(tmpdir(), 'valise-verify-'));
    dirs.push(data);
    expect(main(['init', '--data', data, '--domain', 'mfa.sylvania.example']).code).toBe(0);
    const opened = await openDatabase({ kind: 'sqlite', file: join(data, 'valise.db') });
    try {
      const organisation = await getOrganisation(opened.db);
      const keys = loadOrCreateLogKeys(data, crypto.randomBytes);
      const log = await AuditLog.create({ db: opened.db, crypto, clock: () => new Date(), domain: String(organisation?.domain), keys });
      await log.checkpoint();
    } finally {
      await opened.close();
    }

    const ok = main(['audit-verify', '--data', data, '--json']);
    expect(ok.code, ok.out).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ ok: true, checkpointSignatures: true, problems: [] });

    // Other log keys: the stored checkpoint no longer opens.
    unlinkSync(join(data, LOG_KEYS_FILE));
    loadOrCreateLogKeys(data, crypto.randomBytes);
    const otherKeys = main(['audit-verify', '--data', data, '--json']);
    expect(otherKeys.code).toBe(1);
    expect(JSON.parse(otherKeys.out).problems[0]).toMatchObject({ table: 'log_checkpoints' });

    const sqlite = new DatabaseSync(join(data, 'valise.db'));
    sqlite.exec('update log_entries set leaf = zeroblob(32) where idx = 0');
    sqlite.close();
    const changed = main(['audit-verify', '--data', data]);
    expect(changed.code).toBe(1);
    expect(changed.out).toContain('log_entries index 0: leaf does not equal');
    expect(changed.out).toContain('Result: FAILED');
  });

  it('reports a missing data folder without creating it', () => {
    const missing = join(tmpdir(), `valise-missing-${Date.now()}`);
    const r = main(['audit-verify', '--data', missing]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('does not exist');
    expect(existsSync(missing)).toBe(false);
    expect(main(['audit-verify']).code).toBe(2);
  });
});
