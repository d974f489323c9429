/** Storage of encrypted attachments: opaque bytes, readable by the conversation's members. */
import type { Db } from '../db/schema.ts';
import { bytesOf } from '../db/transactions.ts';

export async function insertBlob(
  db: Db,
  blob: { id: string; conversationId: string; uploaderDeviceId: string; data: Uint8Array },
  now: Date,
): Promise<void> {
  await db
    .insertInto('blobs')
    .values({
      id: blob.id,
      conversation_id: blob.conversationId,
      uploader_device_id: blob.uploaderDeviceId,
      size: blob.data.length,
      data: blob.data,
      created_at: now.getTime(),
    })
    .execute();
}

export async function getBlob(db: Db, conversationId: string, blobId: string): Promise<Uint8Array | undefined> {
  const row = await db
    .selectFrom('blobs')
    .select('data')
    .where('id', '=', blobId)
    .where('conversation_id', '=', conversationId)
    .executeTakeFirst();
  return row ? bytesOf(row.data) : undefined;
}
