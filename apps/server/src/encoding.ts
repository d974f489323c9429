import { fromBase64Url } from '@valise/protocol';
import { serverError } from './errors.ts';

/** Decode a base64url field of a request; a non-canonical encoding is a bad request, not a crash. */
export function decodeField(value: string, field: string, exactLength?: number): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(value);
  } catch {
    throw serverError('BAD_ENCODING', `${field} is not canonical unpadded base64url`);
  }
  if (exactLength !== undefined && bytes.length !== exactLength) {
    throw serverError('BAD_REQUEST', `${field} must be ${exactLength} bytes`);
  }
  return bytes;
}
