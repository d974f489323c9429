/**
 * The conversations (1:1 and groups) this device is in, with who is in each: read from the MLS
 * group this device holds, so the list shows exactly who can read what is sent into it.
 */
import type { ConversationRecord, ValiseClient } from '@valise/sdk';
import { useCallback, useEffect, useState } from 'react';
import { explain } from './errors.ts';
import type { Mailbox } from './mailbox.ts';

export interface ConversationSummary {
  record: ConversationRecord;
  /** People in the group other than this person (handles). */
  others: string[];
  /** Device leaves in the group (deviceId, person). */
  members: { deviceId: string; person: string }[];
}

export interface ConversationsState {
  list: ConversationSummary[] | undefined;
  error: string | undefined;
  reload(): Promise<void>;
}

export function useConversations(client: ValiseClient, mailbox: Mailbox): ConversationsState {
  const [list, setList] = useState<ConversationSummary[]>();
  const [error, setError] = useState<string>();
  const me = client.identity.person.handle;

  const reload = useCallback(async () => {
    try {
      const out: ConversationSummary[] = [];
      for (const record of await client.conversations()) {
        if (record.kind === 'cable') continue;
        let members: ConversationSummary['members'] = [];
        if (record.active) {
          try {
            members = await client.conversationMembers(record.id);
          } catch {
            // shown without members
          }
        }
        out.push({ record, members, others: [...new Set(members.map((m) => m.person))].filter((p) => p !== me) });
      }
      out.sort((a, b) => b.record.joinedAt.localeCompare(a.record.joinedAt));
      setList(out);
      setError(undefined);
    } catch (err) {
      setError(explain(err));
    }
  }, [client, me]);

  // Joins arrive with syncs, which reload the mailbox: follow it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: mailbox.entries is the reload trigger
  useEffect(() => {
    void reload();
  }, [reload, mailbox.entries]);

  return { list, error, reload };
}

/** "Bob Brown", "Bob Brown and Carol Chen", "Bob, Carol and 3 others". */
export function titleOf(summary: ConversationSummary, nameOf: (h: string) => string): string {
  const names = summary.others.map(nameOf);
  if (names.length === 0) return 'Only you';
  if (names.length <= 3) return names.length === 1 ? (names[0] as string) : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${names.slice(0, 2).join(', ')} and ${names.length - 2} others`;
}
