/**
 * Pouch errors as a code and a sentence saying what to do. The SDK, the protocol and the server give
 * stable codes; anything else falls back to the app's general explanations.
 */
import { codeOf, explain } from '../errors.ts';

const ADVICE: Record<string, string> = {
  POUCH_NOT_A_RECIPIENT:
    'This device is not among the devices the pouch was sealed to (it was enrolled after sealing, or the label does not allow you). Ask the sender to seal it again.',
  POUCH_CHAIN_INCOMPLETE: 'The pouch has not been signed for at your unit. Sign for receipt first, then open it.',
  POUCH_NO_POUCH_KEY: 'A device involved was enrolled before pouches existed and has no pouch key. Enrol the device again.',
  POUCH_NO_RECIPIENTS:
    'Nobody in that unit cleared for this label has an enrolled device. Choose another label or unit, or ask them to enrol a device.',
  POUCH_SEAL_BROKEN: 'The seal does not verify: the pouch was altered after sealing. Do not use it; report it to your security officer.',
  POUCH_MARKS_TAMPERED: 'The external marks were altered after sealing. Do not use the pouch; report it to your security officer.',
  POUCH_PAYLOAD_SWAPPED: 'The contents are not the ones that were sealed. Do not use the pouch; report it to your security officer.',
  POUCH_UNTRUSTED_SENDER:
    'The sender’s key is not the one the directory and the audit log publish. Do not use the pouch; report it to your security officer.',
  POUCH_RECEIPT_FORGED: 'A custody receipt does not verify. Report it to your security officer before going further.',
  POUCH_RECEIPT_OUT_OF_ORDER: 'The custody receipts are out of order. Report it to your security officer before going further.',
  POUCH_RECEIPT_MISSING: 'A custody receipt is missing from the chain. Report it to your security officer before going further.',
  POUCH_REPLAYED: 'This seal number was already used for another pouch: this may be a replay. Report it to your security officer.',
  POUCH_LABEL_NOT_ALLOWED: 'Your clearance does not allow this pouch’s label now. Ask your security officer.',
  POUCH_TRUNCATED: 'The pouch file is incomplete. Try again: the transfer continues where it stopped.',
  POUCH_PARTIAL_MISMATCH: 'The partial download does not match the server’s pouch. Try again: it starts over.',
  POUCH_NOT_AVAILABLE: 'The pouch is not fully uploaded yet. Wait for the sender to finish, then try again.',
  POUCH_REJECTED: 'The server refused this pouch because its bytes did not verify. Ask the sender to seal and send it again.',
  POUCH_HANDOVER_FROM_MISMATCH: 'The pouch was last held by someone else than named. Check who handed it to you.',
  CANCELLED: 'The transfer was interrupted. Try again: it continues where it stopped.',
  UNKNOWN_UNIT: 'That unit is not in the directory. Choose one from the list.',
};

export interface PouchProblem {
  code: string | undefined;
  text: string;
}

/** What went wrong and what to do, with the error's stable code. */
export function pouchProblem(err: unknown): PouchProblem {
  const code = codeOf(err);
  const advice = code ? ADVICE[code] : undefined;
  if (!advice) return { code, text: explain(err) };
  const message = typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : '';
  return { code, text: message ? `${advice} (${message.replace(/\.$/, '')}.)` : advice };
}
