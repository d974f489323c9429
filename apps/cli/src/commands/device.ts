import type { DeviceAlert } from '@valise/sdk';
import type { Command } from 'commander';
import { emit } from '../output.ts';
import { withClient } from './context.ts';

/** Exit status of `valise device alerts` while alerts are outstanding (scripts can check it). */
export const ALERTS_EXIT_CODE = 2;

function describeAlert(a: DeviceAlert): string {
  return `device ${a.deviceId} was enrolled for ${a.person}${a.enrolledAt ? ` at ${a.enrolledAt}` : ''} (log entry ${a.index}) without this device knowing`;
}

/** One warning line per new alert, on stderr (sync, inbox). */
export function warnDeviceAlerts(alerts: readonly DeviceAlert[]): void {
  for (const a of alerts) {
    process.stderr.write(
      `warning: KT_UNKNOWN_DEVICE: ${describeAlert(a)}: if it was you, run \`valise device trust ${a.deviceId}\`; otherwise tell your security officer now\n`,
    );
  }
}

export function registerDeviceCommands(program: Command): void {
  const device = program.command('device').alias('devices').description('this person’s devices');
  device
    .command('list', { isDefault: true })
    .description('list the devices of a person (default: you)')
    .option('--person <handle>', 'whose devices')
    .action(
      withClient(async (client, g, opts: { person?: string }) => {
        const devices = await client.devices(opts.person);
        emit(g, devices, () =>
          devices
            .map(
              (d) =>
                `${d.id}  ${d.name}  enrolled ${d.enrolledAt}${d.revokedAt ? `  REVOKED ${d.revokedAt}` : ''}${d.id === client.identity.deviceId ? '  (this device)' : ''}`,
            )
            .join('\n'),
        );
      }),
    );
  device
    .command('alerts')
    .description('scan the audit log and list devices enrolled for you that this device did not know (exit status 2 while any)')
    .action(
      withClient(async (client, g) => {
        await client.monitorDevices();
        const alerts = await client.deviceAlerts();
        emit(g, alerts, () =>
          alerts.length === 0
            ? 'No alerts: every device enrolled for you is known to this device.'
            : alerts.map((a) => `${describeAlert(a)}${a.reported ? '' : ' (not yet reported to the server)'}`).join('\n'),
        );
        if (alerts.length > 0) process.exitCode = ALERTS_EXIT_CODE;
      }),
    );
  device
    .command('trust')
    .description('"it was me": trust a device of yours that raised an alert, and clear the alert')
    .argument('<deviceId>', 'device id')
    .action(
      withClient(async (client, g, deviceId: string) => {
        const cleared = await client.trustDevice(deviceId);
        emit(g, { deviceId, cleared: cleared.length }, () =>
          cleared.length ? `Trusted ${deviceId}; its alert is cleared.` : `Trusted ${deviceId} (it had no alert).`,
        );
      }),
    );
  device
    .command('revoke')
    .description('revoke a device (lost, stolen, retired): it can no longer log in or be added')
    .argument('<deviceId>', 'device id')
    .action(
      withClient(async (client, g, deviceId: string) => {
        const d = await client.revokeDevice(deviceId);
        emit(g, d, () => `Revoked ${d.id} (${d.name})`);
      }),
    );
}
