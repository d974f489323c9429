/**
 * The label checks of the delivery service that concern other people than the caller: who may be
 * added to a conversation, which queue items a device may no longer have, and which conversations
 * a person may no longer be in.
 */
import type { ServiceContext } from '../context.ts';
import type { Db } from '../db/schema.ts';
import { serverError } from '../errors.ts';
import type { Actor } from '../identity/authentication.ts';
import type { AccessControl } from '../policy/access.ts';
import { recordSecurityEvent } from '../policy/security-events.ts';
import type { QueuedPayload } from './queue-store.ts';

/**
 * Queue items about a conversation: content or keys (welcome, commit, message), or who is being cut
 * off from it (removal-required). Withheld from devices that may not read it.
 */
const CONTENT_ITEMS: ReadonlySet<string> = new Set(['welcome', 'commit', 'message', 'removal-required']);

type Caller = Awaited<ReturnType<AccessControl['caller']>>;

/** Only people cleared for the conversation's label may have devices added (LABEL_NOT_DOMINATED, naming them). */
export async function assertCleared(
  trx: Db,
  access: AccessControl,
  labelText: string,
  added: { deviceId: string; person: string }[],
): Promise<void> {
  if (added.length === 0) return;
  const label = access.labels.stored(labelText);
  const subjects = await access.subjects(
    trx,
    added.map((a) => a.person),
  );
  const refused: string[] = [];
  for (const person of new Set(added.map((a) => a.person))) {
    const subject = subjects.get(person);
    if (!subject || !access.engine.canJoin(subject, label).allowed) refused.push(person);
  }
  if (refused.length > 0) {
    const shown = refused.slice(0, 10).join(', ') + (refused.length > 10 ? ` and ${refused.length - 10} more` : '');
    throw serverError(
      'LABEL_NOT_DOMINATED',
      `adding devices to this conversation is refused: the clearance of ${shown} does not dominate its label (${labelText})`,
    );
  }
}

/**
 * The items of a queue page the caller may not have (the conversation's label now, or the item's
 * own, is not readable), by seq, with the refusal's code: one decision per distinct label.
 */
export function withheldItems(access: AccessControl, caller: Caller, items: QueuedPayload[]): Map<number, string> {
  const verdicts = new Map<string, string | null>();
  const refusal = (label: string): string | null => {
    let v = verdicts.get(label);
    if (v === undefined) {
      const decision = access.readable(caller, label);
      v = decision.allowed ? null : decision.code;
      verdicts.set(label, v);
    }
    return v;
  };
  const out = new Map<number, string>();
  for (const item of items) {
    if (!CONTENT_ITEMS.has(item.payload.type)) continue;
    const code = refusal(item.conversationLabel) ?? refusal(item.payload.label);
    if (code !== null) out.set(item.seq, code);
  }
  return out;
}

/** One access-denied event per conversation whose items were withheld from the device. */
export async function recordWithheld(
  ctx: ServiceContext,
  actor: Actor,
  items: QueuedPayload[],
  withheld: Map<number, string>,
): Promise<void> {
  const byConversation = new Map<string, { code: string; count: number; label: string }>();
  for (const item of items) {
    const code = withheld.get(item.seq);
    if (code === undefined) continue;
    const entry = byConversation.get(item.payload.conversation_id) ?? { code, count: 0, label: item.conversationLabel };
    entry.count++;
    byConversation.set(item.payload.conversation_id, entry);
  }
  for (const [conversationId, { code, count, label }] of byConversation) {
    await recordSecurityEvent(ctx.db, ctx, {
      type: 'access-denied',
      actor: { person: actor.person.handle, device: actor.deviceId },
      target: `conversation:${conversationId}`,
      code,
      details: { action: 'deliver', withheld: count, label },
    });
  }
}

/** The conversations a person's devices are in but the person may no longer join, with those devices. */
export async function conversationsNoLongerReadable(
  db: Db,
  access: AccessControl,
  person: string,
): Promise<{ conversationId: string; deviceIds: string[] }[]> {
  const subject = (await access.subjects(db, [person])).get(person);
  const rows = await db
    .selectFrom('conversation_members')
    .innerJoin('conversations', 'conversations.id', 'conversation_members.conversation_id')
    .select(['conversation_members.conversation_id', 'conversation_members.device_id', 'conversations.label'])
    .where('conversation_members.person_handle', '=', person)
    .orderBy('conversation_members.conversation_id')
    .orderBy('conversation_members.device_id')
    .execute();
  const out = new Map<string, string[]>();
  const verdicts = new Map<string, boolean>();
  for (const r of rows) {
    let cleared = verdicts.get(r.label);
    if (cleared === undefined) {
      try {
        cleared = subject !== undefined && access.engine.canJoin(subject, access.labels.stored(r.label)).allowed;
      } catch {
        // A label the policy in force no longer parses admits no one.
        cleared = false;
      }
      verdicts.set(r.label, cleared);
    }
    if (cleared) continue;
    const list = out.get(r.conversation_id) ?? [];
    list.push(r.device_id);
    out.set(r.conversation_id, list);
  }
  return [...out].map(([conversationId, deviceIds]) => ({ conversationId, deviceIds }));
}
