import type { OutgoingAttachment, SendResult, StoredMessage, ValiseClient } from '@valise/sdk';
import { LIMITS } from '@valise/sdk/browser';
import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { Directory } from '../directory.ts';
import { explain } from '../errors.ts';
import { byteSize } from '../format.ts';
import { LABEL_PATTERN, LABEL_SUGGESTIONS, LEVELS, levelOf, levelRank } from '../labels.ts';
import { LabelBanner } from './Marking.tsx';
import { Alert, Status } from './Notice.tsx';
import { parseHandles, RecipientField, type RecipientOption } from './RecipientField.tsx';

type Precedence = StoredMessage['precedence'];
const PRECEDENCES: { value: Precedence; text: string }[] = [
  { value: 'ROUTINE', text: 'ROUTINE — within the working day' },
  { value: 'PRIORITY', text: 'PRIORITY — within hours' },
  { value: 'IMMEDIATE', text: 'IMMEDIATE — within the hour' },
  { value: 'FLASH', text: 'FLASH — at once, interrupt' },
];

const MAX_ATTACHMENTS = 50;

/** Upper case, single spaces: the canonical text of a label. */
export function canonicalLabel(text: string): string {
  return text.trim().toUpperCase().replace(/\s+/g, ' ');
}

interface Sent {
  result: SendResult;
  subject: string;
}

export function Compose({ client, directory, onSent }: { client: ValiseClient; directory: Directory; onSent: () => void }) {
  const me = client.identity.person;
  const [to, setTo] = useState<string[]>([]);
  const [toDraft, setToDraft] = useState('');
  const [info, setInfo] = useState<string[]>([]);
  const [infoDraft, setInfoDraft] = useState('');
  const [subject, setSubject] = useState('');
  const [label, setLabel] = useState('');
  const [precedence, setPrecedence] = useState<Precedence>('ROUTINE');
  const [body, setBody] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [sent, setSent] = useState<Sent>();
  const heading = useRef<HTMLHeadingElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const result = useRef<HTMLDivElement>(null);
  const ids = {
    subject: useId(),
    label: useId(),
    labelHelp: useId(),
    labels: useId(),
    precedence: useId(),
    body: useId(),
    files: useId(),
    filesHelp: useId(),
  };

  useEffect(() => {
    document.title = 'Compose cable — Valise';
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

  const canonical = canonicalLabel(label);
  const level = levelOf(canonical);
  const allowedSuggestions = LABEL_SUGGESTIONS.filter(
    (s) => levelRank(levelOf(s)) <= levelRank(me.clearance) || levelRank(me.clearance) < 0,
  );

  const aboveClearance = level !== undefined && levelRank(me.clearance) >= 0 && levelRank(level) > levelRank(me.clearance);

  // People named directly whose clearance is below the label: say so before sending.
  const underCleared = [...to, ...info].filter((h) => {
    const p = directory.person(h);
    return p && level && levelRank(p.clearance) >= 0 && levelRank(p.clearance) < levelRank(level);
  });

  function validate(allTo: string[], allInfo: string[]): string | undefined {
    if (allTo.length === 0) return 'Add at least one action addressee in “To”: a person or a unit.';
    if (directory.people.length > 0) {
      const unknown = [...allTo, ...allInfo].filter((h) => !directory.person(h) && !directory.unit(h));
      if (unknown.length > 0) return `Not in the directory: ${unknown.join(', ')}. Choose people or units from the suggestions.`;
    }
    if (!subject.trim()) return 'Give the cable a subject.';
    if (!canonical) return `Choose a classification, for example ${LEVELS.join(', ')}.`;
    if (!LABEL_PATTERN.test(canonical)) {
      return 'A classification uses capital letters, digits, spaces and , / ( ) . _ - only, for example SECRET REL TO NATO.';
    }
    if (!level) return `Start the classification with a level: ${LEVELS.join(', ')}.`;
    if (aboveClearance) {
      return `You hold ${me.clearance} clearance: you cannot originate a cable classified ${level}.`;
    }
    if (!body.trim()) return 'Write the text of the cable.';
    const big = files.find((f) => f.size > LIMITS.attachmentBytes);
    if (big)
      return `${big.name} is ${byteSize(big.size)}; attachments are limited to ${byteSize(LIMITS.attachmentBytes)}. Use a pouch for larger documents.`;
    if (files.length > MAX_ATTACHMENTS) return `At most ${MAX_ATTACHMENTS} attachments per cable.`;
    return undefined;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
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
      const attachments: OutgoingAttachment[] = [];
      for (const f of files)
        attachments.push({ name: f.name, mediaType: f.type || 'application/octet-stream', bytes: new Uint8Array(await f.arrayBuffer()) });
      const res = await client.sendCable({
        to: allTo,
        info: allInfo,
        subject: subject.trim(),
        body,
        label: canonical,
        precedence,
        ...(attachments.length > 0 ? { attachments } : {}),
      });
      setSent({ result: res, subject: subject.trim() });
      setTo([]);
      setInfo([]);
      setSubject('');
      setBody('');
      setFiles([]);
      setPrecedence('ROUTINE');
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
        Compose cable
      </h1>
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
            {sent.result.skipped.length > 0 && (
              <p>Not reached (no enrolled device yet): {sent.result.skipped.map(directory.nameOf).join(', ')}.</p>
            )}
            <p>
              <a href={`#/message/${sent.result.id}`}>Open the sent cable</a>
            </p>
          </Status>
        </div>
      )}
      {canonical && level && <LabelBanner label={canonical} position="top" />}
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
          disabled={busy}
        />
        {underCleared.length > 0 && (
          <Status tone="warning">
            {underCleared.map(directory.nameOf).join(', ')} {underCleared.length === 1 ? 'holds' : 'hold'} a clearance below {level}: the
            server will not deliver it to them.
          </Status>
        )}
        <div className="field">
          <label htmlFor={ids.subject}>Subject</label>
          <input id={ids.subject} value={subject} onChange={(e) => setSubject(e.target.value)} maxLength={500} required disabled={busy} />
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={ids.label}>Classification</label>
            <input
              id={ids.label}
              list={ids.labels}
              value={label}
              onChange={(e) => setLabel(e.target.value.toUpperCase())}
              onBlur={() => setLabel(canonical)}
              aria-describedby={ids.labelHelp}
              aria-invalid={aboveClearance}
              autoComplete="off"
              spellCheck={false}
              required
              disabled={busy}
            />
            <datalist id={ids.labels}>
              {allowedSuggestions.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
            <p id={ids.labelHelp} className="help" aria-live="polite">
              {aboveClearance ? (
                <span className="field-warning">
                  Above your clearance ({me.clearance}): you cannot originate a {level} cable.
                </span>
              ) : (
                <>Level first, then caveats, e.g. SECRET REL TO NATO. Up to your clearance ({me.clearance}).</>
              )}
            </p>
          </div>
          <div className="field">
            <label htmlFor={ids.precedence}>Precedence</label>
            <select id={ids.precedence} value={precedence} onChange={(e) => setPrecedence(e.target.value as Precedence)} disabled={busy}>
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
        <div className="field">
          <label htmlFor={ids.files}>Attachments</label>
          <input
            id={ids.files}
            ref={fileInput}
            type="file"
            multiple
            onChange={(e) => setFiles([...(e.target.files ?? [])])}
            aria-describedby={ids.filesHelp}
            disabled={busy}
          />
          <p id={ids.filesHelp} className="help">
            Optional. Encrypted in this browser before upload; up to {byteSize(LIMITS.attachmentBytes)} each.
          </p>
          {files.length > 0 && (
            <ul className="file-list" aria-label="Chosen attachments">
              {files.map((f) => (
                <li key={`${f.name}-${f.size}-${f.lastModified}`}>
                  {f.name} <span className="subtle">({byteSize(f.size)})</span>
                </li>
              ))}
            </ul>
          )}
        </div>
        {error && <Alert>{error}</Alert>}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Encrypting and sending…' : 'Send cable'}
          </button>
          {busy && (
            <span className="help" role="status">
              Creating the cable’s MLS group for every addressee’s devices, then encrypting.
            </span>
          )}
        </div>
      </form>
      {canonical && level && <LabelBanner label={canonical} position="bottom" />}
    </section>
  );
}
