/**
 * Errors as a security officer reads them: what the server refused and what to do next. Codes the
 * diplomat's screens explain differently (FORBIDDEN there is about labels) are worded for officers
 * here; anything else falls back to the app's explanations.
 */
import { codeOf, explain } from '../errors.ts';

function messageOf(err: unknown): string {
  const m = typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
  return m.replace(/\.$/, '');
}

const ADVICE: Record<string, (message: string) => string> = {
  FORBIDDEN: (m) =>
    `The server refused: ${m}. Only security officers may do this, and not for themselves; if you should be able to, ask an administrator to check your roles.`,
  NOT_FOUND: (m) => `Not found: ${m}. It may have been removed meanwhile; reload the page and try again.`,
  CONFLICT: (m) => `Nothing changed: ${m}. Reload to see the current state.`,
  SECOND_OFFICER_REQUIRED: () =>
    'A second, different security officer cleared for this label must approve it: the one who asked cannot, nor an officer whose clearance does not cover the label.',
  APPROVAL_NOT_PENDING: (m) => `This approval can no longer be decided: ${m}. Reload the list.`,
  BAD_REQUEST: (m) => `The server did not accept this: ${m}. Correct it and try again.`,
  AUDIT_KEY_CHANGED: () =>
    'The server now signs its audit log with other keys than the ones this device pinned. Do not trust the log: report this to your operator and the ministry’s CERT at once.',
  AUDIT_CHECKPOINT_UNVERIFIED: (m) =>
    `The audit log’s checkpoint does not verify (${m}). Do not trust the log: report this to your operator.`,
  AUDIT_ROLLBACK: (m) => `The audit log went backwards: ${m}. History may have been removed: report this to your operator and the CERT.`,
  AUDIT_FORK: (m) =>
    `The audit log is not consistent with the one this device verified before: ${m}. History may have been rewritten: report this to your operator and the CERT.`,
  AUDIT_TILE_MISMATCH: (m) =>
    `The audit log’s stored entries do not add up to its signed root: ${m}. History may have been altered: report this to your operator and the CERT.`,
  AUDIT_EVENT_MISMATCH: (m) =>
    `${m.charAt(0).toUpperCase()}${m.slice(1)}. The server changed or withheld an event: report this to your operator.`,
  AUDIT_LOG_UNAVAILABLE: (m) => `The audit log could not be read (${m}). Try again; if it persists, tell your operator.`,
};

/** A readable explanation of an error met on the security officer's screens, ending with what to do. */
export function explainForOfficer(err: unknown): string {
  const code = codeOf(err);
  const advice = code ? ADVICE[code] : undefined;
  return advice ? advice(messageOf(err)) : explain(err);
}
