/**
 * The server process: `start` runs the server (optionally with the demo ministry), `init` creates
 * a data folder for an organisation with a first administrator, `audit-verify` checks the audit
 * log's store. See USAGE in cli-args.ts.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Organisation } from '@valise/protocol';
import { nodeCryptoProvider } from '@valise/protocol/crypto-node';
import type { Logger } from 'pino';
import { buildServer } from './app.ts';
import { loadOrCreateLogKeys } from './audit/keys.ts';
import { runAuditVerify } from './audit/verify-command.ts';
import { loadWitnessEndpoints, WitnessConfigError } from './audit/witness-config.ts';
import { InProcessBus } from './bus/bus.ts';
import { type Command, parseCommandLine, USAGE, UsageError } from './cli-args.ts';
import { databaseConfigFor, type OpenDatabase, openDatabase } from './db/database.ts';
import { DEMO_ORGANISATION, type DemoPerson, demoPolicyProblem, seedDemo, writeDemoFile } from './demo/seed.ts';
import { runIfEntryPoint } from './entry-point.ts';
import { startExpirySweeper } from './identity/expiry-sweeper.ts';
import { getOrganisation, getPersonRow, getUnit, insertOrganisation } from './identity/store.ts';
import { createLogger } from './logging.ts';
import { LabelPolicyFileError, loadLabelPolicy } from './policy/label-policy-file.ts';
import { startMissingPouchSweeper } from './pouch/missing-sweeper.ts';
import { createServices } from './services.ts';

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));
const out = (line = '') => process.stdout.write(`${line}\n`);

class StartupError extends Error {}

/** DIR/label-policy.json (or the default), validated: a bad file stops the server naming the file and the problem. */
function labelPolicyOf(dataDir: string): ReturnType<typeof loadLabelPolicy> {
  try {
    return loadLabelPolicy(dataDir);
  } catch (err) {
    if (err instanceof LabelPolicyFileError) throw new StartupError(err.message);
    throw err;
  }
}

async function openData(dataDir: string, databaseUrl: string | undefined): Promise<OpenDatabase> {
  mkdirSync(dataDir, { recursive: true });
  try {
    return await openDatabase(databaseConfigFor(dataDir, databaseUrl));
  } catch (err) {
    const where = databaseUrl ? 'the PostgreSQL database' : `${dataDir}/valise.db`;
    throw new StartupError(`cannot open ${where}: ${(err as Error).message}`);
  }
}

async function init(cmd: Extract<Command, { command: 'init' }>): Promise<void> {
  const { policy: labelPolicy } = labelPolicyOf(cmd.dataDir);
  const data = await openData(cmd.dataDir, cmd.databaseUrl);
  try {
    const existing = await getOrganisation(data.db);
    if (existing && existing.domain !== cmd.domain) {
      throw new StartupError(`${cmd.dataDir} already belongs to ${existing.name} (${existing.domain})`);
    }
    const organisation: Organisation = existing ?? { name: cmd.orgName, domain: cmd.domain };
    const clock = () => new Date();
    if (!existing) await insertOrganisation(data.db, organisation, clock());
    // A first administrator (who is also security officer), so the organisation can be run at all.
    const services = createServices({ ...data, clock, crypto: nodeCryptoProvider, organisation, bus: new InProcessBus(), labelPolicy });
    const hq = `hq@${organisation.domain}`;
    const admin = `admin@${organisation.domain}`;
    if (!(await getUnit(data.db, hq))) await services.identity.createUnit(null, { handle: hq, name: 'Headquarters', kind: 'headquarters' });
    if (!(await getPersonRow(data.db, admin))) {
      await services.identity.createPerson(null, {
        handle: admin,
        name: 'Administrator',
        unit: hq,
        roles: ['user', 'security-officer', 'admin'],
        // The label policy's highest level (TOP SECRET by default).
        clearance: labelPolicy.levels.at(-1)!.name,
        nationality: organisation.domain === DEMO_ORGANISATION.domain ? 'FRD' : 'XXX',
      });
    }
    const { code, expiresAt } = await services.identity.issueEnrolmentCode(null, { person: admin });
    out(`${existing ? 'Already initialised' : 'Initialised'}: ${organisation.name} (${organisation.domain}) in ${cmd.dataDir}`);
    out(`Administrator ${admin}: enrolment code ${code} (one-time, valid until ${expiresAt})`);
  } finally {
    await data.close();
  }
}

function printDemo(people: DemoPerson[], file: string, url: string): void {
  out('Demo people (one-time enrolment codes, valid 7 days; also in demo.json):');
  for (const p of people) {
    const roles = p.roles.filter((r) => r !== 'user').join(', ');
    out(`  ${p.handle.padEnd(32)} ${p.clearance.padEnd(13)} ${p.code.padEnd(24)} ${roles}`);
  }
  out(`Written to ${file}`);
  out('To log in: open the web app and paste a code into "Enrolment code", or on the command line:');
  out(`  npx valise --profile NAME login --server ${url} --code CODE`);
}

async function start(cmd: Extract<Command, { command: 'start' }>): Promise<void> {
  const logger = await createLogger(cmd.dataDir);
  const labelPolicy = labelPolicyOf(cmd.dataDir);
  const demoProblem = cmd.demo ? demoPolicyProblem(labelPolicy.policy) : undefined;
  if (demoProblem) throw new StartupError(`${demoProblem}: start without --demo, or remove ${labelPolicy.source}`);
  const data = await openData(cmd.dataDir, cmd.databaseUrl);
  let organisation = await getOrganisation(data.db);
  if (!organisation && cmd.demo) {
    organisation = DEMO_ORGANISATION;
    await insertOrganisation(data.db, organisation, new Date());
  }
  if (!organisation) {
    await data.close();
    throw new StartupError(
      `${cmd.dataDir} is not initialised: run \`node apps/server/src/main.ts init --data ${cmd.dataDir} --org-name NAME --domain DOMAIN\`, or start with --demo`,
    );
  }
  const webRoot = cmd.webRoot ?? DEFAULT_WEB_ROOT;
  let witnesses: ReturnType<typeof loadWitnessEndpoints>;
  try {
    witnesses = loadWitnessEndpoints(cmd.dataDir, cmd.witnesses);
  } catch (err) {
    await data.close();
    if (err instanceof WitnessConfigError) throw new StartupError(err.message);
    throw err;
  }
  const app = await buildServer({
    db: data.db,
    dialect: data.dialect,
    clock: () => new Date(),
    crypto: nodeCryptoProvider,
    logger,
    organisation,
    labelPolicy: labelPolicy.policy,
    webRoot,
    logKeys: loadOrCreateLogKeys(cmd.dataDir, nodeCryptoProvider.randomBytes),
    checkpointIntervalMs: 1000,
    witnesses,
    pouchDir: join(cmd.dataDir, 'pouches'),
  });
  let demoPeople: DemoPerson[] | undefined;
  try {
    if (cmd.demo) demoPeople = await seedDemo(app.services);
    await app.listen({ port: cmd.port, host: cmd.host });
  } catch (err) {
    await app.close();
    await data.close();
    throw listenError(err, cmd);
  }
  // Expired clearances take their people out of the conversations above their new level.
  const stopSweeper = startExpirySweeper(app.services.clearances, logger);
  // Pouches whose next hop is overdue are reported to the security officers of both units.
  const stopPouchSweeper = startMissingPouchSweeper(app.services.custody, logger, pouchSweepInterval());
  // Before anything is printed: whoever reads "Listening on" may stop the server at once, and a
  // signal that arrives before its handler is installed kills the process without a clean close.
  handleSignals(
    async () => {
      await stopSweeper();
      await stopPouchSweeper();
      await app.close();
    },
    data,
    logger,
  );
  const { port } = app.server.address() as AddressInfo;
  const shownHost = cmd.host === '0.0.0.0' || cmd.host === '::' ? '127.0.0.1' : cmd.host.includes(':') ? `[${cmd.host}]` : cmd.host;
  const url = `http://${shownHost}:${port}`;
  logger.info(
    { port, database: data.dialect, labelPolicy: labelPolicy.policy.id, labelPolicySource: labelPolicy.source },
    `Valise server for ${organisation.name} listening on ${url}`,
  );
  out(`Valise — ${organisation.name} (${organisation.domain})`);
  out(
    `Label policy: ${labelPolicy.policy.name} (${labelPolicy.source === 'default' ? `the default; put your own in ${cmd.dataDir}/label-policy.json` : labelPolicy.source})`,
  );
  out(
    `Listening on ${url} (${data.dialect === 'sqlite' ? `SQLite in ${cmd.dataDir}` : 'PostgreSQL'}); logs in ${cmd.dataDir}/logs/server.log`,
  );
  out(
    existsSync(join(webRoot, 'index.html'))
      ? `Open the web app at ${url}/`
      : `The web app is not built (${webRoot}): API only. Build it with \`npm run build\`.`,
  );
  if (witnesses.length > 0) out(`Witnesses asked to cosign each checkpoint: ${witnesses.map((w) => w.url).join(', ')}`);
  if (demoPeople) printDemo(demoPeople, writeDemoFile(cmd.dataDir, url, demoPeople), url);
}

/** VALISE_POUCH_SWEEP_MS shortens the missing-pouch sweep's period (tests); one minute otherwise. */
function pouchSweepInterval(): number | undefined {
  const v = Number(process.env.VALISE_POUCH_SWEEP_MS);
  return Number.isInteger(v) && v >= 100 ? v : undefined;
}

function listenError(err: unknown, cmd: Extract<Command, { command: 'start' }>): Error {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    return new StartupError(
      `port ${cmd.port} on ${cmd.host} is already in use: choose another with --port N (or PORT=N), or --port 0 for any free port`,
    );
  }
  if (code === 'EACCES')
    return new StartupError(`not allowed to listen on port ${cmd.port}: ports below 1024 need privileges; choose another with --port N`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new StartupError(`cannot listen on host ${cmd.host}: no such local address; try --host 127.0.0.1`);
  return err instanceof Error ? err : new Error(String(err));
}

function handleSignals(closeApp: () => Promise<void>, data: OpenDatabase, logger: Logger): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      out('Forced exit.');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void (async () => {
      try {
        await closeApp();
        await data.close();
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      } catch (err) {
        process.stderr.write(`error while shutting down: ${(err as Error).message}\n`);
        process.exit(1);
      }
    })();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

export async function main(argv: string[]): Promise<number> {
  let cmd: Command;
  try {
    cmd = parseCommandLine(argv, process.env, DEMO_ORGANISATION);
  } catch (err) {
    process.stderr.write(`valise server: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  try {
    if (cmd.command === 'help') out(USAGE);
    else if (cmd.command === 'init') await init(cmd);
    else if (cmd.command === 'audit-verify') return await runAuditVerify(cmd, nodeCryptoProvider, out);
    else await start(cmd);
    return 0;
  } catch (err) {
    if (err instanceof StartupError || err instanceof UsageError) {
      process.stderr.write(`valise server: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

runIfEntryPoint(import.meta.url, 'valise server', main);
