/**
 * Running a module as a process: `runIfEntryPoint(import.meta.url, name, main)` calls `main` with
 * the arguments when that module is the process entry (also when started through a symlink, such
 * as node_modules/@valise/server), and exits with its status; an unexpected error is printed with
 * the program's name and exits 1.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function isEntryPoint(moduleUrl: string): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

export function runIfEntryPoint(moduleUrl: string, name: string, main: (argv: string[]) => Promise<number>): void {
  if (!isEntryPoint(moduleUrl)) return;
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0) process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`${name}: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
