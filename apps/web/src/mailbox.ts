/**
 * The mailbox of the open device: what it has decrypted, kept fresh by the live connection (the
 * server pushes "something is queued", the SDK drains and decrypts) and by manual refresh.
 */
import { type InboxEntry, PRECEDENCE_RANK, type ValiseClient } from '@valise/sdk';
import { useCallback, useEffect, useState } from 'react';
import { codeOf, explain } from './errors.ts';

export type LiveState = 'connecting' | 'live' | 'offline';

export interface Mailbox {
  entries: InboxEntry[] | undefined;
  live: LiveState;
  syncing: boolean;
  /** The latest problem worth telling the person about. */
  problem: string | undefined;
  /** A polite announcement of new arrivals, for screen readers and the status line. */
  announcement: string;
  refresh(): Promise<void>;
  reload(): Promise<void>;
  dismissProblem(): void;
}

/** FLASH first, then IMMEDIATE, PRIORITY, ROUTINE; newest first within a precedence. */
export function byPrecedence(a: InboxEntry, b: InboxEntry): number {
  return PRECEDENCE_RANK[a.precedence] - PRECEDENCE_RANK[b.precedence] || b.received.localeCompare(a.received);
}

function undecryptable(n: number): string {
  return n === 1
    ? 'One message could not be decrypted or verified and was set aside. If this repeats, tell your security officer.'
    : `${n} messages could not be decrypted or verified and were set aside. If this repeats, tell your security officer.`;
}

export function useMailbox(client: ValiseClient): Mailbox {
  const [entries, setEntries] = useState<InboxEntry[]>();
  const [live, setLive] = useState<LiveState>('connecting');
  const [syncing, setSyncing] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [announcement, setAnnouncement] = useState('');

  const reload = useCallback(async () => {
    try {
      setEntries(await client.inbox({ includeSent: true }));
    } catch (err) {
      setProblem(explain(err));
    }
  }, [client]);

  useEffect(() => {
    void reload();
    const connect = () =>
      client.connect((event) => {
        switch (event.type) {
          case 'connected':
            setLive('live');
            break;
          case 'disconnected':
            setLive('offline');
            break;
          case 'synced': {
            const fresh = event.result.messages.filter((m) => !m.outgoing);
            if (fresh.length > 0) {
              setAnnouncement(fresh.length === 1 ? `New: ${fresh[0]?.precedence} ${fresh[0]?.subject}` : `${fresh.length} new messages`);
            }
            if (event.result.problems.length > 0) setProblem(undecryptable(event.result.problems.length));
            void reload();
            break;
          }
          case 'error':
            if (codeOf(event) === 'SERVER_UNREACHABLE') setLive('offline');
            else setProblem(explain(event));
            break;
        }
      });
    // Connect on the next tick: React's development double-mount then cancels the first attempt
    // before it starts (the SDK's LiveConnection cannot be closed while it is still authenticating).
    const timer = setTimeout(connect, 0);
    return () => {
      clearTimeout(timer);
      client.close();
    };
  }, [client, reload]);

  const refresh = useCallback(async () => {
    setSyncing(true);
    setProblem(undefined);
    try {
      const result = await client.sync();
      if (result.problems.length > 0) setProblem(undecryptable(result.problems.length));
      const fresh = result.messages.filter((m) => !m.outgoing).length;
      setAnnouncement(fresh === 0 ? 'Up to date: nothing new' : fresh === 1 ? 'One new message' : `${fresh} new messages`);
      await reload();
    } catch (err) {
      setProblem(explain(err));
    } finally {
      setSyncing(false);
    }
  }, [client, reload]);

  return { entries, live, syncing, problem, announcement, refresh, reload, dismissProblem: () => setProblem(undefined) };
}
