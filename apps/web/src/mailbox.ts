/**
 * The mailbox of the open device: what it has decrypted, kept fresh by the live connection (the
 * server pushes "something is queued", the SDK drains and decrypts) and by manual refresh.
 */
import { type DeviceAlert, type InboxEntry, inboxEntryOf, PRECEDENCE_RANK, type StoredMessage, type ValiseClient } from '@valise/sdk';
import { useCallback, useEffect, useState } from 'react';
import { codeOf, explain } from './errors.ts';
import { publishPouchEvent } from './pouch/live.ts';

export type LiveState = 'connecting' | 'live' | 'offline';

export interface Mailbox {
  entries: InboxEntry[] | undefined;
  /** Full decrypted contents by message id, for search and threads (never leaves the browser). */
  messages: Map<string, StoredMessage>;
  /** Alerts about devices of this person that this device did not enrol. */
  alerts: DeviceAlert[];
  reloadAlerts(): Promise<void>;
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

/** Words of a query all found in a message's subject, text, originator, addressees or tags (case-insensitive). */
export function matches(m: StoredMessage | undefined, entry: InboxEntry, query: string, nameOf: (h: string) => string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const people = [entry.from, ...(m ? [m.originator, ...m.action, ...m.info] : [])];
  const haystack = [
    entry.subject,
    entry.label,
    entry.precedence,
    ...people,
    ...people.map(nameOf),
    ...(m ? [m.body, ...m.tags, ...m.attachments.map((a) => a.name)] : []),
  ]
    .join('\n')
    .toLowerCase();
  return words.every((w) => haystack.includes(w));
}

function undecryptable(n: number): string {
  return n === 1
    ? 'One message could not be decrypted or verified and was set aside. If this repeats, tell your security officer.'
    : `${n} messages could not be decrypted or verified and were set aside. If this repeats, tell your security officer.`;
}

export function useMailbox(client: ValiseClient): Mailbox {
  const [entries, setEntries] = useState<InboxEntry[]>();
  const [messages, setMessages] = useState(new Map<string, StoredMessage>());
  const [alerts, setAlerts] = useState<DeviceAlert[]>([]);
  const [live, setLive] = useState<LiveState>('connecting');
  const [syncing, setSyncing] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [announcement, setAnnouncement] = useState('');

  const reload = useCallback(async () => {
    try {
      const all = await client.messages({ includeSent: true });
      setMessages(new Map(all.map((m) => [m.id, m])));
      setEntries(all.map(inboxEntryOf).sort((a, b) => b.received.localeCompare(a.received)));
    } catch (err) {
      setProblem(explain(err));
    }
  }, [client]);

  const reloadAlerts = useCallback(async () => {
    try {
      setAlerts(await client.deviceAlerts());
    } catch (err) {
      setProblem(explain(err));
    }
  }, [client]);

  useEffect(() => {
    void reload();
    void reloadAlerts();
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
            void reloadAlerts();
            break;
          }
          case 'pouch':
            publishPouchEvent(event);
            break;
          case 'error':
            if (codeOf(event) === 'SERVER_UNREACHABLE') setLive('offline');
            else setProblem(explain(event));
            break;
        }
      });
    // Connect on the next tick: React's development double-mount then cancels the first attempt
    // before it starts (the SDK's LiveConnection cannot be closed while it is still authenticating).
    const timer = setTimeout(connect, 0);
    // Enrolling a device queues nothing for this one: scan the audit log's key events now and then.
    const monitor = setInterval(() => {
      client.monitorDevices().then(
        () => reloadAlerts(),
        () => undefined,
      );
    }, 60_000);
    return () => {
      clearTimeout(timer);
      clearInterval(monitor);
      client.close();
    };
  }, [client, reload, reloadAlerts]);

  const refresh = useCallback(async () => {
    setSyncing(true);
    setProblem(undefined);
    try {
      const result = await client.sync();
      if (result.problems.length > 0) setProblem(undecryptable(result.problems.length));
      const fresh = result.messages.filter((m) => !m.outgoing).length;
      setAnnouncement(fresh === 0 ? 'Up to date: nothing new' : fresh === 1 ? 'One new message' : `${fresh} new messages`);
      await reload();
      await reloadAlerts();
    } catch (err) {
      setProblem(explain(err));
    } finally {
      setSyncing(false);
    }
  }, [client, reload, reloadAlerts]);

  return {
    entries,
    messages,
    alerts,
    reloadAlerts,
    live,
    syncing,
    problem,
    announcement,
    refresh,
    reload,
    dismissProblem: () => setProblem(undefined),
  };
}
