/**
 * The server's stable error codes and their HTTP statuses, in one place. Services throw
 * `serverError(code, message)`; the HTTP error handler maps the code to a status. Messages say
 * what was wrong with the request, never a secret or a body.
 */
import { ValiseError } from '@valise/protocol';

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  BAD_ENCODING: 400,
  ENROLMENT_CODE_INVALID: 400,
  KEY_PACKAGE_INVALID: 400,
  // Labels in requests (the protocol's codes): malformed, unknown level, unknown compartment / REL TO code / privacy mark.
  LABEL_SYNTAX: 400,
  LABEL_UNKNOWN_LEVEL: 400,
  LABEL_UNKNOWN_CATEGORY: 400,
  LABEL_POLICY_MISMATCH: 400,
  UNAUTHENTICATED: 401,
  CHALLENGE_INVALID: 401,
  SIGNATURE_INVALID: 401,
  FORBIDDEN: 403,
  DEVICE_REVOKED: 403,
  NOT_A_MEMBER: 403,
  // Policy refusals (policy/engine.ts): each is recorded as a security event.
  LABEL_NOT_DOMINATED: 403,
  LABEL_EXCEEDS_CONVERSATION: 403,
  CLEARANCE_EXPIRED: 403,
  EXPORT_NOT_PERMITTED: 403,
  RELABEL_NOT_PERMITTED: 403,
  DOWNGRADE_NOT_PERMITTED: 403,
  JUSTIFICATION_REQUIRED: 403,
  SECOND_OFFICER_REQUIRED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  EPOCH_MISMATCH: 409,
  APPROVAL_NOT_PENDING: 409,
  // Devices that may no longer read a conversation are still in its MLS group: a member must commit their removal first.
  REMOVAL_PENDING: 409,
  // Pouch transport (pouch/): an upload that continues elsewhere, a pouch not (or no longer) in the state asked for.
  POUCH_OFFSET_MISMATCH: 409,
  POUCH_REJECTED: 409,
  POUCH_NOT_AVAILABLE: 409,
  POUCH_UNKNOWN_UNIT: 400,
  POUCH_BAD_INPUT: 400,
  // A pouch or a custody receipt that fails a check of the protocol (pouch/open.ts, custody.ts): well-formed request, refused content.
  POUCH_BAD_FORMAT: 422,
  POUCH_TRUNCATED: 422,
  POUCH_UNSUPPORTED_VERSION: 422,
  POUCH_MARKS_TAMPERED: 422,
  POUCH_SEAL_BROKEN: 422,
  POUCH_SIGNATURE_INVALID: 422,
  POUCH_PAYLOAD_SWAPPED: 422,
  POUCH_RECEIPT_FORGED: 422,
  POUCH_RECEIPT_FOR_OTHER_POUCH: 422,
  POUCH_RECEIPT_MISSING: 422,
  POUCH_RECEIPT_OUT_OF_ORDER: 422,
  POUCH_RECEIPT_TIME: 422,
  POUCH_CHAIN_INCOMPLETE: 422,
  PAYLOAD_TOO_LARGE: 413,
  RANGE_NOT_SATISFIABLE: 416,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ServerErrorCode = keyof typeof ERROR_STATUS;

/** A ValiseError whose code the HTTP layer knows. */
export function serverError(code: ServerErrorCode, message: string): ValiseError {
  return new ValiseError(code, message);
}

export function statusOf(code: string): number | undefined {
  return (ERROR_STATUS as Record<string, number>)[code];
}
