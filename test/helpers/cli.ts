/**
 * The real `valise` command for end-to-end tests: a demo server started through the CLI exactly as
 * an operator would, and a runner for commands with their own VALISE_HOME.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliBin, type DemoPerson, waitFor } from './server.ts';

const exec = promisify(execFile);

export interface CliDemo {
  server: string;
  people: DemoPerson[];
  dataDir: string;
  stop: () => void;
}

export async function startCliDemo(): Promise<CliDemo> {
  const dataDir = await mkdtemp(join(tmpdir(), 'valise-cli-data-'));
  const child = spawn(process.execPath, [cliBin, 'server', 'start', '--demo', '--data', dataDir, '--port', '0'], { stdio: 'ignore' });
  const demo = await waitFor(
    'demo.json',
    async () => {
      const file = join(dataDir, 'demo.json');
      if (!existsSync(file)) return undefined;
      const d = JSON.parse(await readFile(file, 'utf8')) as { server: string; people: DemoPerson[] };
      return (await fetch(`${d.server}/health`)).ok ? d : undefined;
    },
    60_000,
  );
  return { ...demo, dataDir, stop: () => child.kill('SIGTERM') };
}

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** A `valise` runner with its own profile folder and passphrase. */
export async function cliRunner(passphrase = 'correct horse battery staple') {
  const home = await mkdtemp(join(tmpdir(), 'valise-home-'));
  return async function valise(args: string[], options: { expectFailure?: boolean; passphrase?: string } = {}): Promise<CliResult> {
    try {
      const r = await exec(process.execPath, [cliBin, ...args], {
        env: { ...process.env, VALISE_HOME: home, VALISE_PASSPHRASE: options.passphrase ?? passphrase },
        timeout: 120_000,
      });
      if (options.expectFailure) throw new Error(`expected valise ${args.join(' ')} to fail, got: ${r.stdout}`);
      return { stdout: r.stdout, stderr: r.stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout: string; stderr: string; code: number };
      if (!options.expectFailure) throw new Error(`valise ${args.join(' ')} failed (${e.code}): ${e.stderr}`);
      return { stdout: e.stdout, stderr: e.stderr, code: e.code };
    }
  };
}

/** The error code a failed `--json` command printed on stderr. */
export function errorCode(r: CliResult): string {
  return (JSON.parse(r.stderr) as { error: { code: string } }).error.code;
}

/** The handle of a demo person from its local part (alice → alice@mfa.freedonia.example). */
export const demoHandle = (local: string): string => `${local}@mfa.freedonia.example`;

type Valise = Awaited<ReturnType<typeof cliRunner>>;

/** Run a `--json` command and parse what it printed. */
// Inferred as JSON.parse's any: the tests check the output field by field.
export async function cliJson(valise: Valise, args: string[]) {
  return JSON.parse((await valise([...args, '--json'])).stdout);
}

/** Log each named demo person in under a profile of the same name; returns their device ids. */
export async function loginDemoPeople(demo: CliDemo, valise: Valise, locals: readonly string[]): Promise<Record<string, string>> {
  const devices: Record<string, string> = {};
  for (const local of locals) {
    const person = demo.people.find((p) => p.handle === demoHandle(local));
    if (!person) throw new Error(`no demo person ${local}`);
    const r = await cliJson(valise, ['--profile', local, 'login', '--server', demo.server, '--code', person.code]);
    devices[local] = r.deviceId as string;
  }
  return devices;
}
