/**
 * What travels inside an MLS application message: a cable or a conversation message. Only the
 * members' devices ever see this; the server sees the MLS ciphertext and the envelope's label and
 * precedence. The label is repeated here, inside what the sender's MLS leaf signs, so a server
 * that rewrites the envelope's label is caught by every recipient (LABEL_MISMATCH).
 */
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { fromUtf8, utf8 } from '../bytes.ts';
import { ValiseError } from '../errors.ts';
import { Base64Url, Handle, Id, LabelText, Precedence } from '../wire/common.ts';

export const AttachmentRef = Type.Object(
  {
    blobId: Id,
    name: Type.String({ minLength: 1, maxLength: 255 }),
    mediaType: Type.String({ maxLength: 127 }),
    size: Type.Integer({ minimum: 0 }),
    /** AES-256-GCM key and nonce of this attachment, known only to the members. */
    key: Base64Url(32, 32),
    nonce: Base64Url(12, 12),
    sha256: Base64Url(32, 32),
  },
  { additionalProperties: false },
);
export type AttachmentRef = Static<typeof AttachmentRef>;

export const MessageContent = Type.Object(
  {
    v: Type.Literal(1),
    kind: Type.Union([Type.Literal('cable'), Type.Literal('message')]),
    label: LabelText,
    precedence: Precedence,
    subject: Type.String({ maxLength: 500 }),
    body: Type.String({ maxLength: 1024 * 1024 }),
    tags: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 }),
    originator: Handle,
    /** Action and info addressees: people or whole units. */
    action: Type.Array(Handle, { maxItems: 500 }),
    info: Type.Array(Handle, { maxItems: 500 }),
    attachments: Type.Array(AttachmentRef, { maxItems: 50 }),
    sentAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type MessageContent = Static<typeof MessageContent>;

/** Encode message content for encryption. */
export function encodeMessageContent(content: MessageContent): Uint8Array {
  assertMessageContent(content);
  return utf8(JSON.stringify(content));
}

/** Decode and validate decrypted message content; throws BAD_MESSAGE_CONTENT on anything else. */
export function decodeMessageContent(bytes: Uint8Array): MessageContent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(bytes));
  } catch (cause) {
    throw new ValiseError('BAD_MESSAGE_CONTENT', 'decrypted message is not valid JSON', { cause });
  }
  assertMessageContent(parsed);
  return parsed;
}

function assertMessageContent(value: unknown): asserts value is MessageContent {
  if (!Value.Check(MessageContent, value)) {
    const first = Value.Errors(MessageContent, value).First();
    throw new ValiseError('BAD_MESSAGE_CONTENT', `invalid message content at ${first?.path || '/'}: ${first?.message ?? 'invalid'}`);
  }
}
