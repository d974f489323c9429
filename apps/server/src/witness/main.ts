/**
 * The witness process (`valise witness ...` runs it as a child, as `valise server` runs the server):
 *   node apps/server/src/witness/main.ts init --data DIR --name NAME [--json]
 *   node apps/server/src/witness/main.ts add-log --data DIR --vkey VKEY [--vkey VKEY...] [--origin O] [--json]
 *   node apps/server/src/witness/main.ts start --data DIR [--port N] [--host H] [--json]
 * Errors go to stderr with a stable code (as JSON with --json) and exit status 1; usage errors 2.
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ValiseError } from '@valise/protocol';
import { nodeCryptoProvider } from '@valise/protocol/crypto-node';
import { pino } from 'pino';
import { runIfEntryPoint } from '../entry-point.ts';
import { createWitnessApp } from './app.ts';
import {
  addWitnessLog,
  initWitnessFolder,
  loadWitnessIdentity,
  lockWitnessFolder,
  readWitnessConfig,
  reloadingWitnessConfig,
  WITNESS_STATE_DIR,
} from './files.ts';
import { Witness } from './service.ts';
import { fileWitnessStore, memoryWitnessStore } from './store.ts';

export const WITNESS_USAGE = `Usage:
  valise witness init --data DIR --name NAME      create the witness keys; prints its vkeys
  valise witness add-log --data DIR --vkey VKEY [--vkey VKEY...] [--origin ORIGIN]
                                                  trust a log's keys (the lines of its GET /log/vkey)
  valise witness start --data DIR [--port N] [--host H]
                                                  serve POST /add-checkpoint (c2sp.org/tlog-witness)`;

const out = (line: string) => process.stdout.write(`${line}\n`);

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      data: { type: 'string' },
      name: { type: 'string' },
      vkey: { type: 'string', multiple: true },
      origin: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function vkeysOf(name: string, keys: Parameters<typeof Witness.create>[0]['signingKeys']): Promise<readonly string[]> {
  const w = await Witness.create({
    name,
    signingKeys: keys,
    logs: [],
    store: memoryWitnessStore(),
    crypto: nodeCryptoProvider,
    clock: () => 1,
  });
  return w.vkeys;
}

async function start(dataDir: string, port: number, host: string, json: boolean): Promise<void> {
  const identity = loadWitnessIdentity(dataDir);
  const unlock = lockWitnessFolder(dataDir);
  await mkdir(join(dataDir, 'logs'), { recursive: true });
  const logger = pino({ level: 'info' }, pino.destination({ dest: join(dataDir, 'logs', 'witness.log'), mkdir: true, sync: false }));
  const { app, witness } = await createWitnessApp({
    name: identity.name,
    signingKeys: identity.keys,
    logs: reloadingWitnessConfig(dataDir, (err) => logger.error({ err }, 'witness.json is invalid: keeping the previous log list')),
    store: fileWitnessStore(join(dataDir, WITNESS_STATE_DIR)),
    crypto: nodeCryptoProvider,
    clock: () => Math.floor(Date.now() / 1000),
    logger,
  });
  try {
    await app.listen({ port, host });
  } catch (err) {
    unlock();
    const code = (err as { code?: string }).code;
    throw new ValiseError(
      code === 'EADDRINUSE' ? 'PORT_IN_USE' : 'LISTEN_FAILED',
      `cannot listen on ${host}:${port}: ${(err as Error).message}`,
    );
  }
  // Before anything is printed: a reader of the first line may stop the witness at once.
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    void app.close().then(
      () => {
        unlock();
        logger.flush();
        process.exit(0);
      },
      () => {
        unlock();
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const address = app.server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${shown}:${address.port}`;
  const logs = readWitnessConfig(dataDir).map((l) => l.origin);
  if (json) out(JSON.stringify({ name: witness.name, url, vkeys: witness.vkeys, logs }));
  else {
    out(`Valise witness ${witness.name} listening on ${url} (POST ${url}/add-checkpoint)`);
    out(`Witness vkeys (give one to the log and to auditors):`);
    for (const v of witness.vkeys) out(`  ${v}`);
    out(logs.length === 0 ? 'No logs yet: add one with valise witness add-log --data DIR --vkey ...' : `Logs: ${logs.join(', ')}`);
  }
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`valise witness: ${(err as Error).message}\n\n${WITNESS_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const json = values.json ?? false;
  if (values.help || positionals.length !== 1) {
    out(WITNESS_USAGE);
    return values.help ? 0 : 2;
  }
  try {
    if (!values.data) throw new ValiseError('BAD_ARGUMENTS', `${positionals[0]} needs --data DIR`);
    const dataDir = resolve(values.data);
    switch (positionals[0]) {
      case 'init': {
        if (!values.name) throw new ValiseError('BAD_ARGUMENTS', 'init needs --name NAME, e.g. witness.example/w1');
        await mkdir(dataDir, { recursive: true, mode: 0o700 });
        const identity = initWitnessFolder(dataDir, values.name, nodeCryptoProvider.randomBytes);
        const vkeys = await vkeysOf(identity.name, identity.keys);
        if (json) out(JSON.stringify({ name: identity.name, dataDir, vkeys }));
        else {
          out(`Initialised witness ${identity.name} in ${dataDir}`);
          out('Its vkeys (ML-DSA-44 cosignature, then Ed25519 cosignature):');
          for (const v of vkeys) out(`  ${v}`);
        }
        return 0;
      }
      case 'add-log': {
        const log = addWitnessLog(dataDir, values.vkey ?? [], values.origin);
        if (json) out(JSON.stringify(log));
        else out(`Following ${log.origin} (${log.vkeys.length} key${log.vkeys.length === 1 ? '' : 's'} pinned)`);
        return 0;
      }
      case 'start': {
        const portText = values.port ?? '8090';
        if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535)
          throw new ValiseError('BAD_ARGUMENTS', `--port must be 0..65535, not "${portText}"`);
        await start(dataDir, Number(portText), values.host ?? '127.0.0.1', json);
        return 0;
      }
      default:
        throw new ValiseError('BAD_ARGUMENTS', `unknown witness command "${positionals[0]}"`);
    }
  } catch (err) {
    const code = err instanceof ValiseError ? err.code : 'INTERNAL';
    const message = err instanceof Error ? err.message : String(err);
    if (json) process.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
    else process.stderr.write(`error: ${message} (${code})\n`);
    return 1;
  }
}

runIfEntryPoint(import.meta.url, 'valise witness', main);
