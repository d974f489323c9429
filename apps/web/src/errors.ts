/**
 * Errors as sentences a diplomat can act on: what happened and what to do next. The SDK and the
 * server give stable codes; anything unknown still shows its own message and code.
 */
interface CodedError {
  code?: string;
  message?: string;
}

const ADVICE: Record<string, (message: string) => string> = {
  SERVER_UNREACHABLE: () => 'The Valise server cannot be reached. Check the server address and your network connection, then try again.',
  BAD_SERVER_URL: () =>
    'The server address is not valid. Enter it as given by your security officer, for example https://valise.mfa.example.',
  ENROLMENT_CODE_INVALID: () =>
    'This enrolment code was not accepted: it may be mistyped, already used or expired. Check it, or ask your security officer for a new one.',
  ALREADY_ENROLLED: () => 'This browser already holds an enrolled device. Reload the page to open it.',
  NOT_ENROLLED: () => 'No device is enrolled in this browser. Log in with an enrolment code.',
  DEVICE_REVOKED: () =>
    'This device has been revoked by a security officer and can no longer send or receive. Ask your security officer for a new enrolment code.',
  UNAUTHENTICATED: () =>
    'The server did not accept this device’s credentials. Reload the page; if it persists, contact your security officer.',
  SIGNATURE_INVALID: () =>
    'The server did not accept this device’s signature. Contact your security officer: the device may need to be enrolled again.',
  NO_RECIPIENTS: () => 'Add at least one action addressee in “To”.',
  UNKNOWN_RECIPIENT: (m) => `${capitalise(m)}. Choose a person or unit from the suggestions.`,
  RECIPIENT_NOT_ENROLLED: (m) =>
    `${capitalise(m.split(':')[0] ?? m)}: nothing can be encrypted to them yet. Ask them to log in once, then send again.`,
  FORBIDDEN: (m) => `Not permitted: ${m}. The label may be above your clearance or a recipient’s; check it with your security officer.`,
  LABEL_NOT_DOMINATED: (m) =>
    `Nothing was sent: ${m}. Choose a label within your clearance; if a security officer has just changed it, reload the page.`,
  RECIPIENT_NOT_CLEARED: (m) => {
    // "not cleared to read SECRET: carol@… (CONFIDENTIAL, FRD); … Nothing was sent"
    const parts = /^not cleared to read (.+?): (.+?)\.\s*Nothing was sent$/s.exec(m);
    if (!parts) return `Nothing was sent: ${m}. Remove the addressees who may not read it, or choose a label they may read.`;
    const who = parts[2]!.split('; ');
    return `Nothing was sent: ${who.join(', ')} ${who.length === 1 ? 'is' : 'are'} not cleared to read ${parts[1]}. Remove ${
      who.length === 1 ? 'this addressee' : 'these addressees'
    }, or choose a label they may read.`;
  },
  LABEL_POLICY_MISMATCH: () => 'This label was made under another label policy than this server’s. Choose the label again.',
  LABEL_POLICY_INVALID: () => 'The server’s label policy could not be read. Tell your operator.',
  PAYLOAD_TOO_LARGE: () => 'This is larger than the server accepts. Send smaller attachments, or use a pouch for large documents.',
  TOO_MANY_REQUESTS: () => 'The server is limiting requests from this device. Wait a minute, then try again.',
  STORE_CORRUPT: () =>
    'The encrypted storage in this browser cannot be read (its key may have been cleared). Forget this device here, then enrol again with a new code.',
  STORAGE_UNAVAILABLE: (m) => `${capitalise(m)}.`,
  STORAGE_FULL: () => 'The browser has no room left for Valise. Free some disk space, then reload.',
  CRYPTO_UNAVAILABLE: () => 'This browser offers no WebCrypto here. Open Valise over https (or on localhost).',
  MESSAGE_NOT_FOUND: () => 'This message is not on this device. Go back to the inbox and refresh.',
  EPOCH_MISMATCH: () => 'Someone changed this conversation at the same moment. Try again.',
  UNAVAILABLE: () => 'The server is temporarily unavailable. Try again in a moment.',
};

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A readable explanation of an error, ending with what to do. */
export function explain(err: unknown): string {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as CodedError;
  const message = (e.message ?? 'unknown error').replace(/\.$/, '');
  const advice = e.code ? ADVICE[e.code] : undefined;
  if (advice) return advice(message);
  if (e.code === 'BAD_REQUEST') return `The server refused the request: ${message}.`;
  if (e.code?.startsWith('HTTP_5') || e.code === 'INTERNAL')
    return 'The server failed to handle this request. Try again; if it persists, tell your operator.';
  return e.code ? `${capitalise(message)} (${e.code}).` : `${capitalise(message)}.`;
}

/** The stable code of an error, if it has one. */
export function codeOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
