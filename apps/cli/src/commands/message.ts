import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { LabelPolicy } from '@valise/protocol';
import { ValiseError } from '@valise/protocol';
import type { StoredMessage } from '@valise/sdk';
import type { Command } from 'commander';
import { banner, paintLabel } from '../banner.ts';
import { emit, progress } from '../output.ts';
import { collect, list, withClient } from './context.ts';
import { warnDeviceAlerts } from './device.ts';

const PRECEDENCES = ['FLASH', 'IMMEDIATE', 'PRIORITY', 'ROUTINE'] as const;

export function renderMessage(m: StoredMessage, policy?: LabelPolicy): string {
  const lines = [
    banner(policy, m.label),
    `${m.kind === 'cable' ? 'CABLE' : 'MESSAGE'} ${m.id}   ${m.precedence}`,
    `From:     ${m.from.person}`,
    `Subject:  ${m.subject}`,
  ];
  if (m.action.length) lines.push(`Action:   ${m.action.join(', ')}`);
  if (m.info.length) lines.push(`Info:     ${m.info.join(', ')}`);
  if (m.tags.length) lines.push(`Tags:     ${m.tags.join(', ')}`);
  lines.push(`Sent:     ${m.sentAt}`, '', m.body, '');
  for (const [i, a] of m.attachments.entries()) lines.push(`Attachment ${i}: ${a.name} (${a.mediaType}, ${a.size} bytes)`);
  lines.push(banner(policy, m.label));
  return lines.join('\n');
}

export function registerMessageCommands(program: Command): void {
  program
    .command('send')
    .description('send a cable to people and/or units, end-to-end encrypted')
    .requiredOption('--to <handles>', 'action addressees: people or units, comma separated', collect)
    .option('--info <handles>', 'info addressees: people or units, comma separated', collect)
    .requiredOption('--subject <text>', 'subject line')
    .option('--body <text>', 'body text')
    .option('--body-file <file>', 'read the body from a file')
    .requiredOption('--label <label>', 'security label, e.g. "SECRET//REL TO FRD"')
    .option('--precedence <p>', 'FLASH, IMMEDIATE, PRIORITY or ROUTINE', 'ROUTINE')
    .option('--tag <tag>', 'a tag (repeatable, or comma separated)', collect)
    .option('--attach <file>', 'attach a file (repeatable)', collect)
    .action(
      withClient(async (client, g, opts: Record<string, string | string[] | undefined>) => {
        if (opts.body === undefined && opts.bodyFile === undefined)
          throw new ValiseError('BAD_ARGUMENT', 'give --body TEXT or --body-file FILE');
        if (opts.body !== undefined && opts.bodyFile !== undefined)
          throw new ValiseError('BAD_ARGUMENT', 'give only one of --body and --body-file');
        const precedence = String(opts.precedence).toUpperCase();
        if (!PRECEDENCES.includes(precedence as (typeof PRECEDENCES)[number])) {
          throw new ValiseError('BAD_ARGUMENT', `--precedence must be one of ${PRECEDENCES.join(', ')}`);
        }
        const body = opts.bodyFile ? await readFile(String(opts.bodyFile), 'utf8') : String(opts.body);
        const attachments = [];
        for (const file of list(opts.attach)) {
          attachments.push({ name: basename(file), mediaType: 'application/octet-stream', bytes: new Uint8Array(await readFile(file)) });
        }
        const p = progress(g, 'send');
        p.update('encrypting to the recipients’ devices');
        const result = await client.sendCable({
          to: list(opts.to),
          info: list(opts.info),
          subject: String(opts.subject),
          body,
          label: String(opts.label),
          precedence: precedence as (typeof PRECEDENCES)[number],
          tags: list(opts.tag),
          attachments,
        });
        p.done();
        emit(g, result, () => {
          const lines = [`Sent cable ${result.id} to ${result.recipients.join(', ')} (${result.devices} devices)`];
          if (result.skipped.length) lines.push(`Not enrolled yet, not reached: ${result.skipped.join(', ')}`);
          if (result.notCleared.length) lines.push(`Not cleared for ${opts.label}, left out: ${result.notCleared.join(', ')}`);
          if (result.unreachableDevices.length) {
            lines.push(`Devices without published keys, not reached: ${result.unreachableDevices.join(', ')}`);
          }
          return lines.join('\n');
        });
      }),
    );

  program
    .command('inbox')
    .description('fetch what is waiting and list the cables and messages this device can read')
    .option('--all', 'include what this device sent', false)
    .action(
      withClient(async (client, g, opts: { all: boolean }) => {
        const p = progress(g, 'sync');
        p.update('fetching and decrypting');
        const synced = await client.sync();
        p.done(synced.processed ? `${synced.processed} items` : undefined);
        const entries = await client.inbox({ includeSent: opts.all });
        const policy = g.json ? undefined : await client.labelPolicy();
        emit(g, entries, () => {
          if (entries.length === 0) return 'Inbox empty.';
          return entries
            .map(
              (e) =>
                `${e.read ? ' ' : '*'} ${e.id}  ${e.precedence.padEnd(9)} ${paintLabel(policy, e.label, e.label.padEnd(24))} ${e.from.padEnd(36)} ${e.subject}`,
            )
            .join('\n');
        });
        for (const problem of synced.problems) process.stderr.write(`warning: ${problem.code}: ${problem.message}\n`);
        warnDeviceAlerts(synced.alerts);
      }),
    );

  program
    .command('read')
    .description('show one cable or message with its body')
    .argument('<id>', 'message id from the inbox')
    .option('--save-attachments <dir>', 'decrypt the attachments into this folder')
    .action(
      withClient(async (client, g, id: string, opts: { saveAttachments?: string }) => {
        let message: StoredMessage;
        try {
          message = await client.read(id);
        } catch (err) {
          if (!(err instanceof ValiseError) || err.code !== 'MESSAGE_NOT_FOUND') throw err;
          await client.sync();
          message = await client.read(id);
        }
        const saved: string[] = [];
        if (opts.saveAttachments) {
          await mkdir(opts.saveAttachments, { recursive: true });
          for (let i = 0; i < message.attachments.length; i++) {
            const a = await client.attachment(id, i);
            const path = join(opts.saveAttachments, basename(a.name));
            await writeFile(path, a.bytes);
            saved.push(path);
          }
        }
        const policy = g.json ? undefined : await client.labelPolicy();
        emit(g, { ...message, ...(saved.length ? { saved } : {}) }, () => renderMessage(message, policy));
      }),
    );

  program
    .command('sync')
    .description('fetch and decrypt everything waiting for this device')
    .action(
      withClient(async (client, g) => {
        const r = await client.sync();
        warnDeviceAlerts(r.alerts);
        emit(
          g,
          { processed: r.processed, messages: r.messages.length, joined: r.joined.length, problems: r.problems, alerts: r.alerts },
          () =>
            `${r.processed} items: ${r.messages.length} messages, joined ${r.joined.length} conversations${r.problems.length ? `, ${r.problems.length} problems` : ''}`,
        );
      }),
    );
}
