import type { Command } from 'commander';
import { emit } from '../output.ts';
import { collect, list, withClient } from './context.ts';

export function registerConversationCommands(program: Command): void {
  const conv = program.command('conversation').alias('conv').description('1:1 and group conversations');

  conv
    .command('create')
    .description('start a conversation (an MLS group of every member device)')
    .requiredOption('--with <handles>', 'people or units, comma separated', collect)
    .requiredOption('--label <label>', 'the conversation’s security label')
    .option('--kind <kind>', 'direct or group', 'group')
    .action(
      withClient(async (client, g, opts: { with: string[]; label: string; kind: string }) => {
        const kind = opts.kind === 'direct' ? 'direct' : 'group';
        const out = await client.createConversation({ kind, with: list(opts.with), label: opts.label });
        emit(g, out, () => `Conversation ${out.id} with ${out.recipients.join(', ')} (${out.devices} devices)`);
      }),
    );

  conv
    .command('list')
    .description('conversations this device is in')
    .action(
      withClient(async (client, g) => {
        await client.sync();
        const all = (await client.conversations()).map(({ group: _group, ...c }) => c);
        emit(
          g,
          all,
          () => all.map((c) => `${c.id}  ${c.kind.padEnd(6)} ${c.label}${c.active ? '' : '  (removed)'}`).join('\n') || 'No conversations.',
        );
      }),
    );

  conv
    .command('send')
    .description('send a message into a conversation')
    .argument('<id>', 'conversation id')
    .requiredOption('--body <text>', 'message text')
    .option('--subject <text>', 'optional subject')
    .action(
      withClient(async (client, g, id: string, opts: { body: string; subject?: string }) => {
        await client.sync();
        const m = await client.sendMessage(id, { body: opts.body, ...(opts.subject ? { subject: opts.subject } : {}) });
        emit(g, { id: m.id, conversationId: id }, () => `Sent ${m.id}`);
      }),
    );

  conv
    .command('add')
    .description('add people or units to a conversation')
    .argument('<id>', 'conversation id')
    .requiredOption('--with <handles>', 'people or units', collect)
    .action(
      withClient(async (client, g, id: string, opts: { with: string[] }) => {
        await client.sync();
        const added = await client.addMembers(id, list(opts.with));
        emit(g, { added }, () => `Added ${added} devices`);
      }),
    );

  conv
    .command('remove-device')
    .description('remove devices from a conversation: they cannot read anything sent afterwards')
    .argument('<id>', 'conversation id')
    .argument('<deviceIds...>', 'device ids')
    .action(
      withClient(async (client, g, id: string, deviceIds: string[]) => {
        await client.sync();
        await client.removeDevices(id, deviceIds);
        emit(g, { removed: deviceIds }, () => `Removed ${deviceIds.join(', ')}`);
      }),
    );

  conv
    .command('relabel')
    .description('change a conversation’s label (lowering it needs a security officer and a justification)')
    .argument('<id>', 'conversation id')
    .requiredOption('--label <label>', 'the new label')
    .option('--justification <text>', 'why (required to lower a label; recorded)')
    .action(
      withClient(async (client, g, id: string, opts: { label: string; justification?: string }) => {
        const out = await client.relabel(id, opts.label, opts.justification);
        emit(g, out, () =>
          out.status === 'applied'
            ? `Relabelled ${id} to ${out.conversation.label}`
            : `Waiting for a second security officer: approval ${out.approval.id} (${out.approval.fromLabel} → ${out.approval.toLabel})`,
        );
      }),
    );
}
