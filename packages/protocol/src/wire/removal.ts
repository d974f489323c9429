import { Value } from '@sinclair/typebox/value';
import { fromUtf8 } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { RemovalRequired } from './api.ts';

/** Decode the payload of a `removal-required` queue item; BAD_QUEUE_ITEM on anything else. */
export function decodeRemovalRequired(payload: Uint8Array): RemovalRequired {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(payload));
  } catch {
    throw new ValiseError('BAD_QUEUE_ITEM', 'removal request is not JSON');
  }
  if (!Value.Check(RemovalRequired, parsed)) throw new ValiseError('BAD_QUEUE_ITEM', 'malformed removal request');
  return parsed;
}
