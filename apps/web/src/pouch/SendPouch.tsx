/**
 * Send a pouch: documents (drag and drop, or choose), the consignee unit, the label (only what the
 * writer may write), when the hand-over is expected; who will be able to open it, as the SDK works it
 * out (cleared people's devices with published pouch keys, and who is left out); then seal here and
 * upload, resumably: the sealed pouch stays in this page, and sending again continues where the
 * server is.
 */
import type { PouchSealing, SentPouch, ValiseClient } from '@valise/sdk';
import { blobUploadSource, clearanceOf, pouchDocumentFromFile, sealedPouchBlob } from '@valise/sdk/browser';
import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { type LabelChoice, LabelPicker, NO_LABEL, withOwnCountry } from '../components/LabelPicker.tsx';
import { Alert, Status } from '../components/Notice.tsx';
import type { Directory } from '../directory.ts';
import { byteSize, localTime } from '../format.ts';
import { composeLabel, useLabelPolicy } from '../labels.ts';
import { useMe } from '../me.ts';
import { DropZone } from './DropZone.tsx';
import { type PouchProblem, pouchProblem } from './errors.ts';
import { ProblemAlert, Progress } from './parts.tsx';
import './pouch.css';

/** Bytes per upload request: small enough for steady progress, large enough to be quick. */
const UPLOAD_CHUNK = 1024 * 1024;
const DEFAULT_HOURS = 72;

interface Sealed {
  blob: Blob;
  sealNumber: string;
  consigneeUnit: string;
  label: string;
  documents: number;
}

type Phase = 'editing' | 'sealing' | 'uploading' | 'paused' | 'failed' | 'sent';

type Preview =
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'ready'; sealing: PouchSealing }
  | { state: 'error'; problem: PouchProblem };

export function SendPouch({ client, directory }: { client: ValiseClient; directory: Directory }) {
  const { policy } = useLabelPolicy();
  const me = useMe(client);
  const writer = useMemo(() => (me.person ? clearanceOf(me.person) : undefined), [me.person]);
  const [files, setFiles] = useState<File[]>([]);
  const [unit, setUnit] = useState('');
  const [choice, setChoice] = useState<LabelChoice>(NO_LABEL);
  const [hours, setHours] = useState(String(DEFAULT_HOURS));
  const [phase, setPhase] = useState<Phase>('editing');
  const [sealProgress, setSealProgress] = useState({ bytes: 0, total: 0 });
  const [uploadProgress, setUploadProgress] = useState({ bytes: 0, total: 0 });
  const [sealed, setSealed] = useState<Sealed>();
  const [sent, setSent] = useState<SentPouch>();
  const [problem, setProblem] = useState<PouchProblem>();
  const [preview, setPreview] = useState<Preview>({ state: 'idle' });
  const abort = useRef<AbortController | undefined>(undefined);
  const id = useId();

  const label = useMemo(() => {
    if (!policy || !writer) return undefined;
    try {
      return composeLabel(policy, withOwnCountry(policy, choice, writer.nationality));
    } catch {
      return undefined;
    }
  }, [policy, writer, choice]);
  const expectedHours = Number(hours);
  const hoursValid = Number.isInteger(expectedHours) && expectedHours >= 1 && expectedHours <= 720;
  const locked = sealed !== undefined || phase === 'sealing';

  // Who will be able to open it: the SDK's own answer (directory, clearances, published pouch keys), nothing sealed.
  useEffect(() => {
    // Once sealed, the answer stands as it was when the pouch was sealed.
    if (locked) return;
    if (!unit || !label) {
      setPreview({ state: 'idle' });
      return;
    }
    let cancelled = false;
    setPreview({ state: 'checking' });
    const timer = setTimeout(() => {
      client.pouch.seal({ files: [], toUnit: unit, label: label.text }).then(
        (sealing) => {
          if (!cancelled) setPreview({ state: 'ready', sealing });
        },
        (err: unknown) => {
          if (!cancelled) setPreview({ state: 'error', problem: pouchProblem(err) });
        },
      );
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [client, unit, label, locked]);

  async function upload(pouch: Sealed) {
    setPhase('uploading');
    setProblem(undefined);
    const controller = new AbortController();
    abort.current = controller;
    try {
      const result = await client.pouch.transport.send(blobUploadSource(pouch.blob), {
        expectedHours,
        chunkBytes: UPLOAD_CHUNK,
        signal: controller.signal,
        onProgress: setUploadProgress,
      });
      setSent(result);
      setPhase('sent');
    } catch (err) {
      setProblem(pouchProblem(err));
      setPhase(controller.signal.aborted ? 'paused' : 'failed');
    } finally {
      abort.current = undefined;
    }
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (sealed) {
      // Sealed already: send again, which continues where the server is.
      await upload(sealed);
      return;
    }
    if (!label || !unit || files.length === 0 || !hoursValid) return;
    setPhase('sealing');
    setProblem(undefined);
    setSealProgress({ bytes: 0, total: files.reduce((s, f) => s + f.size, 0) });
    let pouch: Sealed;
    try {
      const sealing = await client.pouch.seal({
        files: files.map(pouchDocumentFromFile),
        toUnit: unit,
        label: label.text,
        onProgress: setSealProgress,
      });
      const blob = await sealedPouchBlob(sealing);
      pouch = { blob, sealNumber: sealing.sealNumber, consigneeUnit: unit, label: sealing.label, documents: files.length };
      setSealed(pouch);
    } catch (err) {
      setProblem(pouchProblem(err));
      setPhase('failed');
      return;
    }
    await upload(pouch);
  }

  function startOver() {
    setFiles([]);
    setSealed(undefined);
    setSent(undefined);
    setProblem(undefined);
    setSealProgress({ bytes: 0, total: 0 });
    setUploadProgress({ bytes: 0, total: 0 });
    setPhase('editing');
  }

  const ready = policy !== undefined && writer !== undefined;
  const busy = phase === 'sealing' || phase === 'uploading';
  const canSeal = !locked && !busy && label !== undefined && unit !== '' && files.length > 0 && hoursValid;
  const dueBy = hoursValid ? new Date(Date.now() + expectedHours * 3_600_000).toISOString() : undefined;
  const units = directory.units.slice().sort((a, b) => a.name.localeCompare(b.name));

  return (
    <section className="pouch-send" aria-labelledby={`${id}-title`}>
      <div className="toolbar">
        <h1 id={`${id}-title`}>Send a pouch</h1>
        <a href="#/pouches">Back to pouches</a>
      </div>
      <p className="help pouch-intro">
        A diplomatic pouch carries documents under seal to a unit. It is sealed in this browser to the devices of the unit’s people whom the
        label allows; every hand-over on the way is signed for and shown on its custody timeline.
      </p>
      {me.error && <Alert>{me.error}</Alert>}
      {!ready && !me.error && <Status>Loading the label policy and your clearance…</Status>}
      {phase === 'sent' && sent && sealed ? (
        <div className="pouch-sent">
          <Status tone="success">
            <p>
              <strong>Pouch sent:</strong> seal number <span className="seal-number">{sealed.sealNumber}</span>, {sealed.documents}{' '}
              {sealed.documents === 1 ? 'document' : 'documents'}, {byteSize(sent.pouch.size)}, {sealed.label}, to{' '}
              {directory.nameOf(sealed.consigneeUnit)}.{sent.resumedAt > 0 && <> The upload continued from {byteSize(sent.resumedAt)}.</>}
            </p>
          </Status>
          <div className="actions">
            <a className="button-link" href={`#/pouches/${sent.pouch.id}`}>
              View the pouch and its custody timeline
            </a>
            <button type="button" onClick={startOver}>
              Send another pouch
            </button>
          </div>
        </div>
      ) : (
        <form onSubmit={(e) => void onSubmit(e)} aria-describedby={`${id}-title`} noValidate>
          <DropZone files={files} onChange={setFiles} disabled={locked || busy} />
          <div className="field-row">
            <div className="field">
              <label htmlFor={`${id}-unit`}>Consignee unit</label>
              <select id={`${id}-unit`} value={unit} onChange={(e) => setUnit(e.target.value)} disabled={locked || busy} required>
                <option value="">Choose a unit…</option>
                {units.map((u) => (
                  <option key={u.handle} value={u.handle}>
                    {u.name}
                  </option>
                ))}
              </select>
              <p className="help">The unit the pouch is addressed to, as on its external marks.</p>
            </div>
            <div className="field">
              <label htmlFor={`${id}-hours`}>Expected hand-over within (hours)</label>
              <input
                id={`${id}-hours`}
                type="number"
                inputMode="numeric"
                min={1}
                max={720}
                value={hours}
                onChange={(e) => setHours(e.target.value)}
                disabled={locked || busy}
                aria-describedby={`${id}-hours-help`}
                aria-invalid={!hoursValid}
              />
              <p className="help" id={`${id}-hours-help`}>
                {hoursValid && dueBy ? (
                  <>By {localTime(dueBy)}. If nobody signs for it by then, security officers see it as missing.</>
                ) : (
                  <span className="field-warning">Enter a whole number of hours from 1 to 720.</span>
                )}
              </p>
            </div>
          </div>
          {policy && writer && (
            <LabelPicker
              policy={policy}
              writer={writer}
              value={choice}
              labelText={label?.text}
              onChange={setChoice}
              disabled={locked || busy}
            />
          )}
          <RecipientsPreview preview={preview} unit={unit} labelText={label?.text} directory={directory} />
          {problem && <ProblemAlert problem={problem} />}
          {(phase === 'sealing' || sealed) && (
            <div className="pouch-progress">
              <Progress label="Sealing" bytes={sealed ? sealProgress.total : sealProgress.bytes} total={sealProgress.total} />
              <Progress label="Uploading" bytes={uploadProgress.bytes} total={uploadProgress.total || sealed?.blob.size || 0} />
              <p role="status" className="help">
                {phase === 'sealing' && 'Sealing in this browser…'}
                {phase === 'uploading' && 'Uploading the sealed pouch…'}
                {phase === 'paused' && 'Paused. Resume sending to continue where the upload stopped.'}
                {phase === 'failed' &&
                  sealed &&
                  'The sealed pouch is kept in this page: resume sending to continue where the upload stopped.'}
              </p>
            </div>
          )}
          <div className="actions">
            {!sealed ? (
              <button type="submit" className="primary" disabled={!canSeal}>
                {phase === 'sealing' ? 'Sealing…' : 'Seal and send'}
              </button>
            ) : phase === 'uploading' ? (
              <button type="button" onClick={() => abort.current?.abort()}>
                Pause upload
              </button>
            ) : (
              <>
                <button type="submit" className="primary">
                  Resume sending
                </button>
                <button type="button" onClick={startOver}>
                  Discard the sealed pouch
                </button>
              </>
            )}
            {!sealed && !canSeal && phase !== 'sealing' && (
              <span className="help">
                {files.length === 0 ? 'Add at least one document. ' : ''}
                {unit === '' ? 'Choose the consignee unit. ' : ''}
                {!label ? 'Choose a classification level.' : ''}
              </span>
            )}
          </div>
        </form>
      )}
    </section>
  );
}

/** Who will be able to open the pouch, and who of the unit is left out and why. */
function RecipientsPreview({
  preview,
  unit,
  labelText,
  directory,
}: {
  preview: Preview;
  unit: string;
  labelText: string | undefined;
  directory: Directory;
}) {
  const id = useId();
  return (
    <section className="pouch-recipients" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Who will be able to open it</h2>
      {preview.state === 'idle' && (
        <p className="help">Choose the consignee unit and the label to see whose devices the pouch is sealed to.</p>
      )}
      {preview.state === 'checking' && <p className="help">Checking the directory, clearances and published keys…</p>}
      {preview.state === 'error' && <ProblemAlert problem={preview.problem} />}
      {preview.state === 'ready' && (
        <RecipientsSummary sealing={preview.sealing} unitName={directory.nameOf(unit)} labelText={labelText ?? ''} directory={directory} />
      )}
    </section>
  );
}

function RecipientsSummary({
  sealing,
  unitName,
  labelText,
  directory,
}: {
  sealing: PouchSealing;
  unitName: string;
  labelText: string;
  directory: Directory;
}) {
  const byPerson = new Map<string, number>();
  for (const r of sealing.recipients) byPerson.set(r.person, (byPerson.get(r.person) ?? 0) + 1);
  const devices = sealing.recipients.length;
  return (
    <div className="recipients-summary" role="status">
      <p>
        <strong>
          {devices} {devices === 1 ? 'device' : 'devices'} of {byPerson.size} {byPerson.size === 1 ? 'person' : 'people'}
        </strong>{' '}
        at {unitName} will be able to open it. The device keys are checked against the audit log.
      </p>
      <ul className="people-list" aria-label="Cleared people">
        {[...byPerson].map(([handle, n]) => (
          <li key={handle}>
            <span className="tick" aria-hidden="true">
              ✓
            </span>{' '}
            {directory.nameOf(handle)} <span className="subtle">— cleared, {n === 1 ? '1 device' : `${n} devices`}</span>
          </li>
        ))}
      </ul>
      {sealing.notCleared.length > 0 && (
        <>
          <p className="left-out-title">Not cleared for {labelText} (left out):</p>
          <ul className="people-list left-out" aria-label="People left out">
            {sealing.notCleared.map((h) => (
              <li key={h}>
                <span aria-hidden="true">✗</span> {directory.nameOf(h)}{' '}
                <span className="subtle">— {directory.person(h)?.clearance ?? 'not cleared'}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {sealing.skipped.length > 0 && (
        <p className="help">Cleared but without an enrolled device: {sealing.skipped.map((h) => directory.nameOf(h)).join(', ')}.</p>
      )}
      {sealing.withoutPouchKey.length > 0 && (
        <p className="help">
          {sealing.withoutPouchKey.length} {sealing.withoutPouchKey.length === 1 ? 'device was' : 'devices were'} enrolled without a pouch
          key and cannot open it.
        </p>
      )}
    </div>
  );
}
