/**
 * The witness's record of the latest checkpoint it cosigned per log: one small JSON file per
 * origin under DIR/witness-state/ (named by the SHA-256 of the origin), replaced atomically (write
 * a temporary file, fsync it, rename it over the old one, fsync the folder) before the witness
 * answers. A witness keeps one (size, root) per log and writes it once per cosignature, so a file
 * per origin is simpler than a database and lets different logs be written in parallel; the
 * service serialises the check-and-write of each origin (service.ts).
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/** The latest checkpoint cosigned for one origin. */
export interface WitnessState {
  readonly size: number;
  readonly root: Uint8Array;
}

export interface WitnessStore {
  get(origin: string): Promise<WitnessState | undefined>;
  /** Durable when it resolves. */
  put(origin: string, state: WitnessState): Promise<void>;
}

/** A store in memory (tests and benchmarks of the protocol logic alone). */
export function memoryWitnessStore(): WitnessStore {
  const states = new Map<string, WitnessState>();
  return {
    get: async (origin) => states.get(origin),
    put: async (origin, state) => {
      states.set(origin, { size: state.size, root: state.root.slice() });
    },
  };
}

function fileName(origin: string): string {
  return `${createHash('sha256').update(origin, 'utf8').digest('hex')}.json`;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A durable store in `dir` (created if missing). One process per folder: see lockWitnessFolder in files.ts. */
export function fileWitnessStore(dir: string): WitnessStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const cache = new Map<string, WitnessState>();
  return {
    async get(origin) {
      const cached = cache.get(origin);
      if (cached) return cached;
      let text: string;
      try {
        text = await readFile(join(dir, fileName(origin)), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      const v = JSON.parse(text) as { origin?: unknown; size?: unknown; root?: unknown };
      if (v.origin !== origin || !Number.isSafeInteger(v.size) || (v.size as number) < 0 || typeof v.root !== 'string') {
        throw new Error(`witness state file for ${origin} is corrupt`);
      }
      const root = new Uint8Array(Buffer.from(v.root, 'base64'));
      if (root.length !== 32) throw new Error(`witness state file for ${origin} is corrupt`);
      const state = { size: v.size as number, root };
      cache.set(origin, state);
      return state;
    },
    async put(origin, state) {
      const file = join(dir, fileName(origin));
      const tmp = `${file}.tmp`;
      const body = `${JSON.stringify({ origin, size: state.size, root: Buffer.from(state.root).toString('base64') })}\n`;
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(body, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
      fsyncDir(dir);
      cache.set(origin, { size: state.size, root: state.root.slice() });
    },
  };
}
