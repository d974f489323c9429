/**
 * The `valise` command: one entry for every role. Global options: --profile NAME (several people
 * on one machine) and --json (one machine-readable document on stdout).
 */
import { Command } from 'commander';
import { registerAdminCommands } from './commands/admin.ts';
import { registerApprovalCommands } from './commands/approvals.ts';
import { registerAuditCommands } from './commands/audit.ts';
import { registerConversationCommands } from './commands/conversation.ts';
import { registerDeviceCommands } from './commands/device.ts';
import { registerLabelCommands } from './commands/labels.ts';
import { registerLoginCommands } from './commands/login.ts';
import { registerMessageCommands } from './commands/message.ts';
import { registerPouchCommands } from './commands/pouch.ts';
import { registerServerCommands } from './commands/server.ts';
import { registerWitnessCommands } from './commands/witness.ts';

const program = new Command();
program
  .name('valise')
  .description('Valise: sovereign, end-to-end encrypted, post-quantum communications')
  .option('--profile <name>', 'which enrolled device to act as (profiles live in VALISE_HOME)', process.env.VALISE_PROFILE ?? 'default')
  .option('--json', 'print one machine-readable JSON document', false)
  .showHelpAfterError()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

registerServerCommands(program);
registerLoginCommands(program);
registerMessageCommands(program);
registerConversationCommands(program);
registerDeviceCommands(program);
registerLabelCommands(program);
registerPouchCommands(program);
registerAdminCommands(program);
registerApprovalCommands(program);
registerAuditCommands(program);
registerWitnessCommands(program);

await program.parseAsync(process.argv);
