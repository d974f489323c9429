/** Rows of pouches and their custody receipts, and their wire form. */
import { type PouchHop, type PouchSummary, toHex } from '@valise/protocol';
import type { Selectable } from 'kysely';
import type { Db, PouchesTable, PouchReceiptsTable } from '../db/schema.ts';
import { bytesOf } from '../db/transactions.ts';

export type PouchRow = Selectable<PouchesTable>;
export type ReceiptRow = Selectable<PouchReceiptsTable>;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function pouchSummary(row: PouchRow): PouchSummary {
  return {
    id: row.id,
    sealNumber: row.seal_number,
    sender: { person: row.sender_person, unit: row.sender_unit, device: row.sender_device },
    consigneeUnit: row.consignee_unit,
    label: row.label,
    privacyMark: row.privacy_mark,
    itemCount: row.item_count,
    size: row.size,
    received: row.received,
    status: row.status,
    rejection: row.rejection,
    pouchDigest: row.pouch_digest === null ? null : toHex(bytesOf(row.pouch_digest)),
    createdAt: iso(row.created_at),
    availableAt: isoOrNull(row.available_at),
    holder: row.holder,
    hops: row.hops,
    expectedBy: isoOrNull(row.expected_by),
    missingSince: isoOrNull(row.missing_at),
  };
}

export function hopOf(row: ReceiptRow): PouchHop {
  return {
    sequence: row.sequence,
    at: iso(row.at),
    place: row.place,
    from: row.from_name,
    taker: { handle: row.taker_handle, device: row.taker_device },
    receiptDigest: toHex(bytesOf(row.receipt_digest)),
    recordedAt: iso(row.recorded_at),
  };
}

export async function getPouchRow(db: Db, id: string): Promise<PouchRow | undefined> {
  return db.selectFrom('pouches').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function receiptRows(db: Db, id: string): Promise<ReceiptRow[]> {
  return db.selectFrom('pouch_receipts').selectAll().where('pouch', '=', id).orderBy('sequence').execute();
}

/** Live devices of these people. */
export async function liveDevicesOf(db: Db, people: readonly string[]): Promise<string[]> {
  if (people.length === 0) return [];
  const rows = await db
    .selectFrom('devices')
    .select('id')
    .where('person_handle', 'in', [...new Set(people)])
    .where('revoked_at', 'is', null)
    .execute();
  return rows.map((r) => r.id);
}
