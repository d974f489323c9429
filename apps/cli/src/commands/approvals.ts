import type { Command } from 'commander';
import { emit } from '../output.ts';
import { withClient } from './context.ts';

const STATUSES = ['pending', 'approved', 'rejected', 'superseded'] as const;

export function registerApprovalCommands(program: Command): void {
  const approvals = program.command('approvals').description('two-person approvals of label changes (security officers)');
  approvals
    .command('list', { isDefault: true })
    .description('approvals, pending by default')
    .option('--status <status>', STATUSES.join(' | '), 'pending')
    .action(
      withClient(async (client, g, opts: { status: (typeof STATUSES)[number] }) => {
        const list = await client.approvals(opts.status);
        emit(
          g,
          list,
          () =>
            list
              .map((a) => `${a.id}  ${a.status.padEnd(9)} ${a.fromLabel} → ${a.toLabel}  by ${a.requestedBy}: ${a.justification}`)
              .join('\n') || 'None.',
        );
      }),
    );
  for (const decision of ['approve', 'reject'] as const) {
    approvals
      .command(decision)
      .description(`${decision} a pending label change (a second security officer)`)
      .argument('<id>', 'approval id')
      .action(
        withClient(async (client, g, id: string) => {
          const out = decision === 'approve' ? await client.approve(id) : await client.reject(id);
          emit(g, out, () => `${out.approval.status}: ${out.approval.fromLabel} → ${out.approval.toLabel}`);
        }),
      );
  }
}
