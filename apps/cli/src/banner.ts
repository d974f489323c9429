/**
 * Classification banners on a terminal: the label's colours from the organisation's label policy,
 * as 24-bit ANSI colours when stdout is a terminal, plain text otherwise (pipes, files, --json).
 */
import type { LabelPolicy } from '@valise/protocol';

function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The level is the first segment of the canonical label text. */
function levelOf(labelText: string): string {
  return labelText.split('//')[0]!.trim();
}

export function paintLabel(policy: LabelPolicy | undefined, labelText: string, text: string = labelText): string {
  if (!policy || !process.stdout.isTTY) return text;
  const level = policy.levels.find((l) => l.name === levelOf(labelText));
  if (!level) return text;
  const [br, bg, bb] = rgb(level.colour);
  const [fr, fg, fb] = rgb(level.textColour);
  return `\x1b[48;2;${br};${bg};${bb}m\x1b[38;2;${fr};${fg};${fb}m\x1b[1m${text}\x1b[0m`;
}

/** A full-width banner line, as at the top and bottom of every view of content. */
export function banner(policy: LabelPolicy | undefined, labelText: string): string {
  const width = Math.max(40, Math.min(process.stdout.columns ?? 80, 100));
  const pad = Math.max(0, width - labelText.length);
  const line = `${' '.repeat(Math.floor(pad / 2))}${labelText}${' '.repeat(Math.ceil(pad / 2))}`;
  return policy && process.stdout.isTTY ? paintLabel(policy, labelText, line) : `${'='.repeat(width)}\n${line}\n${'='.repeat(width)}`;
}
