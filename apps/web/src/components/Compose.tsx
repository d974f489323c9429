import type { SendResult, StoredMessage, ValiseClient } from '@valise/sdk';
import { clearanceDominates, clearanceOf, type SecurityLabel, writableCompartments, writableLevels } from '@valise/sdk/browser';
import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { useConversations } from '../conversations.ts';
import type { Directory } from '../directory.ts';
import { explain } from '../errors.ts';
import { composeLabel, useLabelPolicy, whyNotCleared } from '../labels.ts';
import type { Mailbox } from '../mailbox.ts';
import type { MeState } from '../me.ts';
import { navigate } from '../route.ts';
import { AttachmentPicker, attachmentProblem, type FileProgress, toAttachments } from './AttachmentPicker.tsx';
import { type LabelChoice, LabelPicker, NO_LABEL, withOwnCountry } from './LabelPicker.tsx';
import { LabelBanner } from './Marking.tsx';
import { MessageForm } from './MessageForm.tsx';
import { Alert, Status } from './Notice.tsx';
import { parseHandles, RecipientField, type RecipientNote, type RecipientOption } from './RecipientField.tsx';

type Precedence = StoredMessage['precedence'];
const PRECEDENCES: { value: Precedence; text: string }[] = [
  { value: 'ROUTINE', text: 'ROUTINE — within the working day' },
  { value: 'PRIORITY', text: 'PRIORITY — within hours' },
  { value: 'IMMEDIATE', text: 'IMMEDIATE — within the hour' },
  { value: 'FLASH', text: 'FLASH — at once, interrupt' },
];

const MAX_ATTACHMENTS = 50;

interface Sent {
  result: SendResult;
  subject: string;
  label: string;
  attachments: string[];
}

/** The label the picker's choices make, or why they make none. */
type Composed = { label: SecurityLabel; text: string; problem?: undefined } | { problem: string; label?: undefined; text?: undefined };

/** "A", "A and B", "A, B and C". */
function listOf(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

export function Compose({
  client,
  me: meState,
  directory,
  mailbox,
  conversation,
  onSent,
}: {
  client: ValiseClient;
  me: MeState;
  directory: Directory;
  mailbox: Mailbox;
  /** Open in "message to this conversation" mode. */
  conversation?: string | undefined;
  onSent: () => void;
}) {
  const [mode, setMode] = useState<'cable' | 'message'>(conversation ? 'message' : 'cable');
  const conversations = useConversations(client, mailbox);
  const me = meState.person ?? client.identity.person;
  const writer = useMemo(() => (meState.person ? clearanceOf(meState.person) : undefined), [meState.person]);
  const { policy, error: policyError, retry: retryPolicy } = useLabelPolicy();
  const [to, setTo] = useState<string[]>([]);
  const [toDraft, setToDraft] = useState('');
  const [info, setInfo] = useState<string[]>([]);
  const [infoDraft, setInfoDraft] = useState('');
  const [subject, setSubject] = useState('');
  const [choice, setChoice] = useState<LabelChoice>(NO_LABEL);
  const [precedence, setPrecedence] = useState<Precedence>('ROUTINE');
  const [body, setBody] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [progress, setProgress] = useState(new Map<number, FileProgress>());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [sent, setSent] = useState<Sent>();
  const heading = useRef<HTMLHeadingElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const result = useRef<HTMLDivElement>(null);
  const ids = {
    subject: useId(),
    precedence: useId(),
    sendHelp: useId(),
    body: useId(),
    mode: useId(),
  };

  useEffect(() => {
    document.title = `Compose ${mode} — Valise`;
  }, [mode]);
  useEffect(() => {
    heading.current?.focus();
  }, []);

  useEffect(() => {
    if (sent) result.current?.focus();
  }, [sent]);

  const options = useMemo<RecipientOption[]>(
    () => [
      ...directory.people
        .filter((p) => p.handle !== me.handle)
        .map((p) => ({ handle: p.handle, description: `${p.name} — ${directory.nameOf(p.unit)} (${p.clearance})` })),
      ...directory.units.map((u) => ({ handle: u.handle, description: `${u.name} — whole ${u.kind}` })),
    ],
    [directory, me.handle],
  );

  const composed = useMemo<Composed | undefined>(() => {
    if (!policy || !writer) return undefined;
    // Only what the writer may write counts, even if their clearance changed since it was chosen.
    const writable = {
      level: writableLevels(policy, writer).includes(choice.level) ? choice.level : '',
      compartments: choice.compartments.filter((c) => writableCompartments(policy, writer).includes(c)),
      releasableTo: choice.releasableTo,
    };
    try {
      return composeLabel(policy, withOwnCountry(policy, writable, writer.nationality));
    } catch (err) {
      return { problem: explain(err) };
    }
  }, [policy, writer, choice]);
  const label = composed?.label;
  const labelText = composed?.text;

  /** Directly named people who may not read the label: sending is blocked. Units: who will be left out. */
  function noteOf(handle: string): RecipientNote | undefined {
    if (!policy || !label) return undefined;
    const person = directory.person(handle);
    if (person) {
      const why = whyNotCleared(policy, clearanceOf(person), label);
      return why ? { tone: 'warning', text: why } : undefined;
    }
    if (directory.unit(handle)) {
      const out = directory.people.filter(
        (p) => p.unit === handle && p.handle !== me.handle && !clearanceDominates(policy, clearanceOf(p), label),
      );
      if (out.length > 0) return { tone: 'note', text: `left out, not cleared for ${labelText}: ${listOf(out.map((p) => p.name))}` };
    }
    return undefined;
  }
  const notCleared = [...new Set([...to, ...info])].filter((h) => noteOf(h)?.tone === 'warning');
  const ready = policy !== undefined && writer !== undefined;
  const blocked = !ready || notCleared.length > 0;

  function validate(allTo: string[], allInfo: string[]): string | undefined {
    if (allTo.length === 0) return 'Add at least one action addressee in “To”: a person or a unit.';
    if (directory.people.length > 0) {
      const unknown = [...allTo, ...allInfo].filter((h) => !directory.person(h) && !directory.unit(h));
      if (unknown.length > 0) return `Not in the directory: ${unknown.join(', ')}. Choose people or units from the suggestions.`;
    }
    if (!subject.trim()) return 'Give the cable a subject.';
    if (composed?.problem) return composed.problem;
    if (!labelText) return 'Choose a classification level for the cable.';
    // Handles typed but not yet turned into chips are checked here, before anything is encrypted.
    const uncleared = [...allTo, ...allInfo].filter((h) => noteOf(h)?.tone === 'warning');
    if (uncleared.length > 0) {
      return `${listOf(uncleared.map(directory.nameOf))} ${uncleared.length === 1 ? 'is' : 'are'} not cleared for ${labelText}. Remove ${
        uncleared.length === 1 ? 'this addressee' : 'these addressees'
      }, or choose a label they may read.`;
    }
    if (!body.trim()) return 'Write the text of the cable.';
    return attachmentProblem(files, MAX_ATTACHMENTS);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    // The Send button is disabled while an addressee may not read the label; Enter must not get round it.
    if (blocked || busy) return;
    setError(undefined);
    setSent(undefined);
    const allTo = [...new Set([...to, ...parseHandles(toDraft)])];
    const allInfo = [...new Set([...info, ...parseHandles(infoDraft)])].filter((h) => !allTo.includes(h));
    setTo(allTo);
    setToDraft('');
    setInfo(allInfo);
    setInfoDraft('');
    const problem = validate(allTo, allInfo);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    try {
      const attachments = await toAttachments(files, (i, p) => setProgress((m) => new Map(m).set(i, p)));
      if (!labelText) return;
      const res = await client.sendCable({
        to: allTo,
        info: allInfo,
        subject: subject.trim(),
        body,
        label: labelText,
        precedence,
        ...(attachments.length > 0 ? { attachments } : {}),
      });
      setSent({ result: res, subject: subject.trim(), label: labelText, attachments: files.map((f) => f.name) });
      setTo([]);
      setInfo([]);
      setSubject('');
      setBody('');
      setFiles([]);
      setProgress(new Map());
      setPrecedence('ROUTINE');
      // The next cable is classified afresh: a label never carries over unnoticed.
      setChoice(NO_LABEL);
      if (fileInput.current) fileInput.current.value = '';
      onSent();
    } catch (err) {
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="compose" aria-labelledby="compose-heading">
      <h1 id="compose-heading" ref={heading} tabIndex={-1}>
        {mode === 'cable' ? 'Compose cable' : 'Compose message'}
      </h1>
      <fieldset className="mode-switch">
        <legend className="mode-switch-legend">What to write</legend>
        <label>
          <input type="radio" name={ids.mode} checked={mode === 'cable'} onChange={() => setMode('cable')} disabled={busy} /> Cable —
          formal, to people and units, with precedence
        </label>
        <label>
          <input type="radio" name={ids.mode} checked={mode === 'message'} onChange={() => setMode('message')} disabled={busy} /> Message in
          a conversation
        </label>
      </fieldset>
      {mode === 'message' ? (
        conversations.list === undefined ? (
          conversations.error ? (
            <Alert>Your conversations could not be opened: {conversations.error}</Alert>
          ) : (
            <Status>Opening your conversations…</Status>
          )
        ) : (
          <MessageForm
            client={client}
            conversations={conversations.list}
            directory={directory}
            {...(conversation ? { initial: conversation } : {})}
            onSent={(id) => {
              onSent();
              navigate({ view: 'conversation', id });
            }}
          />
        )
      ) : (
        <>
          {sent && (
            <div ref={result} tabIndex={-1} className="sent-result">
              <Status tone="success">
                <p>
                  <strong>Cable sent:</strong> “{sent.subject}”, encrypted in this browser for {sent.result.devices}{' '}
                  {sent.result.devices === 1 ? 'device' : 'devices'} of{' '}
                  {sent.result.recipients
                    .filter((h) => h !== me.handle)
                    .map(directory.nameOf)
                    .join(', ') || 'your own devices'}
                  .
                </p>
                {sent.result.notCleared.length > 0 && (
                  <p>
                    Left out, not cleared for {sent.label}: {listOf(sent.result.notCleared.map(directory.nameOf))}. They received no key to
                    this cable.
                  </p>
                )}
                {sent.result.skipped.length > 0 && (
                  <p>Not reached (no enrolled device yet): {listOf(sent.result.skipped.map(directory.nameOf))}.</p>
                )}
                {sent.attachments.length > 0 && <p>Attachments encrypted and uploaded: {listOf(sent.attachments)}.</p>}
                <p>
                  <a href={`#/message/${sent.result.id}`}>Open the sent cable</a>
                </p>
              </Status>
            </div>
          )}
          {labelText && <LabelBanner label={labelText} position="top" />}
          <form onSubmit={submit} onChange={() => sent && setSent(undefined)} noValidate aria-busy={busy} className="compose-form">
            <RecipientField
              label="To"
              help="Action addressees: people or whole units (embassies, missions, departments). Type a name or handle and pick a suggestion."
              values={to}
              draft={toDraft}
              options={options}
              nameOf={directory.nameOf}
              onChange={(v, d) => {
                setTo(v);
                setToDraft(d);
              }}
              noteOf={noteOf}
              disabled={busy}
            />
            <RecipientField
              label="Info"
              help="Information addressees (optional): they receive the cable for information, not for action."
              values={info}
              draft={infoDraft}
              options={options}
              nameOf={directory.nameOf}
              onChange={(v, d) => {
                setInfo(v);
                setInfoDraft(d);
              }}
              noteOf={noteOf}
              disabled={busy}
            />
            <div className="field">
              <label htmlFor={ids.subject}>Subject</label>
              <input
                id={ids.subject}
                value={subject}
                onChange={(e) => setSubject(e.target.value)}
                maxLength={500}
                required
                disabled={busy}
              />
            </div>
            {policy && writer ? (
              <LabelPicker
                policy={policy}
                writer={writer}
                value={choice}
                labelText={labelText}
                onChange={(c) => {
                  setChoice(c);
                  if (sent) setSent(undefined);
                }}
                disabled={busy}
              />
            ) : policyError || meState.error ? (
              <Alert>
                <p>
                  {policyError
                    ? `The organisation’s label policy could not be loaded: ${policyError}`
                    : `Your clearance could not be checked with the server: ${meState.error}`}
                </p>
                <button
                  type="button"
                  onClick={() => {
                    retryPolicy();
                    meState.reload();
                  }}
                >
                  Try again
                </button>
              </Alert>
            ) : (
              <Status>Loading the label policy and your clearance…</Status>
            )}
            {composed?.problem && <Alert>{composed.problem}</Alert>}
            <div className="field-row">
              <div className="field">
                <label htmlFor={ids.precedence}>Precedence</label>
                <select
                  id={ids.precedence}
                  value={precedence}
                  onChange={(e) => setPrecedence(e.target.value as Precedence)}
                  disabled={busy}
                >
                  {PRECEDENCES.map((p) => (
                    <option key={p.value} value={p.value}>
                      {p.text}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            <div className="field">
              <label htmlFor={ids.body}>Text</label>
              <textarea id={ids.body} value={body} onChange={(e) => setBody(e.target.value)} rows={12} required disabled={busy} />
            </div>
            <AttachmentPicker files={files} progress={progress} onChange={setFiles} inputRef={fileInput} disabled={busy} />
            {error && <Alert>{error}</Alert>}
            <div className="actions">
              <button type="submit" className="primary" disabled={busy || blocked} aria-describedby={blocked ? ids.sendHelp : undefined}>
                {busy ? 'Encrypting and sending…' : 'Send cable'}
              </button>
              {blocked && !busy && (
                <p id={ids.sendHelp} className="send-blocked" role="status">
                  {!ready ? (
                    'Sending is possible once the label policy and your clearance are loaded.'
                  ) : (
                    <>
                      <span aria-hidden="true">⚠ </span>
                      Cannot send: {listOf(notCleared.map(directory.nameOf))} {notCleared.length === 1 ? 'is' : 'are'} not cleared for{' '}
                      {labelText}. Remove {notCleared.length === 1 ? 'this addressee' : 'these addressees'}, or choose a label they may
                      read.
                    </>
                  )}
                </p>
              )}
              {busy && (
                <span className="help" role="status">
                  Creating the cable’s MLS group for every addressee’s devices, then encrypting.
                </span>
              )}
            </div>
          </form>
          {labelText && <LabelBanner label={labelText} position="bottom" />}
        </>
      )}
    </section>
  );
}
