/**
 * `node apps/server/src/main.ts audit-verify --data DIR [--database URL] [--json]`: the operator's
 * full store check (verifyStore) with the log keys of DIR/log-keys.json, printed as a summary or
 * JSON. Never creates anything: a missing data folder, database or key file is reported.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type CryptoProvider, noteVerifierFromKey } from '@valise/protocol';
import { databaseConfigFor, openDatabase } from '../db/database.ts';
import { getOrganisation } from '../identity/store.ts';
import { LOG_KEYS_FILE, loadOrCreateLogKeys } from './keys.ts';
import { AuditLog } from './service.ts';
import { verifyStore } from './verify-full.ts';

export interface AuditVerifyCommand {
  dataDir: string;
  json: boolean;
  databaseUrl?: string;
}

/** Run the check; returns the exit code (0 verified, 1 problems or cannot check). */
export async function runAuditVerify(cmd: AuditVerifyCommand, crypto: CryptoProvider, out: (line: string) => void): Promise<number> {
  const fail = (message: string) => {
    out(cmd.json ? JSON.stringify({ ok: false, error: message }) : `Cannot verify: ${message}`);
    return 1;
  };
  if (!existsSync(cmd.dataDir)) return fail(`${cmd.dataDir} does not exist`);
  const config = databaseConfigFor(cmd.dataDir, cmd.databaseUrl);
  if (config.kind === 'sqlite' && !existsSync(config.file)) return fail(`${config.file} does not exist`);
  const data = await openDatabase(config);
  try {
    const organisation = await getOrganisation(data.db);
    let verifiers: ReturnType<typeof noteVerifierFromKey>[] | undefined;
    if (organisation && existsSync(join(cmd.dataDir, LOG_KEYS_FILE))) {
      const keys = loadOrCreateLogKeys(cmd.dataDir, crypto.randomBytes);
      const log = await AuditLog.create({ db: data.db, crypto, clock: () => new Date(), domain: organisation.domain, keys });
      verifiers = [noteVerifierFromKey(crypto, log.vkey), noteVerifierFromKey(crypto, log.vkeyMlDsa)];
    }
    const report = await verifyStore(data.db, verifiers ? { verifiers } : {});
    if (cmd.json) {
      out(JSON.stringify({ ...report, checkpointSignatures: verifiers !== undefined }));
    } else {
      out(`Audit log store: ${report.entries} entries checked`);
      if (!verifiers) out(`  (no ${LOG_KEYS_FILE} in ${cmd.dataDir}: checkpoint signatures not checked)`);
      for (const p of report.problems) {
        const where = p.level === undefined ? `index ${p.index}` : `level ${p.level} index ${p.index}`;
        out(`  ${p.table} ${where}: ${p.message}`);
      }
      if (report.truncated) out('  (more problems not shown)');
      out(report.ok ? 'Result: verified' : `Result: FAILED (first problem: ${report.problems[0]?.table} ${report.problems[0]?.index})`);
    }
    return report.ok ? 0 : 1;
  } finally {
    await data.close();
  }
}
