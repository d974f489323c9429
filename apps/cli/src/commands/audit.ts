/**
 * `valise audit verify --store --data DIR [--database URL]`: the operator checks the server's own
 * store (every event against its commitment, every stored hash, the latest checkpoint) by running
 * the server's `audit-verify` as a child process (the CLI never imports server code).
 *
 * `valise audit verify --server URL`: an auditor (no enrolment needed) checks the server's public
 * audit log. The log keys are pinned on first use and the last verified checkpoint remembered per
 * server under VALISE_HOME/audit/<host>.json, so later runs refuse changed keys, rollbacks and forks.
 * `--witness VKEY` (repeatable) and `--min-witnesses K` require the checkpoint to be cosigned by K
 * of those witnesses (c2sp.org/tlog-witness; default: every witness named).
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AuditEventType, ValiseError } from '@valise/protocol';
import { type AuditLogKeys, type AuditLogState, auditLog, type WitnessPolicy } from '@valise/sdk';
import { nodeCryptoProvider, valiseHome } from '@valise/sdk/node';
import type { Command } from 'commander';
import { emit, fail, progress } from '../output.ts';
import { globals, withClient } from './context.ts';

function verifyStore(opts: { data?: string; database?: string }, g: ReturnType<typeof globals>): void {
  if (!opts.data) fail(g, new ValiseError('BAD_ARGUMENTS', 'audit verify --store needs --data DIR'));
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve('@valise/server/main'));
  } catch (cause) {
    fail(
      g,
      new ValiseError(
        'SERVER_NOT_INSTALLED',
        'the Valise server is not installed next to this CLI (run npm install at the repository root)',
        {
          cause,
        },
      ),
    );
  }
  const args = [entry, 'audit-verify', '--data', String(opts.data)];
  if (opts.database) args.push('--database', opts.database);
  if (g.json) args.push('--json');
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

interface AuditFile {
  server: string;
  keys: AuditLogKeys;
  pinnedAt: string;
  last: (AuditLogState & { checkpoint: string; verifiedAt: string }) | null;
}

function serverUrl(text: string): URL {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // fall through to the clear error below
  }
  throw new ValiseError('BAD_SERVER_URL', `server URL must be http or https, e.g. http://127.0.0.1:8080: ${text}`);
}

/** The state file of one server: its host and port, in characters safe in any file name. */
export function auditStatePath(home: string, url: URL): string {
  return join(home, 'audit', `${url.host.replace(/[^A-Za-z0-9.-]/g, '_')}.json`);
}

function isString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

async function readState(file: string): Promise<AuditFile | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const bad = () => new ValiseError('AUDIT_STATE_MALFORMED', `${file} is not a valid audit state file`);
  let v: Partial<AuditFile>;
  try {
    v = JSON.parse(text) as Partial<AuditFile>;
  } catch {
    throw bad();
  }
  if (!isString(v.server) || !isString(v.pinnedAt) || !isString(v.keys?.vkey) || !isString(v.keys?.vkeyMldsa)) throw bad();
  const last = v.last;
  if (last !== null && last !== undefined) {
    if (!Number.isSafeInteger(last.size) || last.size < 0 || typeof last.root !== 'string' || !isString(last.checkpoint)) throw bad();
  }
  return { server: v.server, keys: v.keys, pinnedAt: v.pinnedAt, last: last ?? null };
}

async function writeState(file: string, state: AuditFile): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('verify the public audit log (auditors; no enrolment needed)');
  audit
    .command('verify')
    .description('recompute the log from its tiles, check both checkpoint signatures and that it extends the last one seen')
    .option('--server <url>', 'the Valise server, e.g. http://127.0.0.1:8080')
    .option('--store', "operators: check the server's own store (every event, leaf, hash and the latest checkpoint)")
    .option('--data <dir>', 'with --store: the data folder')
    .option('--database <url>', 'with --store: the PostgreSQL URL instead of the SQLite in the data folder')
    .option('--witness <vkey>', 'a trusted witness cosignature key (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--min-witnesses <k>', 'how many distinct trusted witnesses must have cosigned (default: all named)')
    .action(
      async (
        opts: { server?: string; store?: boolean; data?: string; database?: string; witness: string[]; minWitnesses?: string },
        cmd: Command,
      ) => {
        const g = globals(cmd);
        if (opts.store) {
          verifyStore(opts, g);
          return;
        }
        try {
          if (!opts.server) throw new ValiseError('BAD_ARGUMENTS', 'audit verify needs --server URL (or --store --data DIR)');
          const url = serverUrl(opts.server);
          const witnesses = witnessPolicy(opts.witness, opts.minWitnesses);
          const file = auditStatePath(valiseHome(), url);
          const saved = await readState(file);
          const bar = progress(g, 'verifying tiles');
          const result = await auditLog(url.origin + url.pathname.replace(/\/+$/, ''), {
            fetch: (input, init) => fetch(input, init),
            crypto: nodeCryptoProvider,
            ...(saved ? { trusted: saved.keys } : {}),
            ...(saved?.last ? { state: { size: saved.last.size, root: saved.last.root } } : {}),
            ...(witnesses ? { witnesses } : {}),
            onProgress: (n, total) => {
              const width = 30;
              const filled = total === 0 ? width : Math.round((n / total) * width);
              bar.update(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total} tiles`);
            },
          });
          bar.done();
          const now = new Date().toISOString();
          await writeState(file, {
            server: url.origin,
            keys: result.keys,
            pinnedAt: saved?.pinnedAt ?? now,
            last: { size: result.size, root: result.root, checkpoint: result.checkpoint, verifiedAt: now },
          });
          const keysPinnedNow = saved === null;
          if (keysPinnedNow && !g.json) {
            process.stderr.write(
              `warning: first audit of ${url.origin}: its log keys are now pinned (trust on first use); compare them with the ministry's published keys:\n  ${result.keys.vkey}\n  ${result.keys.vkeyMldsa.split('+').slice(0, 2).join('+')}+… (ML-DSA-44; in full in ${file})\n`,
            );
          }
          emit(g, { verified: true, ...result, keysPinnedNow, stateFile: file }, () => {
            const consistency =
              result.consistentWithPrevious === null
                ? 'first checkpoint seen'
                : `extends the size ${saved?.last?.size} checkpoint seen before`;
            const witnessed = witnesses ? `; cosigned by at least ${witnesses.minimum} trusted witness(es)` : '';
            return `verified ${result.origin}: ${result.size} entries, root ${result.root}, ${result.tilesChecked} tiles; ${consistency}${witnessed}`;
          });
        } catch (err) {
          fail(g, err);
        }
      },
    );
  audit
    .command('events')
    .description('opened audit-log events, each checked against the signed log (security officers: all; others: their own)')
    .option('--type <type>', 'only this kind of event (e.g. send, read, device-enrol, alert)')
    .option('--limit <n>', 'at most this many (1..1000)', '50')
    .option('--from <index>', 'start at this log index')
    .option('--oldest-first', 'oldest first (default: newest first)')
    .action(
      withClient(async (client, g, opts: { type?: string; limit: string; from?: string; oldestFirst?: boolean }) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ValiseError('BAD_ARGUMENTS', '--limit must be 1..1000');
        const from = opts.from === undefined ? undefined : Number(opts.from);
        if (from !== undefined && (!Number.isSafeInteger(from) || from < 0))
          throw new ValiseError('BAD_ARGUMENTS', '--from must be a log index');
        const page = await client.auditEvents({
          order: opts.oldestFirst ? 'asc' : 'desc',
          limit,
          ...(from !== undefined ? { from } : {}),
          ...(opts.type !== undefined ? { type: opts.type as AuditEventType } : {}),
        });
        emit(g, page, () =>
          page.events.length === 0
            ? 'No events.'
            : [
                ...page.events.map(
                  ({ index, event }) =>
                    `#${String(index).padStart(6)}  ${event.at}  ${event.type.padEnd(18)} ${event.actor.person ?? '-'}  ${event.target ?? ''}${event.code ? `  ${event.code}` : ''}`,
                ),
                `${page.events.length} events, each verified against the signed checkpoint of ${page.checkpoint.size} entries${page.next !== null ? ` (more: --from ${page.next})` : ''}`,
              ].join('\n'),
        );
      }),
    );
}

/** The witness policy of --witness / --min-witnesses, or none. */
function witnessPolicy(vkeys: string[], minimum: string | undefined): WitnessPolicy | undefined {
  if (minimum !== undefined && !/^(0|[1-9][0-9]{0,3})$/.test(minimum)) {
    throw new ValiseError('BAD_ARGUMENTS', `--min-witnesses must be a whole number, not "${minimum}"`);
  }
  if (vkeys.length === 0) {
    if (minimum !== undefined && Number(minimum) > 0) throw new ValiseError('BAD_ARGUMENTS', '--min-witnesses needs --witness VKEY');
    return undefined;
  }
  // Keys sharing a name are one witness (its ML-DSA-44 and Ed25519 cosignature keys).
  const named = new Set(vkeys.map((v) => v.split('+')[0]));
  return { witnesses: vkeys, minimum: minimum === undefined ? named.size : Number(minimum) };
}
