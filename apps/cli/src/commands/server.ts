/**
 * `valise server init|start` runs the server as a child process. The CLI never imports server code
 * (apps stay independent); it only locates the server's entry point and hands over its arguments.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ValiseError } from '@valise/protocol';
import type { Command } from 'commander';
import { fail } from '../output.ts';
import { globals as g2 } from './context.ts';

function serverEntry(): string {
  try {
    return fileURLToPath(import.meta.resolve('@valise/server/main'));
  } catch (cause) {
    throw new ValiseError(
      'SERVER_NOT_INSTALLED',
      'the Valise server is not installed next to this CLI (run npm install at the repository root)',
      { cause },
    );
  }
}

function run(args: string[], cmd: Command): void {
  let entry: string;
  try {
    entry = serverEntry();
  } catch (err) {
    fail(g2(cmd), err);
  }
  const child = spawn(process.execPath, [entry, ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

export function registerServerCommands(program: Command): void {
  const server = program.command('server').description('run a Valise server (operators)');
  server
    .command('init')
    .description('create a data folder with an empty organisation')
    .requiredOption('--data <dir>', 'data folder')
    .option('--org-name <name>', 'organisation name')
    .option('--domain <domain>', 'organisation domain, e.g. mfa.freedonia.example')
    .option('--database <url>', 'PostgreSQL URL instead of the embedded SQLite')
    .action((opts: Record<string, string | undefined>, cmd: Command) => {
      const args = ['init', '--data', String(opts.data)];
      if (opts.orgName) args.push('--org-name', opts.orgName);
      if (opts.domain) args.push('--domain', opts.domain);
      if (opts.database) args.push('--database', opts.database);
      run(args, cmd);
    });
  server
    .command('start')
    .description('start the server (with --demo: the demo ministry, its people and enrolment codes)')
    .option('--data <dir>', 'data folder', 'data')
    .option('--port <n>', 'TCP port (0: any free port)', process.env.PORT ?? '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--demo', 'seed the demo ministry and write DIR/demo.json', false)
    .option('--database <url>', 'PostgreSQL URL instead of the embedded SQLite')
    .action((opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const args = ['start', '--data', String(opts.data), '--port', String(opts.port), '--host', String(opts.host)];
      if (opts.demo) args.push('--demo');
      if (typeof opts.database === 'string') args.push('--database', opts.database);
      run(args, cmd);
    });
}
