/**
 * The bodies of the C2SP tlog-witness `add-checkpoint` call (c2sp.org/tlog-witness): the request
 * (`old <size>` line, at most 63 base64 consistency-proof hashes, an empty line, a signed
 * checkpoint note), the 200 response (one or more note signature lines: the witness's
 * cosignatures) and the 409 response (`<size>\n`, Content-Type text/x.tlog.size). Parsing is
 * strict and throws only ValiseError: WITNESS_REQUEST_MALFORMED or WITNESS_RESPONSE_MALFORMED.
 */
import { fromUtf8 } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { TLOG_HASH_SIZE } from '../tlog/hash.ts';
import { fromStdBase64, toStdBase64 } from './base64.ts';
import { type Checkpoint, expectTreeSize, parseCheckpoint } from './checkpoint.ts';
import {
  DEFAULT_NOTE_LIMITS,
  formatSignatureLine,
  type NoteSignature,
  type ParsedNote,
  parseSignatureLine,
  parseSignedNote,
} from './signed-note.ts';

/** The most consistency proof lines a client may send (the spec's limit: a proof of a 2^63-leaf tree). */
export const MAX_WITNESS_PROOF_LINES = 63;

/** The media type of a 409 response body. */
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';

/** Largest request body accepted: a maximal note plus the old size and proof lines. */
export const MAX_ADD_CHECKPOINT_BYTES = DEFAULT_NOTE_LIMITS.maxNoteBytes + 64 * 64;

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** A parsed add-checkpoint request. */
export interface AddCheckpointRequest {
  readonly oldSize: number;
  /** RFC 6962 consistency proof from oldSize to the checkpoint's size. */
  readonly proof: readonly Uint8Array[];
  /** The checkpoint's signed note, exactly as sent. */
  readonly note: string;
  /** The note split into text and signatures (nothing verified). */
  readonly parsedNote: ParsedNote;
  readonly checkpoint: Checkpoint;
}

function requestMalformed(message: string, cause?: unknown): ValiseError {
  return new ValiseError('WITNESS_REQUEST_MALFORMED', message, cause === undefined ? undefined : { cause });
}

function responseMalformed(message: string, cause?: unknown): ValiseError {
  return new ValiseError('WITNESS_RESPONSE_MALFORMED', message, cause === undefined ? undefined : { cause });
}

function decodeText(body: string | Uint8Array, limit: number, bad: (m: string) => ValiseError): string {
  if (typeof body === 'string') {
    if (!body.isWellFormed()) throw bad('body must be valid Unicode');
    return body;
  }
  if (!(body instanceof Uint8Array)) throw bad('body must be bytes or a string');
  if (body.length > limit) throw bad('body too large');
  try {
    return fromUtf8(body);
  } catch {
    throw bad('body must be valid UTF-8');
  }
}

function parseSize(text: string, bad: (m: string) => ValiseError): number {
  if (!DECIMAL.test(text)) throw bad('tree size must be decimal without leading zeros');
  const size = Number(text);
  if (!Number.isSafeInteger(size)) throw bad('tree size beyond 2^53 - 1');
  return size;
}

/** Encode an add-checkpoint request body. */
export function encodeAddCheckpointRequest(oldSize: number, proof: readonly Uint8Array[], note: string): string {
  expectTreeSize(oldSize);
  if (proof.length > MAX_WITNESS_PROOF_LINES) throw requestMalformed(`at most ${MAX_WITNESS_PROOF_LINES} proof lines`);
  for (const h of proof) if (!(h instanceof Uint8Array) || h.length !== TLOG_HASH_SIZE) throw requestMalformed('proof hashes are 32 bytes');
  parseSignedNote(note);
  return `old ${oldSize}\n${proof.map((h) => `${toStdBase64(h)}\n`).join('')}\n${note}`;
}

/**
 * Parse an add-checkpoint request body strictly: the old size line, 0 to 63 proof lines of one
 * 32-byte hash each, an empty line, then a signed note whose text is a checkpoint. Does not
 * compare the old size with the checkpoint's (the witness answers that with its own 400).
 */
export function parseAddCheckpointRequest(body: string | Uint8Array): AddCheckpointRequest {
  const text = decodeText(body, MAX_ADD_CHECKPOINT_BYTES, requestMalformed);
  const blank = text.indexOf('\n\n');
  if (blank < 0) throw requestMalformed('request needs an old size line, proof lines and an empty line before the checkpoint');
  const head = text.slice(0, blank).split('\n');
  const note = text.slice(blank + 2);
  const oldLine = head[0]!;
  if (!oldLine.startsWith('old ')) throw requestMalformed('the first line must be "old <size>"');
  const oldSize = parseSize(oldLine.slice(4), requestMalformed);
  const proofLines = head.slice(1);
  if (proofLines.length > MAX_WITNESS_PROOF_LINES) throw requestMalformed(`at most ${MAX_WITNESS_PROOF_LINES} proof lines`);
  const proof = proofLines.map((line) => {
    let hash: Uint8Array;
    try {
      hash = fromStdBase64(line, 'WITNESS_REQUEST_MALFORMED');
    } catch (cause) {
      throw requestMalformed('a proof line is not base64', cause);
    }
    if (hash.length !== TLOG_HASH_SIZE) throw requestMalformed('a proof line must hold one 32-byte hash');
    return hash;
  });
  let parsedNote: ParsedNote;
  let checkpoint: Checkpoint;
  try {
    parsedNote = parseSignedNote(note);
    checkpoint = parseCheckpoint(parsedNote.text);
  } catch (cause) {
    throw requestMalformed(`the checkpoint is malformed: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
  }
  return { oldSize, proof, note, parsedNote, checkpoint };
}

/** Encode a 200 response body: one signature line per cosignature. */
export function encodeCosignatureResponse(signatures: readonly NoteSignature[]): string {
  if (signatures.length === 0) throw responseMalformed('a response needs at least one cosignature');
  return signatures.map(formatSignatureLine).join('');
}

/** Parse a 200 response body: one or more note signature lines, each ending in a newline. */
export function parseCosignatureResponse(body: string | Uint8Array): NoteSignature[] {
  const text = decodeText(body, DEFAULT_NOTE_LIMITS.maxNoteBytes, responseMalformed);
  if (text.length === 0 || !text.endsWith('\n')) throw responseMalformed('response must be signature lines ending in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length > DEFAULT_NOTE_LIMITS.maxSignatures) throw responseMalformed('too many signature lines');
  try {
    return lines.map(parseSignatureLine);
  } catch (cause) {
    throw responseMalformed('a signature line is malformed', cause);
  }
}

/** Encode a 409 response body: the latest cosigned tree size and a newline. */
export function encodeTreeSizeBody(size: number): string {
  expectTreeSize(size);
  return `${size}\n`;
}

/** Parse a 409 response body. */
export function parseTreeSizeBody(body: string): number {
  if (typeof body !== 'string' || !body.endsWith('\n')) throw responseMalformed('size body must end with a newline');
  return parseSize(body.slice(0, -1), responseMalformed);
}
