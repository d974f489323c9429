/** One conversation: its messages oldest first between classification banners, its members, a reply box. */
import type { StoredMessage, ValiseClient } from '@valise/sdk';
import { useEffect, useRef } from 'react';
import { titleOf, useConversations } from '../conversations.ts';
import type { Directory } from '../directory.ts';
import { localTime } from '../format.ts';
import type { Mailbox } from '../mailbox.ts';
import { LabelBanner, LabelChip } from './Marking.tsx';
import { Members } from './Members.tsx';
import { MessageForm } from './MessageForm.tsx';
import { Alert, Status } from './Notice.tsx';
import { Attachments } from './Reader.tsx';

export function Thread({ client, id, directory, mailbox }: { client: ValiseClient; id: string; directory: Directory; mailbox: Mailbox }) {
  const conversations = useConversations(client, mailbox);
  const heading = useRef<HTMLHeadingElement>(null);
  const summary = conversations.list?.find((c) => c.record.id === id);
  const messages = [...mailbox.messages.values()].filter((m) => m.conversationId === id).sort((a, b) => a.sentAt.localeCompare(b.sentAt));
  const unreadIds = messages
    .filter((m) => !m.read)
    .map((m) => m.id)
    .join(',');
  const title = summary ? titleOf(summary, directory.nameOf) : 'Conversation';

  useEffect(() => {
    document.title = `${summary?.record.label ?? ''} — ${title} — Valise`;
  }, [summary, title]);
  const found = summary !== undefined;
  useEffect(() => {
    if (found) heading.current?.focus();
  }, [found]);

  // Opening the thread reads its messages: mark them read (each first read is recorded in the audit log).
  useEffect(() => {
    if (!unreadIds) return;
    void (async () => {
      for (const m of unreadIds.split(',')) await client.read(m).catch(() => undefined);
      await mailbox.reload();
    })();
  }, [client, unreadIds, mailbox.reload]);

  if (conversations.list === undefined) {
    return conversations.error ? <Alert>{conversations.error}</Alert> : <Status>Opening the conversation…</Status>;
  }
  if (!summary) {
    return (
      <section className="thread">
        <p className="back">
          <a href="#/conversations">← All conversations</a>
        </p>
        <Alert>
          This device is not in that conversation. It may have been created before this device was enrolled, or you were removed from it.
          Ask a member to add you again.
        </Alert>
      </section>
    );
  }
  const label = summary.record.label;
  return (
    <section className="thread" aria-labelledby="thread-heading">
      <p className="back">
        <a href="#/conversations">← All conversations</a>
      </p>
      <LabelBanner label={label} position="top" />
      <div className="thread-layout">
        <div className="thread-main">
          <h1 id="thread-heading" ref={heading} tabIndex={-1}>
            {title}
          </h1>
          <p className="subtle">
            {summary.record.kind === 'direct' ? 'One-to-one' : 'Group'} conversation · <LabelChip label={label} /> · joined{' '}
            {localTime(summary.record.joinedAt)}
          </p>
          {messages.length === 0 ? (
            <p className="empty">No messages yet. Write the first one below; only the members listed here can read it.</p>
          ) : (
            <ol className="thread-messages" aria-label="Messages, oldest first">
              {messages.map((m) => (
                <ThreadMessage key={m.id} client={client} message={m} directory={directory} />
              ))}
            </ol>
          )}
          {summary.record.active ? (
            <section className="reply" aria-labelledby="reply-heading">
              <h2 id="reply-heading" className="visually-hidden">
                Write a reply
              </h2>
              <MessageForm
                client={client}
                conversations={[summary]}
                fixed={summary.record.id}
                directory={directory}
                textLabel="Reply"
                onSent={() => void mailbox.reload()}
              />
            </section>
          ) : (
            <Alert>This device was removed from this conversation: you can read what it received, but not write to it.</Alert>
          )}
        </div>
        <aside className="thread-aside">
          <Members client={client} members={summary.members} directory={directory} />
        </aside>
      </div>
      <LabelBanner label={label} position="bottom" />
    </section>
  );
}

function ThreadMessage({ client, message, directory }: { client: ValiseClient; message: StoredMessage; directory: Directory }) {
  return (
    <li className={message.outgoing ? 'thread-message mine' : 'thread-message'}>
      <p className="thread-meta">
        <strong>{message.outgoing ? 'You' : directory.nameOf(message.originator)}</strong>{' '}
        <time dateTime={message.sentAt} className="subtle">
          {localTime(message.sentAt)}
        </time>
        {message.subject && <span> — {message.subject}</span>}
      </p>
      <div className="thread-body">{message.body}</div>
      {message.attachments.length > 0 && <Attachments client={client} message={message} />}
    </li>
  );
}
