/**
 * The operator's store check: every logged event, re-encoded from the `security_events` table,
 * must hash (with its salt) to the leaf at its index; every leaf must have its event. Returns the
 * problems found, each naming the log index, so a changed event row or leaf row is located.
 */
import type { Db } from '../db/schema.ts';
import { bytesOf } from '../db/transactions.ts';
import { canonicalJson, eventCommitment } from './canonical.ts';

export interface StoreProblem {
  index: number;
  problem: 'missing-event' | 'event-changed' | 'commitment-mismatch';
}

const PAGE = 1000;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export async function verifyStoredEvents(db: Db): Promise<StoreProblem[]> {
  const problems: StoreProblem[] = [];
  for (let start = 0; ; start += PAGE) {
    const rows = await db
      .selectFrom('log_entries')
      .leftJoin('log_events', 'log_events.idx', 'log_entries.idx')
      .leftJoin('security_events', 'security_events.id', 'log_events.event_id')
      .select([
        'log_entries.idx as idx',
        'log_entries.leaf as leaf',
        'log_events.salt as salt',
        'log_events.event as logged',
        'security_events.id as id',
        'security_events.at as at',
        'security_events.type as type',
        'security_events.actor_person as actor_person',
        'security_events.actor_device as actor_device',
        'security_events.target as target',
        'security_events.code as code',
        'security_events.details as details',
      ])
      .where('log_entries.idx', '>=', start)
      .where('log_entries.idx', '<', start + PAGE)
      .orderBy('log_entries.idx')
      .execute();
    for (const r of rows) {
      const index = Number(r.idx);
      if (r.salt === null || r.logged === null || r.id === null || r.at === null || r.details === null) {
        problems.push({ index, problem: 'missing-event' });
        continue;
      }
      let canonical: string;
      try {
        canonical = canonicalJson({
          id: r.id,
          at: new Date(Number(r.at)).toISOString(),
          type: r.type,
          actor: { person: r.actor_person, device: r.actor_device },
          target: r.target,
          code: r.code,
          details: JSON.parse(r.details),
        });
      } catch {
        problems.push({ index, problem: 'event-changed' });
        continue;
      }
      if (canonical !== r.logged) problems.push({ index, problem: 'event-changed' });
      else if (!sameBytes(eventCommitment(bytesOf(r.salt), canonical), bytesOf(r.leaf)))
        problems.push({ index, problem: 'commitment-mismatch' });
    }
    if (rows.length < PAGE) break;
  }
  return problems;
}
