/**
 * `valise pouch`: the diplomatic pouch as a local file. `seal` makes one for the cleared devices of
 * a unit, `inspect` shows its visible marks (no profile needed), `verify` checks every byte without
 * keys (and, with a profile, the sender's key against the directory and the audit log), `open`
 * writes the documents of a pouch this device is a recipient of into a folder.
 */
import { ValiseError } from '@valise/protocol';
import type { CustodyHopView, PouchMarksView, PouchVerification } from '@valise/sdk';
import {
  inspectPouchFile,
  isProfileEnrolled,
  pouchDocumentFromFile,
  pouchFileSource,
  valiseHome,
  verifyPouchFile,
  writeOpenedPouch,
  writePouchFile,
} from '@valise/sdk/node';
import type { Command } from 'commander';
import { banner } from '../banner.ts';
import { emit, fail, type GlobalOptions } from '../output.ts';
import { byteProgressBar } from '../progress-bar.ts';
import { openClient } from '../session.ts';
import { collect, globals, withClient } from './context.ts';
import { registerPouchTransportCommands } from './pouch-transport.ts';

function renderMarks(m: PouchMarksView): string[] {
  return [
    banner(undefined, m.label.text),
    `Pouch ${m.sealNumber}   (id ${m.pouchId})`,
    `From:       ${m.sender.unit} of ${m.sender.organisation}, device ${m.sender.deviceId}`,
    `            sender key ${m.sender.keyFingerprint}`,
    `To:         ${m.consignee.unit} of ${m.consignee.organisation}`,
    `Label:      ${m.label.text}${m.label.privacyMark ? `   ${m.label.privacyMark}` : ''} (policy ${m.label.policyId})`,
    `Sealed at:  ${m.createdAt}`,
    `Contents:   ${m.itemCount} document${m.itemCount === 1 ? '' : 's'}, ${m.totalSize} bytes`,
    `Recipients: ${m.recipients.length} device${m.recipients.length === 1 ? '' : 's'}: ${m.recipients.join(', ')}`,
  ];
}

function renderCustody(hops: CustodyHopView[] | undefined): string[] {
  if (!hops || hops.length === 0) return [];
  return [
    'Chain of custody (every receipt verified, unbroken from the sender):',
    ...hops.map((h) => `  #${h.sequence} ${h.time}  ${h.taker.handle} (${h.taker.deviceId}) took it from ${h.from} at ${h.place}`),
  ];
}

/** Run a command body that needs no profile, with the usual error reporting. */
function withoutClient<A extends unknown[]>(
  body: (g: GlobalOptions, ...args: A) => Promise<void>,
): (...args: [...A, Command]) => Promise<void> {
  return async (...args) => {
    const g = globals(args[args.length - 1] as Command);
    try {
      await body(g, ...(args.slice(0, -1) as A));
    } catch (err) {
      fail(g, err);
    }
  };
}

export function registerPouchCommands(program: Command): void {
  const pouch = program.command('pouch').description('diplomatic pouches: sealed, signed files for the cleared devices of a unit');

  pouch
    .command('seal')
    .description('seal files into a pouch for the devices of a unit cleared for the label')
    .argument('<files...>', 'the documents to seal')
    .requiredOption('--to <unit>', 'the consignee unit, e.g. embassy-sylvania@mfa.freedonia.example')
    .requiredOption('--label <label>', 'security label, e.g. "SECRET//REL TO FRD"')
    .requiredOption('-o, --output <file>', 'the pouch file to write (never overwritten)')
    .option('--seal-number <text>', 'the seal number on the marks (default <UNIT>-<YEAR>-<ULID>)')
    .option('--document-name <name>', 'the name a document has inside the pouch, one per file in order (default its file name)', collect)
    .action(
      withClient(
        async (
          client,
          g,
          files: string[],
          opts: { to: string; label: string; output: string; sealNumber?: string; documentName?: string[] },
        ) => {
          const names = opts.documentName ?? [];
          if (names.length > files.length) throw new ValiseError('BAD_ARGUMENT', 'more --document-name options than files');
          const documents = [];
          for (const [i, file] of files.entries()) {
            const name = names[i];
            documents.push(await pouchDocumentFromFile(file, name !== undefined ? { name } : {}));
          }
          const bar = byteProgressBar(g, 'seal');
          const sealing = await client.pouch.seal({
            files: documents,
            toUnit: opts.to,
            label: opts.label,
            ...(opts.sealNumber !== undefined ? { sealNumber: opts.sealNumber } : {}),
            onProgress: (p) => bar.update(p.bytes, p.total),
          });
          const bytes = await writePouchFile(sealing.bytes, opts.output);
          bar.done();
          const result = sealing.result;
          const out = {
            file: opts.output,
            bytes,
            sealNumber: sealing.sealNumber,
            consignee: sealing.consignee,
            label: sealing.label,
            recipients: sealing.recipients,
            notCleared: sealing.notCleared,
            skipped: sealing.skipped,
            withoutPouchKey: sealing.withoutPouchKey,
            pouchDigest: result?.pouchDigest,
            pouchId: result?.marks.pouchId,
          };
          emit(g, out, () => {
            const people = [...new Set(sealing.recipients.map((r) => r.person))];
            const lines = [
              `Sealed pouch ${sealing.sealNumber} into ${opts.output} (${bytes} bytes)`,
              `To ${sealing.consignee.unit} at ${sealing.label}: ${sealing.recipients.length} device${sealing.recipients.length === 1 ? '' : 's'} of ${people.join(', ')}`,
            ];
            if (sealing.notCleared.length) lines.push(`Not cleared for ${sealing.label}, not recipients: ${sealing.notCleared.join(', ')}`);
            if (sealing.skipped.length) lines.push(`No enrolled device, not recipients: ${sealing.skipped.join(', ')}`);
            if (sealing.withoutPouchKey.length) lines.push(`Devices without a pouch key, left out: ${sealing.withoutPouchKey.join(', ')}`);
            if (result) lines.push(`Pouch digest (SHA-256): ${result.pouchDigest}`);
            return lines.join('\n');
          });
        },
      ),
    );

  pouch
    .command('inspect')
    .description('show the visible external marks of a pouch (no keys, no profile needed)')
    .argument('<file>', 'the pouch file')
    .action(
      withoutClient(async (g, file: string) => {
        const marks = await inspectPouchFile(file);
        emit(g, marks, () => renderMarks(marks).join('\n'));
      }),
    );

  pouch
    .command('verify')
    .description('check a whole pouch without keys: structure, signatures, digest; with a profile, the sender too')
    .argument('<file>', 'the pouch file')
    .action(
      withoutClient(async (g, file: string) => {
        let v: PouchVerification;
        if (await isProfileEnrolled(valiseHome(), g.profile)) {
          const client = await openClient(g);
          try {
            v = await client.pouch.verify(pouchFileSource(file));
          } finally {
            client.close();
          }
        } else {
          v = await verifyPouchFile(file);
        }
        emit(g, { valid: true, ...v }, () =>
          [
            ...renderMarks(v),
            `Pouch digest (SHA-256): ${v.pouchDigest}`,
            `Custody receipts: ${v.receipts}${v.custody ? '' : ' (not checked: no profile here)'}`,
            ...renderCustody(v.custody),
            v.senderChecked
              ? 'VALID: intact and sealed by that device, whose key the directory and the audit log confirm.'
              : 'VALID: intact and sealed by the key on its marks (sender not checked: no profile here).',
          ].join('\n'),
        );
      }),
    );

  pouch
    .command('open')
    .description('open a pouch this device is a recipient of and write its documents into a folder')
    .argument('<file>', 'the pouch file')
    .requiredOption('-o, --output <dir>', 'the folder to write the documents into (existing files are never overwritten)')
    .option('--refuse-reopen', 'refuse a pouch this device has opened before', false)
    .option('--require-custody', 'refuse a pouch without a chain of custody ending with you or your unit', false)
    .action(
      withClient(async (client, g, file: string, opts: { output: string; refuseReopen: boolean; requireCustody: boolean }) => {
        const bar = byteProgressBar(g, 'open');
        const opened = await client.pouch.open(pouchFileSource(file), {
          onProgress: (p) => bar.update(p.bytes, p.total),
          refuseReopen: opts.refuseReopen,
          requireCustody: opts.requireCustody,
        });
        const written = await writeOpenedPouch(opened, opts.output);
        bar.done();
        const custody = opened.custody ?? [];
        emit(
          g,
          { marks: opened.marks, documents: written, openedBefore: opened.openedBefore, pouchDigest: opened.pouchDigest, custody },
          () =>
            [
              ...renderMarks(opened.marks),
              ...written.map((d) => `Wrote ${d.path} (${d.mediaType}, ${d.size} bytes)`),
              ...renderCustody(custody),
              opened.openedBefore ? 'Note: this device had opened this pouch before.' : '',
              'Seal intact: every document, the contents list and the sender’s seal verified.',
            ]
              .filter(Boolean)
              .join('\n'),
        );
      }),
    );

  registerPouchTransportCommands(pouch);
}
