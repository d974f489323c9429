/** The command line of `node apps/server/src/main.ts`: parsed and validated before anything starts. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const USAGE = `Usage:
  node apps/server/src/main.ts start [--data DIR] [--port N] [--host H] [--demo] [--database URL] [--web DIR]
                                     [--witness URL=VKEY ...]
  node apps/server/src/main.ts init --data DIR [--org-name NAME] [--domain D] [--database URL]
  node apps/server/src/main.ts audit-verify --data DIR [--database URL] [--json]

  --data DIR        data folder (SQLite database, logs, demo.json); default ./data
  --port N          TCP port, 0 for any free port; default $PORT or 8080
  --host H          address to listen on; default 127.0.0.1
  --demo            create or reuse the demo ministry and print its people's enrolment codes
  --database URL    postgres://... to use PostgreSQL instead of SQLite (or VALISE_DATABASE_URL)
  --web DIR         the built web app to serve at /; default apps/web/dist
  --witness URL=VKEY  ask this tlog witness to cosign each checkpoint (repeatable; also DIR/witnesses.json)
  --org-name NAME   the organisation's name (init; default: the demo ministry's)
  --domain D        the organisation's domain, e.g. mfa.freedonia.example (init; default: the demo's)
  --json            audit-verify: print the report as JSON`;

export type Command =
  | {
      command: 'start';
      dataDir: string;
      port: number;
      host: string;
      demo: boolean;
      databaseUrl?: string;
      webRoot?: string;
      /** `URL=VKEY` flags, checked when the server starts (audit/witness-config.ts). */
      witnesses: string[];
    }
  | { command: 'init'; dataDir: string; orgName: string; domain: string; databaseUrl?: string }
  | { command: 'audit-verify'; dataDir: string; json: boolean; databaseUrl?: string }
  | { command: 'help' };

export class UsageError extends Error {}

const DOMAIN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** `defaults` is the organisation init creates when no --org-name / --domain is given (the demo ministry). */
export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv, defaults: { name: string; domain: string }): Command {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { command: 'help' };
  if (positionals.length > 1) throw new UsageError(`unexpected arguments: ${positionals.slice(1).join(' ')}`);
  const dataDir = resolve(values.data ?? 'data');
  const databaseUrl = values.database ?? env.VALISE_DATABASE_URL;
  const withDatabase = databaseUrl ? { databaseUrl } : {};

  switch (positionals[0]) {
    case 'start': {
      const portText = values.port ?? env.PORT ?? '8080';
      if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new UsageError(`--port must be 0..65535, not "${portText}"`);
      const webRoot = values.web ?? env.VALISE_WEB_ROOT;
      return {
        command: 'start',
        dataDir,
        port: Number(portText),
        host: values.host ?? '127.0.0.1',
        demo: values.demo ?? false,
        witnesses: values.witness ?? [],
        ...withDatabase,
        ...(webRoot ? { webRoot: resolve(webRoot) } : {}),
      };
    }
    case 'init': {
      if (!values.data) throw new UsageError('init needs --data DIR');
      const domain = (values.domain ?? defaults.domain).toLowerCase();
      if (!DOMAIN.test(domain)) throw new UsageError(`--domain must be a DNS name such as mfa.freedonia.example, not "${domain}"`);
      const orgName = (values['org-name'] ?? defaults.name).trim();
      if (orgName.length === 0 || orgName.length > 200) throw new UsageError('--org-name must be 1..200 characters');
      return { command: 'init', dataDir, orgName, domain, ...withDatabase };
    }
    case 'audit-verify':
      if (!values.data) throw new UsageError('audit-verify needs --data DIR');
      return { command: 'audit-verify', dataDir, json: values.json ?? false, ...withDatabase };
    default:
      throw new UsageError(`unknown command "${positionals[0]}"`);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      data: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      demo: { type: 'boolean' },
      database: { type: 'string' },
      web: { type: 'string' },
      witness: { type: 'string', multiple: true },
      'org-name': { type: 'string' },
      domain: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
