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
  UNAUTHENTICATED: 401,
  CHALLENGE_INVALID: 401,
  SIGNATURE_INVALID: 401,
  FORBIDDEN: 403,
  DEVICE_REVOKED: 403,
  NOT_A_MEMBER: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  EPOCH_MISMATCH: 409,
  PAYLOAD_TOO_LARGE: 413,
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
