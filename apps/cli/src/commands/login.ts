import { hostname } from 'node:os';
import type { Command } from 'commander';
import { emit, fail } from '../output.ts';
import { enrolClient } from '../session.ts';
import { globals, withClient } from './context.ts';

export function registerLoginCommands(program: Command): void {
  program
    .command('login')
    .description('enrol this profile as a new device with a one-time enrolment code')
    .requiredOption('--server <url>', 'the Valise server, e.g. http://127.0.0.1:8080')
    .requiredOption('--code <code>', 'the enrolment code from your security officer')
    .option('--device-name <name>', 'a name for this device', `valise-cli@${hostname()}`)
    .action(async (opts: { server: string; code: string; deviceName: string }, cmd: Command) => {
      const g = globals(cmd);
      try {
        const client = await enrolClient(g, { serverUrl: opts.server, code: opts.code, deviceName: opts.deviceName });
        const id = client.identity;
        emit(g, { person: id.person.handle, name: id.person.name, deviceId: id.deviceId, server: id.serverUrl, profile: g.profile }, () =>
          [
            `Enrolled ${id.person.name} <${id.person.handle}> as device ${id.deviceId}`,
            `Profile: ${g.profile}  Server: ${id.serverUrl}`,
          ].join('\n'),
        );
      } catch (err) {
        fail(g, err);
      }
    });

  program
    .command('whoami')
    .description('show the person and device of this profile')
    .action(
      withClient(async (client, g) => {
        const me = await client.me();
        emit(g, me, () =>
          [
            `${me.person.name} <${me.person.handle}>`,
            `unit ${me.person.unit}, clearance ${me.person.clearance}, roles ${me.person.roles.join(', ')}`,
            `device ${me.device.id} (${me.device.name}) on ${me.organisation.name}`,
          ].join('\n'),
        );
      }),
    );
}
