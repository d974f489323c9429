/**
 * Live pouch events for the pouch screens. The workspace's one live connection (mailbox.ts) passes
 * every `pouch` push here; the screens subscribe and refetch (a push carries no content, only
 * "delivered", "handover" or "missing" and the pouch id).
 */
import type { LiveEvent } from '@valise/sdk';
import { useEffect, useRef } from 'react';

export type PouchLiveEvent = Extract<LiveEvent, { type: 'pouch' }>;

const listeners = new Set<(event: PouchLiveEvent) => void>();

/** Tell the pouch screens that something happened to a pouch (called by the live connection's handler). */
export function publishPouchEvent(event: PouchLiveEvent): void {
  for (const listener of listeners) listener(event);
}

/** Call `onEvent` for every pouch push while the component is mounted. */
export function usePouchEvents(onEvent: (event: PouchLiveEvent) => void): void {
  const latest = useRef(onEvent);
  latest.current = onEvent;
  useEffect(() => {
    const listener = (event: PouchLiveEvent) => latest.current(event);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
}
