import type { InboxEntry, ValiseClient } from '@valise/sdk';
import { useEffect, useRef, useState } from 'react';
import type { Directory } from '../directory.ts';
import { localTime } from '../format.ts';
import { byPrecedence, type Mailbox } from '../mailbox.ts';
import { LabelChip, PrecedenceBadge } from './Marking.tsx';
import { Alert, Status } from './Notice.tsx';

/**
 * The SDK's inbox entries do not carry addressees; for the Sent list read them from the stored
 * (already read) outgoing copies.
 */
function useAddressees(client: ValiseClient, entries: InboxEntry[], enabled: boolean): Map<string, string[]> {
  const [addressees, setAddressees] = useState(new Map<string, string[]>());
  const ids = enabled ? entries.map((e) => e.id).join(',') : '';
  useEffect(() => {
    if (!ids) return;
    let cancelled = false;
    void (async () => {
      const out = new Map<string, string[]>();
      for (const id of ids.split(',')) {
        try {
          const m = await client.read(id);
          out.set(id, [...m.action, ...m.info]);
        } catch {
          // shown without addressees
        }
      }
      if (!cancelled) setAddressees(out);
    })();
    return () => {
      cancelled = true;
    };
  }, [client, ids]);
  return addressees;
}

export function Inbox({
  client,
  view,
  mailbox,
  directory,
}: {
  client: ValiseClient;
  view: 'inbox' | 'sent';
  mailbox: Mailbox;
  directory: Directory;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  const title = view === 'inbox' ? 'Inbox' : 'Sent';
  useEffect(() => {
    document.title = `${title} — Valise`;
    heading.current?.focus();
  }, [title]);

  const rows = (mailbox.entries ?? []).filter((e) => (view === 'sent' ? e.outgoing : !e.outgoing)).sort(byPrecedence);
  const unread = rows.filter((e) => !e.read).length;
  const addressees = useAddressees(client, rows, view === 'sent');

  return (
    <section className="inbox" aria-labelledby="inbox-heading">
      <div className="toolbar">
        <h1 id="inbox-heading" ref={heading} tabIndex={-1}>
          {title}
          {view === 'inbox' && rows.length > 0 && <span className="subtle"> — {unread === 0 ? 'all read' : `${unread} unread`}</span>}
        </h1>
        <button type="button" onClick={() => void mailbox.refresh()} disabled={mailbox.syncing}>
          {mailbox.syncing ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {mailbox.problem && <Alert>{mailbox.problem}</Alert>}
      <div className="visually-hidden" role="status">
        {mailbox.announcement}
      </div>
      {mailbox.entries === undefined ? (
        <Status>Opening the encrypted mailbox…</Status>
      ) : rows.length === 0 ? (
        <p className="empty">
          {view === 'inbox'
            ? 'No cables or messages yet. New ones appear here as soon as they arrive.'
            : 'You have not sent anything from this device yet.'}
        </p>
      ) : (
        <table className="message-table">
          <caption className="visually-hidden">
            {title}, most urgent first: precedence, subject, {view === 'inbox' ? 'from' : 'to'}, classification and time
          </caption>
          <thead>
            <tr>
              <th scope="col">Precedence</th>
              <th scope="col">Subject</th>
              <th scope="col">{view === 'inbox' ? 'From' : 'To'}</th>
              <th scope="col">Classification</th>
              <th scope="col">{view === 'inbox' ? 'Received' : 'Sent'}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((entry) => (
              <Row
                key={entry.id}
                entry={entry}
                party={view === 'inbox' ? directory.nameOf(entry.from) : (addressees.get(entry.id) ?? []).map(directory.nameOf).join(', ')}
                partyTitle={view === 'inbox' ? 'From' : 'To'}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Row({ entry, party, partyTitle }: { entry: InboxEntry; party: string; partyTitle: string }) {
  const classes = ['message-row', entry.read ? 'read' : 'unread', `row-${entry.precedence.toLowerCase()}`].join(' ');
  return (
    <tr className={classes} data-message-id={entry.id}>
      <td data-title="Precedence">
        <PrecedenceBadge precedence={entry.precedence} />
      </td>
      <td data-title="Subject" className="subject">
        {!entry.read && (
          <span className="unread-dot" title="Unread">
            <span className="visually-hidden">Unread: </span>
          </span>
        )}
        <a href={`#/message/${entry.id}`}>{entry.subject || '(no subject)'}</a>
        {entry.kind === 'message' && <span className="kind"> · message</span>}
      </td>
      <td data-title={partyTitle}>{party}</td>
      <td data-title="Classification">
        <LabelChip label={entry.label} />
      </td>
      <td data-title={partyTitle === 'From' ? 'Received' : 'Sent'}>
        <time dateTime={entry.received}>{localTime(entry.received)}</time>
      </td>
    </tr>
  );
}
