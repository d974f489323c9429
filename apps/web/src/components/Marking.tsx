import type { StoredMessage } from '@valise/sdk';
import { labelTone } from '../labels.ts';

type Precedence = StoredMessage['precedence'];

/** The classification banner shown at the top and bottom of classified content. */
export function LabelBanner({ label, position }: { label: string; position: 'top' | 'bottom' }) {
  return (
    <div className={`classification-banner tone-${labelTone(label)}`} data-position={position}>
      <span className="visually-hidden">Classification: </span>
      {label}
    </div>
  );
}

/** A small label marking, for lists. */
export function LabelChip({ label }: { label: string }) {
  return <span className={`label-chip tone-${labelTone(label)}`}>{label}</span>;
}

/** Precedence, written out; FLASH and IMMEDIATE stand out. */
export function PrecedenceBadge({ precedence }: { precedence: Precedence }) {
  return <span className={`precedence precedence-${precedence.toLowerCase()}`}>{precedence}</span>;
}
