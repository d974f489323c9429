/**
 * C2SP signed notes (c2sp.org/signed-note): a UTF-8 text ending in a newline, a blank line, then
 * one or more lines `— <key name> <base64(key ID || signature)>`. Parsing is strict and never
 * throws anything but ValiseError: NOTE_MALFORMED (syntax), NOTE_TOO_LARGE (size or signature
 * count), NOTE_AMBIGUOUS_KEY (two configured verifiers share a name and key ID), NOTE_BAD_SIGNATURE
 * (a known key's signature fails) and NOTE_UNVERIFIED (no known key signed).
 */
import { concatBytes, fromUtf8, utf8 } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { fromStdBase64, toStdBase64 } from './base64.ts';
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './keys.ts';
import { hasAsciiControl } from './text.ts';

/** Limits applied when parsing. The spec requires accepting at least 16 signatures. */
export interface NoteLimits {
  /** Most signature lines accepted (golang.org/x/mod uses 100). */
  readonly maxSignatures: number;
  /** Most bytes of UTF-8 accepted for the whole note: 100 ML-DSA-44 cosignatures fit in 1 MiB. */
  readonly maxNoteBytes: number;
}

export const DEFAULT_NOTE_LIMITS: NoteLimits = { maxSignatures: 100, maxNoteBytes: 1 << 20 };

/** One signature line of a note. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The signature bytes after the 4-byte key ID. */
  readonly signature: Uint8Array;
}

/** A note split into text and signatures, nothing verified. */
export interface ParsedNote {
  /** The note text, final newline included. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** A note whose signatures from known keys all verified, at least one of them. */
export interface OpenedNote {
  readonly text: string;
  /** Verified signatures, one per known key, in note order. */
  readonly verified: readonly NoteSignature[];
  /** Signatures from unknown keys (identical lines once), ignored as the spec requires. */
  readonly unverified: readonly NoteSignature[];
  /** The verifiers that accepted a signature, in note order. */
  readonly verifiedBy: readonly NoteVerifier[];
}

const EM_DASH_SPACE = '\u2014 ';

function malformed(message: string): ValiseError {
  return new ValiseError('NOTE_MALFORMED', message);
}

/** Throw NOTE_MALFORMED unless `text` is a valid note text: UTF-8, no control character but newline, ends in newline. */
export function expectNoteText(text: string): void {
  if (typeof text !== 'string' || !text.isWellFormed()) throw malformed('note text must be valid Unicode');
  if (!text.endsWith('\n')) throw malformed('note text must end with a newline');
  if (hasAsciiControl(text, true)) throw malformed('note text must not contain control characters');
}

/** Format one signature line, newline included. */
export function formatSignatureLine(sig: NoteSignature): string {
  if (!isValidKeyName(sig.name)) throw new ValiseError('NOTE_BAD_KEY', 'invalid key name');
  if (!Number.isInteger(sig.keyId) || sig.keyId < 0 || sig.keyId > 0xffffffff) throw new ValiseError('NOTE_BAD_KEY', 'invalid key ID');
  if (sig.signature.length < 1) throw malformed('empty signature');
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, sig.keyId);
  return `${EM_DASH_SPACE}${sig.name} ${toStdBase64(concatBytes(id, sig.signature))}\n`;
}

/** Parse one signature line (without its newline) strictly; else NOTE_MALFORMED. */
export function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(EM_DASH_SPACE)) throw malformed('signature line must start with an em dash and a space');
  const rest = line.slice(EM_DASH_SPACE.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw malformed('signature line must have a key name and a signature');
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) throw malformed('invalid key name in signature line');
  const raw = fromStdBase64(rest.slice(space + 1), 'NOTE_MALFORMED');
  if (raw.length < 5) throw malformed('signature too short');
  const keyId = new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0);
  return { name, keyId, signature: raw.slice(4) };
}

/** Split a signed note into text and signature lines without verifying anything. */
export function parseSignedNote(note: Uint8Array | string, limits: NoteLimits = DEFAULT_NOTE_LIMITS): ParsedNote {
  let message: string;
  if (typeof note === 'string') {
    if (!note.isWellFormed()) throw malformed('note must be valid Unicode');
    message = note;
    if (utf8(message).length > limits.maxNoteBytes) throw new ValiseError('NOTE_TOO_LARGE', 'note too large');
  } else if (note instanceof Uint8Array) {
    if (note.length > limits.maxNoteBytes) throw new ValiseError('NOTE_TOO_LARGE', 'note too large');
    try {
      message = fromUtf8(note);
    } catch {
      throw malformed('note must be valid UTF-8');
    }
  } else {
    throw malformed('note must be bytes or a string');
  }
  if (hasAsciiControl(message, true)) throw malformed('note must not contain control characters');
  // The text is separated from the signatures by the last empty line.
  const split = message.lastIndexOf('\n\n');
  if (split < 0) throw malformed('note has no signature block');
  const text = message.slice(0, split + 1);
  const block = message.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) throw malformed('signature block must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > limits.maxSignatures) throw new ValiseError('NOTE_TOO_LARGE', 'too many signatures');
  return { text, signatures: lines.map(parseSignatureLine) };
}

const keyOf = (name: string, keyId: number): string => `${name}\n${keyId}`;
const lineOf = (sig: NoteSignature): string => `${keyOf(sig.name, sig.keyId)}\n${toStdBase64(sig.signature)}`;

/**
 * Parse a signed note and verify it against known keys, as c2sp.org/signed-note requires:
 * signatures from unknown keys (name and key ID not both matching) are ignored; every signature
 * from a known key must verify (else NOTE_BAD_SIGNATURE for the whole note); at least one must
 * (else NOTE_UNVERIFIED). Identical repeated lines count once, as in golang.org/x/mod.
 */
export async function openNote(
  note: Uint8Array | string,
  verifiers: readonly NoteVerifier[],
  limits: NoteLimits = DEFAULT_NOTE_LIMITS,
): Promise<OpenedNote> {
  const parsed = parseSignedNote(note, limits);
  const known = new Map<string, NoteVerifier[]>();
  for (const v of verifiers) {
    const k = keyOf(v.name, v.keyId);
    known.set(k, [...(known.get(k) ?? []), v]);
  }
  const text = utf8(parsed.text);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const verifiedBy: NoteVerifier[] = [];
  const seenLines = new Set<string>();
  const seenKeys = new Set<string>();
  for (const sig of parsed.signatures) {
    const line = lineOf(sig);
    if (seenLines.has(line)) continue;
    seenLines.add(line);
    const k = keyOf(sig.name, sig.keyId);
    const candidates = known.get(k);
    if (candidates === undefined) {
      unverified.push(sig);
      continue;
    }
    if (candidates.length > 1) throw new ValiseError('NOTE_AMBIGUOUS_KEY', `ambiguous key ${sig.name}`);
    const verifier = candidates[0]!;
    // A second, different signature by a known key is verified too: the spec says every
    // signature from a known key MUST be verified.
    if (!(await verifier.verify(text, sig.signature))) throw new ValiseError('NOTE_BAD_SIGNATURE', `invalid signature for key ${sig.name}`);
    if (seenKeys.has(k)) continue;
    seenKeys.add(k);
    verified.push(sig);
    verifiedBy.push(verifier);
  }
  if (verified.length === 0) throw new ValiseError('NOTE_UNVERIFIED', 'note has no verifiable signatures');
  return { text: parsed.text, verified, unverified, verifiedBy };
}

/**
 * Sign a note text with one or more signers. `existing` signatures (e.g. those of a note being
 * cosigned) come first, except any from a key that signs now; the new lines follow, as in
 * golang.org/x/mod. The result is checked to parse back under `limits`.
 */
export async function signNote(
  text: string,
  signers: readonly NoteSigner[],
  existing: readonly NoteSignature[] = [],
  limits: NoteLimits = DEFAULT_NOTE_LIMITS,
): Promise<string> {
  expectNoteText(text);
  if (signers.length === 0 && existing.length === 0) throw malformed('a signed note needs at least one signature');
  const signing = new Set<string>();
  for (const s of signers) {
    if (!isValidKeyName(s.name)) throw new ValiseError('NOTE_BAD_KEY', 'invalid signer key name');
    const k = keyOf(s.name, s.keyId);
    if (signing.has(k)) throw new ValiseError('NOTE_BAD_KEY', `signer ${s.name} given twice`);
    signing.add(k);
  }
  const bytes = utf8(text);
  let out = `${text}\n`;
  const seenLines = new Set<string>();
  for (const sig of existing) {
    if (signing.has(keyOf(sig.name, sig.keyId))) continue;
    const line = formatSignatureLine(sig);
    if (seenLines.has(line)) continue;
    seenLines.add(line);
    out += line;
  }
  for (const s of signers) out += formatSignatureLine({ name: s.name, keyId: s.keyId, signature: await s.sign(bytes) });
  parseSignedNote(out, limits);
  return out;
}
