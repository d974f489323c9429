/**
 * A witness's data folder:
 * - witness-keys.json (mode 0600): its key name and two 32-byte seeds (ML-DSA-44 and Ed25519);
 * - witness.json: the logs it follows, `{ "version": 1, "logs": [{ "origin", "vkeys": [...] }] }`,
 *   re-read by a running witness when it changes (so `add-log` needs no restart);
 * - witness-state/: the latest cosigned checkpoint per log (store.ts);
 * - witness.lock: the pid of the running witness (one process per folder keeps the per-origin
 *   lock of service.ts meaningful).
 */
import { existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isValidKeyName, parseVerifierKey, ValiseError } from '@valise/protocol';
import type { WitnessKeys, WitnessLogConfig } from './service.ts';

export const WITNESS_KEYS_FILE = 'witness-keys.json';
export const WITNESS_CONFIG_FILE = 'witness.json';
export const WITNESS_STATE_DIR = 'witness-state';
const LOCK_FILE = 'witness.lock';
const SEED_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

export interface WitnessIdentity {
  name: string;
  keys: WitnessKeys;
}

/** Create the keys and an empty log list; refuses to overwrite an existing witness. */
export function initWitnessFolder(dir: string, name: string, randomBytes: (n: number) => Uint8Array): WitnessIdentity {
  if (!isValidKeyName(name))
    throw new ValiseError('BAD_ARGUMENTS', `--name must be a key name without spaces or plus signs, e.g. witness.example/w1`);
  const file = join(dir, WITNESS_KEYS_FILE);
  if (existsSync(file)) throw new ValiseError('WITNESS_EXISTS', `${dir} already holds a witness (${WITNESS_KEYS_FILE})`);
  const keys = { ed25519Seed: randomBytes(32), mlDsa44Seed: randomBytes(32) };
  const body = {
    version: 1,
    name,
    mlDsa44: Buffer.from(keys.mlDsa44Seed).toString('base64'),
    ed25519: Buffer.from(keys.ed25519Seed).toString('base64'),
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  if (!existsSync(join(dir, WITNESS_CONFIG_FILE))) writeWitnessConfig(dir, []);
  return { name, keys };
}

export function loadWitnessIdentity(dir: string): WitnessIdentity {
  const file = join(dir, WITNESS_KEYS_FILE);
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ValiseError('WITNESS_NOT_INITIALISED', `${dir} holds no witness: run valise witness init --data ${dir} --name NAME`);
    }
    throw new ValiseError('WITNESS_FILE_MALFORMED', `${file} is not valid JSON`);
  }
  if (
    v.version !== 1 ||
    typeof v.name !== 'string' ||
    !isValidKeyName(v.name) ||
    typeof v.mlDsa44 !== 'string' ||
    typeof v.ed25519 !== 'string' ||
    !SEED_BASE64.test(v.mlDsa44) ||
    !SEED_BASE64.test(v.ed25519)
  ) {
    throw new ValiseError('WITNESS_FILE_MALFORMED', `${file} is not a valid witness key file`);
  }
  return {
    name: v.name,
    keys: { mlDsa44Seed: new Uint8Array(Buffer.from(v.mlDsa44, 'base64')), ed25519Seed: new Uint8Array(Buffer.from(v.ed25519, 'base64')) },
  };
}

function parseConfig(text: string, file: string): WitnessLogConfig[] {
  const bad = (why: string) => new ValiseError('WITNESS_FILE_MALFORMED', `${file}: ${why}`);
  let v: { version?: unknown; logs?: unknown };
  try {
    v = JSON.parse(text) as typeof v;
  } catch {
    throw bad('not valid JSON');
  }
  if (v.version !== 1 || !Array.isArray(v.logs)) throw bad('expected {"version": 1, "logs": [...]}');
  return v.logs.map((log: { origin?: unknown; vkeys?: unknown }) => {
    if (typeof log?.origin !== 'string' || log.origin.length === 0 || !Array.isArray(log.vkeys) || log.vkeys.length === 0) {
      throw bad('each log needs an origin and one or more vkeys');
    }
    for (const k of log.vkeys) {
      try {
        parseVerifierKey(k as string);
      } catch {
        throw bad(`a vkey of ${log.origin} is malformed`);
      }
    }
    return { origin: log.origin, vkeys: log.vkeys as string[] };
  });
}

export function readWitnessConfig(dir: string): WitnessLogConfig[] {
  const file = join(dir, WITNESS_CONFIG_FILE);
  if (!existsSync(file)) return [];
  return parseConfig(readFileSync(file, 'utf8'), file);
}

/** Replace witness.json atomically (a running witness never reads half a file). */
export function writeWitnessConfig(dir: string, logs: readonly WitnessLogConfig[]): void {
  const file = join(dir, WITNESS_CONFIG_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ version: 1, logs }, null, 2)}\n`, { mode: 0o644 });
  renameSync(`${file}.tmp`, file);
}

/**
 * Pin a log's vkeys (replacing any pinned before for that origin). The origin is the keys' name
 * unless given: a Valise log names its keys after its origin, `<domain>/valise-log`.
 */
export function addWitnessLog(dir: string, vkeys: readonly string[], origin?: string): WitnessLogConfig {
  loadWitnessIdentity(dir);
  if (vkeys.length === 0) throw new ValiseError('BAD_ARGUMENTS', 'add-log needs one or more --vkey');
  const names = new Set<string>();
  for (const v of vkeys) {
    try {
      names.add(parseVerifierKey(v).name);
    } catch (cause) {
      throw new ValiseError('NOTE_BAD_KEY', `not a verifier key: ${v.split('+').slice(0, 2).join('+')}…`, { cause });
    }
  }
  const chosen = origin ?? (names.size === 1 ? [...names][0]! : undefined);
  if (chosen === undefined) throw new ValiseError('BAD_ARGUMENTS', 'the vkeys name different logs: give --origin');
  const logs = readWitnessConfig(dir).filter((l) => l.origin !== chosen);
  const log = { origin: chosen, vkeys: [...new Set(vkeys)] };
  writeWitnessConfig(dir, [...logs, log]);
  return log;
}

/** The log list, re-read whenever witness.json changes (a bad edit keeps the last good list). */
export function reloadingWitnessConfig(dir: string, onError: (err: unknown) => void): () => readonly WitnessLogConfig[] {
  const file = join(dir, WITNESS_CONFIG_FILE);
  // witness.json is replaced by rename, so a new inode means new contents even within one mtime tick.
  let seen = '';
  let logs: readonly WitnessLogConfig[] = readWitnessConfig(dir);
  return () => {
    let now: string;
    try {
      const st = statSync(file);
      now = `${st.ino}:${st.mtimeMs}:${st.size}`;
    } catch {
      return logs;
    }
    if (now !== seen) {
      seen = now;
      try {
        logs = readWitnessConfig(dir);
      } catch (err) {
        onError(err);
      }
    }
    return logs;
  };
}

/** Take the folder's lock (a pid file); refuses while another live witness holds it. */
export function lockWitnessFolder(dir: string): () => void {
  const file = join(dir, LOCK_FILE);
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    let alive = false;
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (err) {
        alive = (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (alive) throw new ValiseError('WITNESS_RUNNING', `a witness (pid ${pid}) already runs on ${dir}`);
    unlinkSync(file);
  }
  writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
  return () => {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  };
}
