import type { InboxEntry } from '@valise/sdk';
import { useEffect, useId, useRef, useState } from 'react';
import type { Directory } from '../directory.ts';
import { localTime } from '../format.ts';
import { byPrecedence, type Mailbox, matches } from '../mailbox.ts';
import { LabelChip, PrecedenceBadge } from './Marking.tsx';
import { Alert, Status } from './Notice.tsx';

type Precedence = InboxEntry['precedence'];

/** Where a row leads: a cable opens in the reader, a conversation message in its thread. */
function hrefOf(entry: InboxEntry): string {
  return entry.kind === 'message' ? `#/conversations/${entry.conversationId}` : `#/message/${entry.id}`;
}

export function Inbox({ view, mailbox, directory }: { view: 'inbox' | 'sent'; mailbox: Mailbox; directory: Directory }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [query, setQuery] = useState('');
  const searchId = useId();
  const title = view === 'inbox' ? 'Inbox' : 'Sent';
  useEffect(() => {
    document.title = `${title} — Valise`;
    heading.current?.focus();
  }, [title]);

  const all = (mailbox.entries ?? []).filter((e) => (view === 'sent' ? e.outgoing : !e.outgoing)).sort(byPrecedence);
  const rows = all.filter((e) => matches(mailbox.messages.get(e.id), e, query, directory.nameOf));
  const unread = all.filter((e) => !e.read).length;
  const unreadFlash = all.filter((e) => !e.read && e.precedence === 'FLASH');
  const addresseesOf = (e: InboxEntry) => {
    const m = mailbox.messages.get(e.id);
    return m ? [...m.action, ...m.info].map(directory.nameOf).join(', ') || 'conversation' : '';
  };
  const groups = (['FLASH', 'IMMEDIATE', 'PRIORITY', 'ROUTINE'] as Precedence[])
    .map((p) => ({ precedence: p, entries: rows.filter((e) => e.precedence === p) }))
    .filter((g) => g.entries.length > 0);

  return (
    <section className="inbox" aria-labelledby="inbox-heading">
      <div className="toolbar">
        <h1 id="inbox-heading" ref={heading} tabIndex={-1}>
          {title}
          {view === 'inbox' && all.length > 0 && <span className="subtle"> — {unread === 0 ? 'all read' : `${unread} unread`}</span>}
        </h1>
        <button type="button" onClick={() => void mailbox.refresh()} disabled={mailbox.syncing}>
          {mailbox.syncing ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {mailbox.problem && <Alert>{mailbox.problem}</Alert>}
      <div className="visually-hidden" role="status">
        {mailbox.announcement}
      </div>
      {view === 'inbox' && unreadFlash.length > 0 && (
        <div className="flash-callout">
          <span className="flash-mark" aria-hidden="true">
            ⚡
          </span>{' '}
          <strong>FLASH:</strong>{' '}
          {unreadFlash.length === 1 ? (
            <>
              <a href={hrefOf(unreadFlash[0] as InboxEntry)}>{unreadFlash[0]?.subject || '(no subject)'}</a> is unread. Read it first.
            </>
          ) : (
            `${unreadFlash.length} FLASH cables are unread, listed first below.`
          )}
        </div>
      )}
      {all.length > 0 && (
        <search className="search">
          <label htmlFor={searchId}>Search this device</label>
          <input
            id={searchId}
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            aria-describedby={`${searchId}-help`}
            autoComplete="off"
          />
          <p id={`${searchId}-help`} className="help">
            Subject, text, originator, addressees and tags of what this browser has decrypted. The search runs here; nothing is sent to the
            server.
          </p>
          {query.trim() && (
            <p className="search-count" role="status">
              {rows.length === 0 ? 'No match' : `${rows.length} of ${all.length} match`} “{query.trim()}”.{' '}
              <button type="button" className="link-button" onClick={() => setQuery('')}>
                Clear search
              </button>
            </p>
          )}
        </search>
      )}
      {mailbox.entries === undefined ? (
        <Status>Opening the encrypted mailbox…</Status>
      ) : all.length === 0 ? (
        <div className="empty">
          {view === 'inbox' ? (
            <>
              <p>
                <strong>No cables or messages yet.</strong> New ones appear here the moment they arrive, most urgent first.
              </p>
              <p>
                To write one, <a href="#/compose">write a cable</a> or start a <a href="#/conversations">conversation</a>.
              </p>
            </>
          ) : (
            <p>
              You have not sent anything from this device yet. <a href="#/compose">Write a cable</a>.
            </p>
          )}
        </div>
      ) : rows.length === 0 ? (
        <p className="empty">
          Nothing decrypted on this device matches “{query.trim()}”. Check the spelling, try fewer words, or clear the search. Cables sent
          before this device was enrolled are not on it.
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
          {groups.map((g) => (
            <tbody key={g.precedence} className={`group-${g.precedence.toLowerCase()}`}>
              {groups.length > 1 && (
                <tr className="group-row">
                  <th scope="colgroup" colSpan={5}>
                    {g.precedence === 'FLASH' && <span aria-hidden="true">⚡ </span>}
                    {g.precedence} <span className="subtle">({g.entries.length})</span>
                  </th>
                </tr>
              )}
              {g.entries.map((entry) => (
                <Row
                  key={entry.id}
                  entry={entry}
                  title={entry.subject || preview(mailbox.messages.get(entry.id)?.body)}
                  party={view === 'inbox' ? directory.nameOf(entry.from) : addresseesOf(entry)}
                  partyTitle={view === 'inbox' ? 'From' : 'To'}
                />
              ))}
            </tbody>
          ))}
        </table>
      )}
    </section>
  );
}

/** The first words of a message without a subject. */
function preview(body: string | undefined): string {
  const text = (body ?? '').replace(/\s+/g, ' ').trim();
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function Row({ entry, title, party, partyTitle }: { entry: InboxEntry; title: string; party: string; partyTitle: string }) {
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
        <a href={hrefOf(entry)}>{title || '(no subject)'}</a>
        <span className="kind"> · {entry.kind === 'message' ? 'conversation' : 'cable'}</span>
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
