/**
 * `valise witness init|add-log|start` runs a C2SP tlog witness (c2sp.org/tlog-witness) as a child
 * process, as `valise server` runs the server: the CLI never imports server code, it locates the
 * witness entry point (@valise/server/witness) and hands over its arguments (and --json).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ValiseError } from '@valise/protocol';
import type { Command } from 'commander';
import { fail } from '../output.ts';
import { globals } from './context.ts';

function witnessEntry(): string {
  try {
    return fileURLToPath(import.meta.resolve('@valise/server/witness'));
  } catch (cause) {
    throw new ValiseError(
      'SERVER_NOT_INSTALLED',
      'the Valise server (which holds the witness) is not installed next to this CLI (run npm install at the repository root)',
      { cause },
    );
  }
}

function run(args: string[], cmd: Command): void {
  const g = globals(cmd);
  let entry: string;
  try {
    entry = witnessEntry();
  } catch (err) {
    fail(g, err);
  }
  const child = spawn(process.execPath, [entry, ...args, ...(g.json ? ['--json'] : [])], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

export function registerWitnessCommands(program: Command): void {
  const witness = program.command('witness').description('run a transparency log witness that cosigns audit log checkpoints (operators)');
  witness
    .command('init')
    .description("create a witness's keys in a data folder and print its verifier keys")
    .requiredOption('--data <dir>', 'the witness data folder')
    .requiredOption('--name <name>', 'the witness key name, e.g. witness.example/w1')
    .action((opts: { data: string; name: string }, cmd: Command) => run(['init', '--data', opts.data, '--name', opts.name], cmd));
  witness
    .command('add-log')
    .description("trust a log: pin its verifier keys (the lines of the log server's GET /log/vkey)")
    .requiredOption('--data <dir>', 'the witness data folder')
    .requiredOption('--vkey <vkey...>', "the log's verifier keys")
    .option('--origin <origin>', "the log's origin (default: the keys' name)")
    .action((opts: { data: string; vkey: string[]; origin?: string }, cmd: Command) => {
      const args = ['add-log', '--data', opts.data];
      for (const v of opts.vkey) args.push('--vkey', v);
      if (opts.origin) args.push('--origin', opts.origin);
      run(args, cmd);
    });
  witness
    .command('start')
    .description('serve POST /add-checkpoint; prints the URL and the witness vkeys (SIGINT/SIGTERM stop it)')
    .requiredOption('--data <dir>', 'the witness data folder')
    .option('--port <n>', 'TCP port (0: any free port)', '8090')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action((opts: { data: string; port: string; host: string }, cmd: Command) =>
      run(['start', '--data', opts.data, '--port', opts.port, '--host', opts.host], cmd),
    );
}
