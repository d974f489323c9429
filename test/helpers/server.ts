/**
 * Starts the real Valise server as a child process on a free loopback port with the demo seeded,
 * exactly as an operator would (`valise server start --demo`), and stops it afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DemoPerson {
  handle: string;
  name: string;
  unit: string;
  clearance: string;
  roles: string[];
  code: string;
}

export interface RunningServer {
  url: string;
  dataDir: string;
  people: DemoPerson[];
  output: () => string;
  stop: () => Promise<void>;
}

const repoRoot = join(import.meta.dirname, '..', '..');
export const serverMain = join(repoRoot, 'apps', 'server', 'src', 'main.ts');
export const cliBin = join(repoRoot, 'apps', 'cli', 'bin', 'valise.js');

/** Poll `check` until it returns a value or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export async function startDemoServer(
  options: { dataDir?: string; extraArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'valise-e2e-')));
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [serverMain, 'start', '--demo', '--data', dataDir, '--port', '0', ...(options.extraArgs ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  const demoFile = join(dataDir, 'demo.json');
  const demo = await waitFor(
    'the server to write demo.json and answer /health',
    async () => {
      if (exited) throw new Error(`server exited:\n${output}`);
      if (!existsSync(demoFile)) return undefined;
      const parsed = JSON.parse(await readFile(demoFile, 'utf8')) as { server: string; people: DemoPerson[] };
      const res = await fetch(`${parsed.server}/health`);
      return res.ok ? parsed : undefined;
    },
    60_000,
  );
  return {
    url: demo.server,
    dataDir,
    people: demo.people,
    output: () => output,
    stop: async () => {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

/** The demo person with the given clearance (and optionally unit kind), for readable tests. */
export function demoPerson(server: RunningServer, predicate: (p: DemoPerson) => boolean): DemoPerson {
  const p = server.people.find(predicate);
  if (!p) throw new Error('no such demo person');
  return p;
}
