/**
 * C2SP transparency log checkpoints (c2sp.org/tlog-checkpoint): the note text
 * `<origin>\n<tree size>\n<base64 root hash>\n[extension lines\n]`, formatted and parsed strictly
 * (CHECKPOINT_MALFORMED). Tree sizes are JavaScript numbers: sizes above 2^53 - 1 are refused.
 */
import { ValiseError } from '../errors.ts';
import { fromStdBase64, toStdBase64 } from './base64.ts';
import type { NoteSigner, NoteVerifier } from './keys.ts';
import { DEFAULT_NOTE_LIMITS, type NoteLimits, type OpenedNote, openNote, signNote } from './signed-note.ts';
import { hasAsciiControl } from './text.ts';

export interface Checkpoint {
  /** The log's identity; the spec asks clients not to assume it follows any format. */
  readonly origin: string;
  /** Number of leaves in the tree. */
  readonly size: number;
  /** RFC 6962 Merkle tree hash at `size`: 32 bytes. */
  readonly rootHash: Uint8Array;
  /** Opaque, non-empty extension lines (not recommended by the spec). */
  readonly extensions: readonly string[];
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

function malformed(message: string): ValiseError {
  return new ValiseError('CHECKPOINT_MALFORMED', message);
}

function expectLine(line: string, what: string): void {
  if (typeof line !== 'string' || line.length === 0) throw malformed(`${what} must be non-empty`);
  if (!line.isWellFormed() || hasAsciiControl(line, false)) throw malformed(`${what} must be one line of valid text`);
}

/** Throw CHECKPOINT_MALFORMED unless `size` is a whole number from 0 to 2^53 - 1. */
export function expectTreeSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw malformed('tree size must be an integer from 0 to 2^53 - 1');
}

/** Format a checkpoint's note text. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  expectLine(checkpoint.origin, 'origin');
  expectTreeSize(checkpoint.size);
  if (!(checkpoint.rootHash instanceof Uint8Array) || checkpoint.rootHash.length !== 32) throw malformed('root hash must be 32 bytes');
  for (const line of checkpoint.extensions) expectLine(line, 'extension line');
  const lines = [checkpoint.origin, String(checkpoint.size), toStdBase64(checkpoint.rootHash), ...checkpoint.extensions];
  return `${lines.join('\n')}\n`;
}

/** Parse a checkpoint's note text strictly. */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw malformed('checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('checkpoint needs origin, size and root hash lines');
  const [origin, sizeLine, hashLine, ...extensions] = lines as [string, string, string, ...string[]];
  expectLine(origin, 'origin');
  if (!DECIMAL.test(sizeLine)) throw malformed('tree size must be decimal without leading zeros');
  const size = Number(sizeLine);
  expectTreeSize(size);
  const rootHash = fromStdBase64(hashLine, 'CHECKPOINT_MALFORMED');
  if (rootHash.length !== 32) throw malformed('root hash must be 32 bytes');
  for (const line of extensions) expectLine(line, 'extension line');
  return { origin, size, rootHash, extensions };
}

/** Format and sign a checkpoint as a signed note. */
export async function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSigner[]): Promise<string> {
  return signNote(formatCheckpoint(checkpoint), signers);
}

/** Open a signed note (see openNote) and parse its text as a checkpoint. */
export async function openCheckpoint(
  note: Uint8Array | string,
  verifiers: readonly NoteVerifier[],
  limits: NoteLimits = DEFAULT_NOTE_LIMITS,
): Promise<{ checkpoint: Checkpoint; note: OpenedNote }> {
  const opened = await openNote(note, verifiers, limits);
  return { checkpoint: parseCheckpoint(opened.text), note: opened };
}
