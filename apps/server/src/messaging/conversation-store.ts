/**
 * Storage of conversations (MLS groups as the delivery service sees them): kind, label, suite,
 * the current epoch, the member devices, and the latest public ratchet tree.
 */
import type { Conversation, ConversationKind } from '@valise/protocol';
import type { Selectable } from 'kysely';
import type { ConversationsTable, Db, Dialect } from '../db/schema.ts';
import { bytesOf, chunks } from '../db/transactions.ts';

export type ConversationRow = Selectable<ConversationsTable>;
export interface Member {
  deviceId: string;
  person: string;
}

export function conversationFromRow(row: ConversationRow, members: Member[]): Conversation {
  return {
    id: row.id,
    kind: row.kind as ConversationKind,
    label: row.label,
    suite: row.suite,
    epoch: row.epoch,
    members: members.map((m) => ({ deviceId: m.deviceId, person: m.person })),
    createdBy: row.created_by_person,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function insertConversation(db: Db, row: ConversationRow): Promise<void> {
  await db.insertInto('conversations').values(row).execute();
}

/**
 * Read a conversation, optionally locking its row until the transaction ends (PostgreSQL):
 * commits take it for update so exactly one commit wins each epoch; messages take it for share so
 * a message and a commit of the same epoch are queued in one order for every device.
 */
export async function getConversation(
  db: Db,
  dialect: Dialect,
  id: string,
  lock: 'none' | 'share' | 'update' = 'none',
): Promise<ConversationRow | undefined> {
  let q = db.selectFrom('conversations').selectAll().where('id', '=', id);
  if (dialect === 'postgres' && lock === 'update') q = q.forUpdate();
  if (dialect === 'postgres' && lock === 'share') q = q.forShare();
  return q.executeTakeFirst();
}

export async function setEpoch(db: Db, id: string, epoch: number): Promise<void> {
  await db.updateTable('conversations').set({ epoch }).where('id', '=', id).execute();
}

export async function membersOf(db: Db, conversationId: string): Promise<Member[]> {
  const rows = await db
    .selectFrom('conversation_members')
    .select(['device_id', 'person_handle'])
    .where('conversation_id', '=', conversationId)
    .orderBy('device_id')
    .execute();
  return rows.map((r) => ({ deviceId: r.device_id, person: r.person_handle }));
}

export async function isMember(db: Db, conversationId: string, deviceId: string): Promise<boolean> {
  const row = await db
    .selectFrom('conversation_members')
    .select('device_id')
    .where('conversation_id', '=', conversationId)
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function addMembers(db: Db, conversationId: string, members: Member[], epoch: number): Promise<void> {
  for (const part of chunks(members, 200)) {
    await db
      .insertInto('conversation_members')
      .values(part.map((m) => ({ conversation_id: conversationId, device_id: m.deviceId, person_handle: m.person, joined_epoch: epoch })))
      .execute();
  }
}

export async function removeMembers(db: Db, conversationId: string, deviceIds: string[]): Promise<void> {
  for (const part of chunks(deviceIds)) {
    await db.deleteFrom('conversation_members').where('conversation_id', '=', conversationId).where('device_id', 'in', part).execute();
  }
}

/** The conversations a device is a member of, with all their members. */
export async function conversationsOfDevice(db: Db, deviceId: string): Promise<Conversation[]> {
  const rows = await db
    .selectFrom('conversations')
    .innerJoin('conversation_members', 'conversation_members.conversation_id', 'conversations.id')
    .selectAll('conversations')
    .where('conversation_members.device_id', '=', deviceId)
    .orderBy('conversations.created_at')
    .orderBy('conversations.id')
    .execute();
  const members = new Map<string, Member[]>();
  for (const part of chunks(rows.map((r) => r.id))) {
    const memberRows = await db
      .selectFrom('conversation_members')
      .select(['conversation_id', 'device_id', 'person_handle'])
      .where('conversation_id', 'in', part)
      .orderBy('device_id')
      .execute();
    for (const m of memberRows) {
      const list = members.get(m.conversation_id) ?? [];
      list.push({ deviceId: m.device_id, person: m.person_handle });
      members.set(m.conversation_id, list);
    }
  }
  return rows.map((r) => conversationFromRow(r, members.get(r.id) ?? []));
}

/**
 * Store the tree of a new epoch. Older trees are dropped unless a welcome into their epoch is still
 * queued: a joiner whose group has moved on meanwhile still needs the tree its welcome refers to.
 */
export async function storeRatchetTree(db: Db, conversationId: string, epoch: number, tree: Uint8Array): Promise<void> {
  await db.insertInto('ratchet_trees').values({ conversation_id: conversationId, epoch, tree }).execute();
  await db
    .deleteFrom('ratchet_trees')
    .where('conversation_id', '=', conversationId)
    .where('epoch', '<', epoch)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('payloads')
            .select('payloads.id')
            .whereRef('payloads.conversation_id', '=', 'ratchet_trees.conversation_id')
            .whereRef('payloads.epoch', '=', 'ratchet_trees.epoch')
            .where('payloads.type', '=', 'welcome'),
        ),
      ),
    )
    .execute();
}

/** The tree of `epoch`, or of the latest epoch when none is given. */
export async function getRatchetTree(
  db: Db,
  conversationId: string,
  epoch?: number,
): Promise<{ epoch: number; tree: Uint8Array } | undefined> {
  let q = db.selectFrom('ratchet_trees').select(['epoch', 'tree']).where('conversation_id', '=', conversationId);
  q = epoch === undefined ? q.orderBy('epoch', 'desc').limit(1) : q.where('epoch', '=', epoch);
  const row = await q.executeTakeFirst();
  return row ? { epoch: row.epoch, tree: bytesOf(row.tree) } : undefined;
}
