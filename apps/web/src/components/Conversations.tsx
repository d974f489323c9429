/** Conversations (1:1 and groups): the list, and starting one under a chosen label. */
import type { ValiseClient } from '@valise/sdk';
import { clearanceOf } from '@valise/sdk/browser';
import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { type ConversationSummary, titleOf, useConversations } from '../conversations.ts';
import type { Directory } from '../directory.ts';
import { explain } from '../errors.ts';
import { localTime } from '../format.ts';
import { composeLabel, useLabelPolicy, whyNotCleared } from '../labels.ts';
import type { Mailbox } from '../mailbox.ts';
import type { MeState } from '../me.ts';
import { navigate } from '../route.ts';
import { type LabelChoice, LabelPicker, NO_LABEL, withOwnCountry } from './LabelPicker.tsx';
import { LabelChip } from './Marking.tsx';
import { Alert, Status } from './Notice.tsx';
import { parseHandles, RecipientField, type RecipientNote } from './RecipientField.tsx';

export function Conversations({
  client,
  me,
  directory,
  mailbox,
}: {
  client: ValiseClient;
  me: MeState;
  directory: Directory;
  mailbox: Mailbox;
}) {
  const conversations = useConversations(client, mailbox);
  const heading = useRef<HTMLHeadingElement>(null);
  const [starting, setStarting] = useState(false);
  useEffect(() => {
    document.title = 'Conversations — Valise';
    heading.current?.focus();
  }, []);
  const unreadIn = (id: string) => (mailbox.entries ?? []).filter((e) => e.conversationId === id && !e.read && !e.outgoing).length;
  const lastIn = (id: string) =>
    (mailbox.entries ?? [])
      .filter((e) => e.conversationId === id)
      .reduce<string | undefined>((t, e) => (t && t > e.received ? t : e.received), undefined);

  return (
    <section className="conversations" aria-labelledby="conversations-heading">
      <div className="toolbar">
        <h1 id="conversations-heading" ref={heading} tabIndex={-1}>
          Conversations
        </h1>
        {!starting && (
          <button type="button" className="primary" onClick={() => setStarting(true)}>
            Start a conversation
          </button>
        )}
      </div>
      {starting && (
        <NewConversation
          client={client}
          me={me}
          directory={directory}
          onCancel={() => setStarting(false)}
          onCreated={conversations.reload}
        />
      )}
      {conversations.error && <Alert>Your conversations could not be opened: {conversations.error}. Reload the page to try again.</Alert>}
      {conversations.list === undefined ? (
        !conversations.error && <Status>Opening your conversations…</Status>
      ) : conversations.list.length === 0 ? (
        <div className="empty">
          <p>
            <strong>No conversations yet.</strong> A conversation is an ongoing, end-to-end encrypted exchange with one person or a group,
            under one classification label.
          </p>
          {!starting && <p>Use “Start a conversation” above. Conversations others start with you appear here as soon as they do.</p>}
        </div>
      ) : (
        <ul className="conversation-list" aria-label="Your conversations">
          {conversations.list.map((c) => (
            <ConversationRow
              key={c.record.id}
              summary={c}
              directory={directory}
              unread={unreadIn(c.record.id)}
              last={lastIn(c.record.id)}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function ConversationRow({
  summary,
  directory,
  unread,
  last,
}: {
  summary: ConversationSummary;
  directory: Directory;
  unread: number;
  last: string | undefined;
}) {
  const { record } = summary;
  return (
    <li className={unread > 0 ? 'conversation-row unread' : 'conversation-row'}>
      <div className="conversation-title">
        {unread > 0 && (
          <span className="unread-dot" title="Unread">
            <span className="visually-hidden">Unread: </span>
          </span>
        )}
        <a href={`#/conversations/${record.id}`}>{titleOf(summary, directory.nameOf)}</a>
        {unread > 0 && <span className="pill-count">{unread} unread</span>}
      </div>
      <div className="conversation-meta">
        <LabelChip label={record.label} />
        <span>{record.kind === 'direct' ? 'One-to-one' : `Group of ${summary.others.length + 1}`}</span>
        <span className="subtle">{last ? `last message ${localTime(last)}` : `started ${localTime(record.joinedAt)}`}</span>
        {!record.active && <span className="badge badge-muted">You were removed</span>}
      </div>
    </li>
  );
}

function NewConversation({
  client,
  me: meState,
  directory,
  onCancel,
  onCreated,
}: {
  client: ValiseClient;
  me: MeState;
  directory: Directory;
  onCancel: () => void;
  onCreated: () => Promise<void>;
}) {
  const me = meState.person ?? client.identity.person;
  const writer = useMemo(() => (meState.person ? clearanceOf(meState.person) : undefined), [meState.person]);
  const { policy } = useLabelPolicy();
  const [kind, setKind] = useState<'direct' | 'group'>('direct');
  const [people, setPeople] = useState<string[]>([]);
  const [draft, setDraft] = useState('');
  const [choice, setChoice] = useState<LabelChoice>(NO_LABEL);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const id = useId();

  const composed = useMemo(() => {
    if (!policy || !writer) return undefined;
    try {
      return composeLabel(policy, withOwnCountry(policy, choice, writer.nationality));
    } catch (err) {
      return { problem: explain(err) };
    }
  }, [policy, writer, choice]);
  const label = composed && 'label' in composed ? composed.label : undefined;
  const labelText = composed && 'text' in composed ? composed.text : undefined;
  const options = directory.people
    .filter((p) => p.handle !== me.handle)
    .map((p) => ({ handle: p.handle, description: `${p.name} — ${directory.nameOf(p.unit)} (${p.clearance})` }));
  const noteOf = (handle: string): RecipientNote | undefined => {
    const p = directory.person(handle);
    if (!p)
      return directory.unit(handle)
        ? { tone: 'warning', text: 'a unit: conversations are with people; write a cable to a unit' }
        : undefined;
    const why = policy && label ? whyNotCleared(policy, clearanceOf(p), label) : undefined;
    return why ? { tone: 'warning', text: why } : undefined;
  };
  const refused = people.filter((h) => noteOf(h)?.tone === 'warning');

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const all = [...new Set([...people, ...parseHandles(draft)])];
    setPeople(all);
    setDraft('');
    setError(undefined);
    if (all.length === 0) return setError('Add the person (or people) to talk with.');
    if (kind === 'direct' && all.length > 1) return setError('A one-to-one conversation has one other person. Choose “Group” for more.');
    const unknown = all.filter((h) => !directory.person(h));
    if (unknown.length > 0) return setError(`Not a person in the directory: ${unknown.join(', ')}. Pick people from the suggestions.`);
    if (composed && 'problem' in composed) return setError(composed.problem);
    if (!labelText) return setError('Choose a classification level for the conversation.');
    const uncleared = all.filter((h) => noteOf(h)?.tone === 'warning');
    if (uncleared.length > 0) {
      return setError(
        `${uncleared.map(directory.nameOf).join(', ')} may not read ${labelText}. Remove them, or choose a label everyone may read.`,
      );
    }
    setBusy(true);
    try {
      const created = await client.createConversation({ kind, with: all, label: labelText });
      await onCreated();
      navigate({ view: 'conversation', id: created.id });
    } catch (err) {
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="new-conversation" onSubmit={submit} noValidate aria-busy={busy} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Start a conversation</h2>
      <fieldset className="mode-switch" disabled={busy}>
        <legend className="mode-switch-legend">Kind</legend>
        <label>
          <input type="radio" name={`${id}-kind`} checked={kind === 'direct'} onChange={() => setKind('direct')} /> One-to-one
        </label>
        <label>
          <input type="radio" name={`${id}-kind`} checked={kind === 'group'} onChange={() => setKind('group')} /> Group
        </label>
      </fieldset>
      <RecipientField
        label="With"
        help={kind === 'direct' ? 'The person to talk with. Type a name or handle and pick a suggestion.' : 'The people in the group.'}
        values={people}
        draft={draft}
        options={options}
        nameOf={directory.nameOf}
        onChange={(v, d) => {
          setPeople(v);
          setDraft(d);
        }}
        noteOf={noteOf}
        disabled={busy}
      />
      {policy && writer ? (
        <LabelPicker policy={policy} writer={writer} value={choice} labelText={labelText} onChange={setChoice} disabled={busy} />
      ) : (
        <Status>Loading the label policy and your clearance…</Status>
      )}
      {error && <Alert>{error}</Alert>}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || refused.length > 0}>
          {busy ? 'Creating the encrypted group…' : 'Start conversation'}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        {refused.length > 0 && (
          <p className="send-blocked" role="status">
            <span aria-hidden="true">⚠ </span>Cannot start: {refused.map(directory.nameOf).join(', ')} may not read {labelText}. Remove
            them, or choose a label everyone may read.
          </p>
        )}
      </div>
    </form>
  );
}
