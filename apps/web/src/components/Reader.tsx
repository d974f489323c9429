import type { StoredMessage, ValiseClient } from '@valise/sdk';
import { useEffect, useId, useRef, useState } from 'react';
import type { Directory } from '../directory.ts';
import { explain } from '../errors.ts';
import { byteSize, dateTimeGroup, localTime } from '../format.ts';
import { LabelBanner, PrecedenceBadge } from './Marking.tsx';
import { Alert, Status } from './Notice.tsx';

export function saveBytes(name: string, mediaType: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: mediaType || 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // Give the download a moment to start before the decrypted bytes are released.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function Reader({ client, id, directory, onRead }: { client: ValiseClient; id: string; directory: Directory; onRead: () => void }) {
  const [message, setMessage] = useState<StoredMessage>();
  const [error, setError] = useState<string>();
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let cancelled = false;
    setMessage(undefined);
    setError(undefined);
    client.read(id).then(
      (m) => {
        if (cancelled) return;
        setMessage(m);
        onRead();
      },
      (err: unknown) => {
        if (!cancelled) setError(explain(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [client, id, onRead]);

  useEffect(() => {
    if (message) {
      document.title = `${message.label} — ${message.subject || 'Message'} — Valise`;
      heading.current?.focus();
    }
  }, [message]);

  if (error) {
    return (
      <section className="reader">
        <p>
          <a href="#/inbox">← Back to the inbox</a>
        </p>
        <Alert>{error}</Alert>
      </section>
    );
  }
  if (!message) return <Status>Decrypting…</Status>;

  const who = (handle: string) => {
    const name = directory.nameOf(handle);
    return name === handle ? handle : `${name} (${handle})`;
  };
  return (
    <article className="reader" aria-labelledby="reader-subject">
      <p className="back">
        <a href={message.outgoing ? '#/sent' : '#/inbox'}>← Back to {message.outgoing ? 'sent' : 'the inbox'}</a>
      </p>
      {message.kind === 'message' && (
        <p>
          A message in a conversation. <a href={`#/conversations/${message.conversationId}`}>Open the whole conversation</a>.
        </p>
      )}
      <LabelBanner label={message.label} position="top" />
      <div className="cable">
        <header className="cable-header">
          <h1 id="reader-subject" ref={heading} tabIndex={-1}>
            {message.subject || '(no subject)'}
          </h1>
          <dl className="cable-fields">
            <div>
              <dt>Precedence</dt>
              <dd>
                <PrecedenceBadge precedence={message.precedence} />
              </dd>
            </div>
            <div>
              <dt>From</dt>
              <dd>{who(message.originator)}</dd>
            </div>
            <div>
              <dt>Action</dt>
              <dd>{message.action.length > 0 ? message.action.map(who).join('; ') : '—'}</dd>
            </div>
            <div>
              <dt>Info</dt>
              <dd>{message.info.length > 0 ? message.info.map(who).join('; ') : '—'}</dd>
            </div>
            <div>
              <dt>Sent</dt>
              <dd>
                <time dateTime={message.sentAt}>
                  {dateTimeGroup(message.sentAt)} ({localTime(message.sentAt)})
                </time>
              </dd>
            </div>
            {message.tags.length > 0 && (
              <div>
                <dt>Tags</dt>
                <dd>{message.tags.join(', ')}</dd>
              </div>
            )}
          </dl>
        </header>
        <div className="cable-body">{message.body}</div>
        {message.attachments.length > 0 && <Attachments client={client} message={message} />}
      </div>
      <LabelBanner label={message.label} position="bottom" />
    </article>
  );
}

export function Attachments({ client, message }: { client: ValiseClient; message: StoredMessage }) {
  const [busy, setBusy] = useState<number>();
  const [error, setError] = useState<string>();
  const headingId = useId();
  async function download(index: number) {
    setBusy(index);
    setError(undefined);
    try {
      const file = await client.attachment(message.id, index);
      saveBytes(file.name, file.mediaType, file.bytes);
    } catch (err) {
      setError(explain(err));
    } finally {
      setBusy(undefined);
    }
  }
  return (
    <section className="attachments" aria-labelledby={headingId}>
      <h2 id={headingId}>Attachments</h2>
      {error && <Alert>{error}</Alert>}
      <ul>
        {message.attachments.map((a, i) => (
          <li key={a.blobId}>
            <span className="file-name">{a.name}</span> <span className="subtle">({byteSize(a.size)})</span>{' '}
            <button type="button" onClick={() => void download(i)} disabled={busy !== undefined} aria-label={`Download ${a.name}`}>
              {busy === i ? 'Decrypting…' : 'Download'}
            </button>
          </li>
        ))}
      </ul>
      <p className="help">Attachments are decrypted in this browser and checked against the digest the sender signed.</p>
    </section>
  );
}
