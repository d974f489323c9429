import type { Command } from 'commander';
import { emit } from '../output.ts';
import { withClient } from './context.ts';

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
