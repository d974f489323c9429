/**
 * A KeyValueStore in a folder: one file per key, written to a temporary name and renamed so a
 * crash never leaves half a value. Values arrive already encrypted by EncryptedStore.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyValueStore } from '../storage.ts';

// Keys are paths like "conv/<base64url>"; '/' becomes '~' so every key is one flat file name.
const toFile = (key: string) => key.replaceAll('/', '~');
const fromFile = (name: string) => name.replaceAll('~', '/');

export class FileStore implements KeyValueStore {
  readonly #dir: string;
  #ready: Promise<unknown> | undefined;
  constructor(dir: string) {
    this.#dir = dir;
  }
  #ensure() {
    this.#ready ??= mkdir(this.#dir, { recursive: true, mode: 0o700 });
    return this.#ready;
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(join(this.#dir, toFile(key))));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
  async put(key: string, value: Uint8Array): Promise<void> {
    await this.#ensure();
    const target = join(this.#dir, toFile(key));
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, value, { mode: 0o600 });
    await rename(tmp, target);
  }
  async delete(key: string): Promise<void> {
    await rm(join(this.#dir, toFile(key)), { force: true });
  }
  async keys(prefix: string): Promise<string[]> {
    await this.#ensure();
    const names = await readdir(this.#dir);
    return names
      .filter((n) => !n.endsWith('.tmp'))
      .map(fromFile)
      .filter((k) => k.startsWith(prefix));
  }
}
