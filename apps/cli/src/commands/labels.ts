import type { Command } from 'commander';
import { paintLabel } from '../banner.ts';
import { emit } from '../output.ts';
import { withClient } from './context.ts';

export function registerLabelCommands(program: Command): void {
  program
    .command('labels')
    .description('the organisation’s label policy: levels, compartments, REL TO countries and groups')
    .action(
      withClient(async (client, g) => {
        const policy = await client.labelPolicy();
        emit(g, policy, () =>
          [
            `${policy.name} (${policy.id})`,
            `Levels, lowest first: ${policy.levels.map((l) => paintLabel(policy, l.name)).join(' < ')}`,
            `Compartments (all must be held): ${policy.compartments.map((c) => c.name).join(', ') || 'none'}`,
            `REL TO countries: ${policy.releasability.countries.join(', ')}`,
            ...policy.releasability.groups.map((gr) => `REL TO group ${gr.name}: ${gr.members.join(', ')}`),
            'Write labels as LEVEL[//COMPARTMENT/...][//REL TO CODE, CODE], e.g. "SECRET//CRYPTO//REL TO FRD, SYL".',
          ].join('\n'),
        );
      }),
    );
}
