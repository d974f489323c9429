/** A message into a conversation: text and attachments, under the conversation's label. */
import type { ValiseClient } from '@valise/sdk';
import { type FormEvent, useId, useRef, useState } from 'react';
import { type ConversationSummary, titleOf } from '../conversations.ts';
import type { Directory } from '../directory.ts';
import { explain } from '../errors.ts';
import { AttachmentPicker, attachmentProblem, type FileProgress, toAttachments } from './AttachmentPicker.tsx';
import { LabelChip } from './Marking.tsx';
import { Alert, Status } from './Notice.tsx';

export function MessageForm({
  client,
  conversations,
  fixed,
  initial,
  directory,
  onSent,
  textLabel = 'Message',
}: {
  client: ValiseClient;
  /** The conversations to choose from (one, when `fixed`). */
  conversations: ConversationSummary[];
  /** A reply box in a thread: the conversation is given, not chosen. */
  fixed?: string;
  /** The conversation chosen at first (from the route). */
  initial?: string;
  directory: Directory;
  onSent: (conversationId: string) => void;
  textLabel?: string;
}) {
  const active = conversations.filter((c) => c.record.active);
  const [chosen, setChosen] = useState(fixed ?? initial ?? active[0]?.record.id ?? '');
  const [body, setBody] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [progress, setProgress] = useState(new Map<number, FileProgress>());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const fileInput = useRef<HTMLInputElement>(null);
  const id = useId();
  const target = conversations.find((c) => c.record.id === chosen);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setError(undefined);
    setDone(undefined);
    if (!target) return setError('Choose a conversation first, or start one in Conversations.');
    if (!target.record.active) return setError('This device was removed from that conversation: it can no longer write to it.');
    if (!body.trim() && files.length === 0) return setError('Write a message or attach a file.');
    const problem = attachmentProblem(files, 50);
    if (problem) return setError(problem);
    setBusy(true);
    try {
      const attachments = await toAttachments(files, (i, p) => setProgress((m) => new Map(m).set(i, p)));
      await client.sendMessage(target.record.id, { body, ...(attachments.length > 0 ? { attachments } : {}) });
      setDone(`Sent to ${titleOf(target, directory.nameOf)}${files.length > 0 ? ` with ${files.length} encrypted attachment(s)` : ''}.`);
      setBody('');
      setFiles([]);
      setProgress(new Map());
      if (fileInput.current) fileInput.current.value = '';
      onSent(target.record.id);
    } catch (err) {
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  }

  if (active.length === 0 && !fixed) {
    return (
      <div className="empty">
        <p>
          <strong>You are not in any conversation yet.</strong> Start one in <a href="#/conversations">Conversations</a>, or write a cable
          instead.
        </p>
      </div>
    );
  }
  return (
    <form className="message-form" onSubmit={submit} noValidate aria-busy={busy}>
      {!fixed && (
        <div className="field">
          <label htmlFor={`${id}-conv`}>Conversation</label>
          <select id={`${id}-conv`} value={chosen} onChange={(e) => setChosen(e.target.value)} disabled={busy}>
            {active.map((c) => (
              <option key={c.record.id} value={c.record.id}>
                {titleOf(c, directory.nameOf)} — {c.record.label}
              </option>
            ))}
          </select>
        </div>
      )}
      {target && (
        <p className="help">
          Sent under the conversation’s label <LabelChip label={target.record.label} />, encrypted in this browser for the{' '}
          {target.members.length} {target.members.length === 1 ? 'device' : 'devices'} in it.
        </p>
      )}
      <div className="field">
        <label htmlFor={`${id}-body`}>{textLabel}</label>
        <textarea
          id={`${id}-body`}
          value={body}
          onChange={(e) => setBody(e.target.value)}
          rows={fixed ? 3 : 8}
          disabled={busy}
          onKeyDown={(e) => {
            // Ctrl/⌘+Enter sends, as in most mail and chat tools.
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) e.currentTarget.form?.requestSubmit();
          }}
        />
      </div>
      <AttachmentPicker files={files} progress={progress} onChange={setFiles} inputRef={fileInput} disabled={busy} />
      {error && <Alert>{error}</Alert>}
      {done && <Status tone="success">{done}</Status>}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Encrypting and sending…' : 'Send message'}
        </button>
        <span className="help">Ctrl+Enter sends.</span>
      </div>
    </form>
  );
}
