import type { StoredMessage } from '@valise/sdk';
import type { CSSProperties } from 'react';
import { fallbackTone, labelColours, useLabelPolicy } from '../labels.ts';

type Precedence = StoredMessage['precedence'];

/**
 * A label's colours from the organisation's label policy as inline styles (set through the CSSOM,
 * which the Content Security Policy allows); the tone class is the fallback while it loads.
 */
function useLabelLook(label: string): { className: string; style: CSSProperties | undefined; source: 'policy' | 'fallback' } {
  const { policy } = useLabelPolicy();
  const colours = labelColours(policy, label);
  return colours
    ? { className: 'tone-policy', style: { background: colours.background, color: colours.color }, source: 'policy' }
    : { className: `tone-${fallbackTone(label)}`, style: undefined, source: 'fallback' };
}

/** The classification banner shown at the top and bottom of classified content. */
export function LabelBanner({ label, position }: { label: string; position: 'top' | 'bottom' }) {
  const look = useLabelLook(label);
  return (
    <div className={`classification-banner ${look.className}`} style={look.style} data-position={position} data-colours={look.source}>
      <span className="visually-hidden">Classification: </span>
      {label}
    </div>
  );
}

/** A small label marking, for lists. */
export function LabelChip({ label }: { label: string }) {
  const look = useLabelLook(label);
  return (
    <span className={`label-chip ${look.className}`} style={look.style} data-colours={look.source}>
      {label}
    </span>
  );
}

/** Precedence, written out; FLASH and IMMEDIATE stand out. */
export function PrecedenceBadge({ precedence }: { precedence: Precedence }) {
  return (
    <span className={`precedence precedence-${precedence.toLowerCase()}`}>
      {precedence === 'FLASH' && <span aria-hidden="true">⚡ </span>}
      {precedence}
    </span>
  );
}
