import type { ValiseClient } from '@valise/sdk';
import type { Command } from 'commander';
import { fail, type GlobalOptions } from '../output.ts';
import { openClient } from '../session.ts';

/** The global options as seen from a subcommand. */
export function globals(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as { profile: string; json: boolean };
  return { profile: o.profile, json: Boolean(o.json) };
}

/** Run a command body with the profile's client; map any failure to a clear error and exit code. */
export function withClient<A extends unknown[]>(
  body: (client: ValiseClient, g: GlobalOptions, ...args: A) => Promise<void>,
): (...args: [...A, Command]) => Promise<void> {
  return async (...args) => {
    const cmd = args[args.length - 1] as Command;
    const g = globals(cmd);
    let client: ValiseClient | undefined;
    try {
      client = await openClient(g);
      await body(client, g, ...(args.slice(0, -1) as A));
    } catch (err) {
      fail(g, err);
    } finally {
      client?.close();
    }
  };
}

/** Split "a,b , c" and repeated options into a clean list. */
export function list(values: string | string[] | undefined): string[] {
  const all = Array.isArray(values) ? values : values ? [values] : [];
  return all
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];
