/**
 * Every command prints either a human rendering or, with --json, exactly one JSON document on
 * stdout. Errors go to stderr with their stable code and a non-zero exit status.
 */
import { ValiseError } from '@valise/protocol';

export interface GlobalOptions {
  profile: string;
  json: boolean;
}

export function emit(options: { json: boolean }, value: unknown, human: () => string): void {
  if (options.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else process.stdout.write(`${human()}\n`);
}

/** What the user should do next, per error code. */
const HINTS: Record<string, string> = {
  NOT_ENROLLED: 'Log in first: valise --profile NAME login --server URL --code CODE',
  SERVER_UNREACHABLE: 'Start the server (npm start, or valise server start) or check --server.',
  PASSPHRASE_WRONG: 'Set VALISE_PASSPHRASE to the passphrase used at login for this profile.',
  PASSPHRASE_REQUIRED: 'Set VALISE_PASSPHRASE, or run in a terminal to be asked.',
  ENROLMENT_CODE_INVALID: 'Ask your security officer for a new enrolment code (codes are one-time and expire).',
  RECIPIENT_NOT_ENROLLED: 'The recipient must log in once before cables can be encrypted to their device.',
  FORBIDDEN: 'Your role does not allow this; ask a security officer or administrator.',
  POUCH_NOT_A_RECIPIENT: 'This pouch was not sealed to this device: `valise pouch inspect FILE` lists its recipient devices.',
  POUCH_OUTPUT_EXISTS: 'Valise never overwrites files: choose another -o, or an empty folder.',
  POUCH_NO_POUCH_KEY: 'A device enrolled before pouches has no pouch key: enrol it again with a new enrolment code.',
};

export function fail(options: { json: boolean }, err: unknown): never {
  const code = err instanceof ValiseError ? err.code : ((err as { code?: string })?.code ?? 'INTERNAL');
  const message = err instanceof Error ? err.message : String(err);
  if (options.json) {
    process.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
  } else {
    process.stderr.write(`error: ${message} (${code})\n`);
    const hint = HINTS[code];
    if (hint) process.stderr.write(`hint: ${hint}\n`);
  }
  process.exit(1);
}

/** A one-line progress indicator on stderr, only for humans at a terminal. */
export function progress(options: { json: boolean }, label: string): { update(text: string): void; done(text?: string): void } {
  const live = !options.json && process.stderr.isTTY;
  return {
    update(text) {
      if (live) process.stderr.write(`\r\x1b[2K${label}: ${text}`);
    },
    done(text) {
      if (live) process.stderr.write(`\r\x1b[2K${text ? `${label}: ${text}\n` : ''}`);
    },
  };
}
