/**
 * Which witnesses the log asks to cosign (witness-submitter.ts): DIR/witnesses.json,
 * `[{ "url": "http://127.0.0.1:8090", "vkey": "<name>+<id>+<key>" }]` (or `"vkeys": [...]`), plus
 * the `--witness URL=VKEY` start flags; entries for the same URL are merged. Every vkey must be a
 * cosignature key (type 0x04 Ed25519 or 0x06 ML-DSA-44).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOTE_SIGNATURE_TYPE, parseVerifierKey } from '@valise/protocol';
import type { WitnessEndpoint } from './witness-submitter.ts';

export const WITNESSES_FILE = 'witnesses.json';

export class WitnessConfigError extends Error {}

function checkUrl(url: unknown, where: string): string {
  if (typeof url === 'string') {
    try {
      const u = new URL(url);
      if ((u.protocol === 'http:' || u.protocol === 'https:') && u.search === '' && u.hash === '') return url.replace(/\/+$/, '');
    } catch {
      // fall through
    }
  }
  throw new WitnessConfigError(`${where}: witness URL must be http(s)://host[:port][/prefix]`);
}

function checkVkey(vkey: unknown, where: string): string {
  try {
    const key = parseVerifierKey(vkey as string);
    if (key.type === NOTE_SIGNATURE_TYPE.mlDsa44Cosignature || key.type === NOTE_SIGNATURE_TYPE.ed25519Cosignature) return vkey as string;
  } catch {
    // fall through
  }
  throw new WitnessConfigError(`${where}: a witness vkey must be a cosignature verifier key (ML-DSA-44 or Ed25519 cosignature)`);
}

/** The witnesses from DIR/witnesses.json and the `URL=VKEY` flags, merged by URL. */
export function loadWitnessEndpoints(dataDir: string, flags: readonly string[]): WitnessEndpoint[] {
  const byUrl = new Map<string, Set<string>>();
  const add = (url: string, vkey: string) => byUrl.set(url, (byUrl.get(url) ?? new Set()).add(vkey));
  const file = join(dataDir, WITNESSES_FILE);
  if (existsSync(file)) {
    let entries: unknown;
    try {
      entries = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new WitnessConfigError(`${file} is not valid JSON`);
    }
    if (!Array.isArray(entries)) throw new WitnessConfigError(`${file} must be a list of {"url", "vkey"}`);
    for (const e of entries as { url?: unknown; vkey?: unknown; vkeys?: unknown }[]) {
      const url = checkUrl(e?.url, file);
      const vkeys = e.vkeys === undefined ? [e.vkey] : Array.isArray(e.vkeys) ? e.vkeys : [undefined];
      if (vkeys.length === 0) throw new WitnessConfigError(`${file}: ${url} has no vkey`);
      for (const v of vkeys) add(url, checkVkey(v, file));
    }
  }
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq < 0) throw new WitnessConfigError('--witness must be URL=VKEY');
    add(checkUrl(flag.slice(0, eq), '--witness'), checkVkey(flag.slice(eq + 1), '--witness'));
  }
  return [...byUrl].map(([url, vkeys]) => ({ url, vkeys: [...vkeys] }));
}
