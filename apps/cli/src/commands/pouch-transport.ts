/**
 * `valise pouch send | inbox | receive | handover | track`: pouches through the server. `send`
 * and `receive` resume when run again; `handover` is run by the one who takes the pouch (it signs a
 * receipt, appends it to the file, and reports it when the server carries the pouch); `track`
 * shows where a pouch is.
 */
import { type PouchSummary, type PouchTrack, ValiseError } from '@valise/protocol';
import type { HandoverResult } from '@valise/sdk';
import { appendToPouchFile, pouchFileSource, pouchUploadSource, receivePouchFile } from '@valise/sdk/node';
import type { Command } from 'commander';
import { emit } from '../output.ts';
import { byteProgressBar } from '../progress-bar.ts';
import { withClient } from './context.ts';

const POUCH_ID = /^[A-Za-z0-9_-]{22}$/;

function pouchId(id: string): string {
  if (!POUCH_ID.test(id))
    throw new ValiseError('BAD_ARGUMENT', `a pouch id is 22 base64url characters (see valise pouch inbox), not "${id}"`);
  return id;
}

function summaryLine(p: PouchSummary): string {
  const where = p.status === 'received' ? `received by ${p.holder}` : `held by ${p.holder}`;
  const missing = p.missingSince ? `   MISSING since ${p.missingSince}` : '';
  return `${p.id}  ${p.sealNumber}  ${p.label}  from ${p.sender.person} to ${p.consigneeUnit}  ${p.status}, ${where}, ${p.hops} hop${p.hops === 1 ? '' : 's'}${missing}`;
}

function renderTrack(t: PouchTrack): string {
  const p = t.pouch;
  const lines = [
    `Pouch ${p.sealNumber} (${p.id}), ${p.label}: ${p.status}${t.missing ? ' — MISSING' : ''}`,
    `From ${p.sender.person} (${p.sender.unit}) to ${p.consigneeUnit}`,
    `${p.createdAt}  sealed and announced by ${p.sender.person}`,
  ];
  if (p.availableAt) lines.push(`${p.availableAt}  verified by the server and delivered to ${p.consigneeUnit}`);
  for (const h of t.hops) lines.push(`${h.at}  #${h.sequence} ${h.taker.handle} took it from ${h.from} at ${h.place}`);
  lines.push(`Now held by ${p.holder}`);
  if (p.expectedBy) lines.push(`Next hop due by ${p.expectedBy}`);
  if (p.missingSince) lines.push(`Reported missing to the security officers at ${p.missingSince}`);
  return lines.join('\n');
}

export function registerPouchTransportCommands(pouch: Command): void {
  pouch
    .command('send')
    .description('upload a pouch you sealed to the server for its consignee unit (run again to resume)')
    .argument('<file>', 'the pouch file')
    .option('--expected-hours <n>', 'hours the next hop may take before the pouch is reported missing (default 72)')
    .action(
      withClient(async (client, g, file: string, opts: { expectedHours?: string }) => {
        let expectedHours: number | undefined;
        if (opts.expectedHours !== undefined) {
          expectedHours = Number(opts.expectedHours);
          if (!Number.isFinite(expectedHours) || expectedHours <= 0)
            throw new ValiseError('BAD_ARGUMENT', '--expected-hours must be a positive number');
        }
        const source = await pouchUploadSource(file);
        const bar = byteProgressBar(g, 'send');
        try {
          const sent = await client.pouch.transport.send(source, {
            ...(expectedHours !== undefined ? { expectedHours } : {}),
            onProgress: (p) => bar.update(p.bytes, p.total),
          });
          bar.done();
          emit(g, sent, () =>
            [
              `Sent pouch ${sent.pouch.sealNumber} (${sent.pouch.id}) to ${sent.pouch.consigneeUnit}: ${sent.pouch.status}`,
              sent.resumedAt > 0 ? `Resumed at byte ${sent.resumedAt}; uploaded ${sent.uploaded} bytes` : `Uploaded ${sent.uploaded} bytes`,
              sent.pouch.expectedBy ? `Next hop due by ${sent.pouch.expectedBy}` : '',
            ]
              .filter(Boolean)
              .join('\n'),
          );
        } finally {
          await source.close();
        }
      }),
    );

  pouch
    .command('inbox')
    .description('pouches delivered to your unit that your clearance allows (--sent: yours; --missing: security officers)')
    .option('--sent', 'the pouches you sent')
    .option('--missing', 'pouches reported missing to or from your unit (security officers)')
    .action(
      withClient(async (client, g, opts: { sent?: boolean; missing?: boolean }) => {
        const box = opts.missing ? 'missing' : opts.sent ? 'sent' : 'inbox';
        const pouches = await client.pouch.transport.list(box);
        emit(g, { box, pouches }, () => (pouches.length ? pouches.map(summaryLine).join('\n') : `No pouches (${box}).`));
      }),
    );

  pouch
    .command('receive')
    .description('download a pouch delivered to your unit, with its custody receipts, and verify it (run again to resume)')
    .argument('<id>', 'the pouch id (valise pouch inbox)')
    .requiredOption('-o, --output <file>', 'the pouch file to write (never overwritten; NAME.partial while downloading)')
    .action(
      withClient(async (client, g, id: string, opts: { output: string }) => {
        const bar = byteProgressBar(g, 'receive');
        const r = await receivePouchFile(client, pouchId(id), opts.output, { onProgress: (p) => bar.update(p.bytes, p.total) });
        bar.done();
        emit(g, r, () =>
          [
            `Received pouch ${r.verification.sealNumber} into ${r.file} (${r.bytes} bytes${r.resumedAt > 0 ? `, resumed at ${r.resumedAt}` : ''})`,
            `Verified: seal intact, sealed by ${r.verification.sender.deviceId} of ${r.verification.sender.unit}; ${r.verification.receipts} custody receipt${r.verification.receipts === 1 ? '' : 's'} verified`,
            'Sign for it when you take it: valise pouch handover FILE --place "…"',
          ].join('\n'),
        );
      }),
    );

  pouch
    .command('handover')
    .description('take custody of a pouch: verify it, sign a receipt, append it to the file, report it to the server')
    .argument('<file>', 'the pouch file you are taking')
    .requiredOption('--place <text>', 'where the hand-over happens, e.g. "Freedonia City airport"')
    .option('--from <handle>', 'who you take it from (refused if the pouch says otherwise)')
    .action(
      withClient(async (client, g, file: string, opts: { place: string; from?: string }) => {
        const r: HandoverResult = await client.pouch.transport.handover(pouchFileSource(file), {
          place: opts.place,
          ...(opts.from !== undefined ? { from: opts.from } : {}),
          append: (frame) => appendToPouchFile(file, frame),
        });
        const { receipt: _receipt, frame: _frame, ...shown } = r;
        emit(g, shown, () =>
          [
            `Took pouch ${r.sealNumber} from ${r.from} at ${r.place} (hand-over #${r.sequence}, ${r.time})`,
            `Receipt signed and appended to ${file}`,
            r.reported
              ? `Reported to the server: now held by ${r.reported.pouch.holder}${r.reported.pouch.expectedBy ? `, next hop due by ${r.reported.pouch.expectedBy}` : ''}`
              : `Not reported to the server: ${r.notReported?.message ?? 'unknown'}`,
          ].join('\n'),
        );
      }),
    );

  pouch
    .command('track')
    .description('where a pouch is: its hand-overs, current holder, next hop deadline, missing')
    .argument('<id>', 'the pouch id')
    .action(
      withClient(async (client, g, id: string) => {
        const t = await client.pouch.transport.track(pouchId(id));
        emit(g, t, () => renderTrack(t));
      }),
    );
}
