/** Small pieces the pouch screens share: a problem with its code, a labelled progress bar, the status of a pouch. */
import type { PouchSummary } from '@valise/sdk/browser';
import { useId } from 'react';
import { Alert } from '../components/Notice.tsx';
import { byteSize, localTime } from '../format.ts';
import type { PouchProblem } from './errors.ts';

/** An error with its stable code and what to do. */
export function ProblemAlert({ problem }: { problem: PouchProblem }) {
  return (
    <Alert>
      <p>{problem.text}</p>
      {problem.code && (
        <p className="problem-code">
          Code: <code>{problem.code}</code>
        </p>
      )}
    </Alert>
  );
}

/** A named progress bar with its figures written out. */
export function Progress({ label, bytes, total }: { label: string; bytes: number; total: number }) {
  const id = useId();
  const percent = total > 0 ? Math.min(100, Math.floor((bytes / total) * 100)) : 0;
  return (
    <div className="progress-row">
      <span id={id} className="progress-label">
        {label}
      </span>
      <progress aria-labelledby={id} max={100} value={percent} />
      <span className="progress-figures">
        {percent}%{' '}
        <span className="subtle">
          ({byteSize(bytes)} of {byteSize(total)})
        </span>
      </span>
    </div>
  );
}

/** The pouch's status in words, the missing flag first. */
export function statusText(pouch: PouchSummary): string {
  if (pouch.missingSince) return `Missing since ${localTime(pouch.missingSince)}`;
  switch (pouch.status) {
    case 'uploading':
      return `Uploading (${pouch.size > 0 ? Math.floor((pouch.received / pouch.size) * 100) : 0}%)`;
    case 'available':
      return pouch.hops > 0 ? 'In transit' : 'Delivered, awaiting signature';
    case 'received':
      return 'Signed for at destination';
    case 'rejected':
      return `Rejected${pouch.rejection ? ` (${pouch.rejection})` : ''}`;
  }
}

export function StatusBadge({ pouch }: { pouch: PouchSummary }) {
  const tone = pouch.missingSince ? 'missing' : pouch.status;
  return (
    <span className={`pouch-status pouch-status-${tone}`}>
      {pouch.missingSince && <span aria-hidden="true">⚠ </span>}
      {statusText(pouch)}
    </span>
  );
}
