/**
 * The log's signing keys: an Ed25519 note key (the checkpoint's signature) and an ML-DSA-44 key
 * (its tlog-cosignature, type 0x06). Both are 32-byte seeds, generated on first start and kept in
 * DIR/log-keys.json (mode 0600); tests inject them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LogKeys {
  ed25519Seed: Uint8Array;
  mlDsa44Seed: Uint8Array;
}

export const LOG_KEYS_FILE = 'log-keys.json';

const SEED_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

function parseLogKeysFile(text: string): { ed25519: string; mlDsa44: string } | undefined {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (v.version !== 1 || typeof v.ed25519 !== 'string' || typeof v.mlDsa44 !== 'string') return undefined;
    if (!SEED_BASE64.test(v.ed25519) || !SEED_BASE64.test(v.mlDsa44)) return undefined;
    return { ed25519: v.ed25519, mlDsa44: v.mlDsa44 };
  } catch {
    return undefined;
  }
}

/** Fresh log keys from `randomBytes`. */
export function generateLogKeys(randomBytes: (n: number) => Uint8Array): LogKeys {
  return { ed25519Seed: randomBytes(32), mlDsa44Seed: randomBytes(32) };
}

/** Read DIR/log-keys.json, creating it (mode 0600, never overwriting) on first start. */
export function loadOrCreateLogKeys(dataDir: string, randomBytes: (n: number) => Uint8Array): LogKeys {
  const file = join(dataDir, LOG_KEYS_FILE);
  if (!existsSync(file)) {
    const keys = generateLogKeys(randomBytes);
    const body = {
      version: 1,
      ed25519: Buffer.from(keys.ed25519Seed).toString('base64'),
      mlDsa44: Buffer.from(keys.mlDsa44Seed).toString('base64'),
    };
    writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  }
  const parsed = parseLogKeysFile(readFileSync(file, 'utf8'));
  if (!parsed) throw new Error(`${file} is not a valid log key file`);
  return {
    ed25519Seed: new Uint8Array(Buffer.from(parsed.ed25519, 'base64')),
    mlDsa44Seed: new Uint8Array(Buffer.from(parsed.mlDsa44, 'base64')),
  };
}
