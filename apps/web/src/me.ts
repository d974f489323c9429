/**
 * The signed-in person as the server sees them now (GET /me): their clearance, compartments and
 * nationality decide which labels they may write. The copy kept from enrolment may be stale
 * (a security officer may have changed the clearance since), so the screens ask the server.
 */
import type { Person, ValiseClient } from '@valise/sdk';
import { useCallback, useEffect, useState } from 'react';
import { explain } from './errors.ts';

export interface MeState {
  /** The person from the server; undefined until it answers. */
  person: Person | undefined;
  error: string | undefined;
  reload(): void;
}

export function useMe(client: ValiseClient): MeState {
  const [person, setPerson] = useState<Person>();
  const [error, setError] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt is the reload trigger
  useEffect(() => {
    let cancelled = false;
    setError(undefined);
    client.me().then(
      (me) => {
        if (!cancelled) setPerson(me.person);
      },
      (err: unknown) => {
        if (!cancelled) setError(explain(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [client, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { person, error, reload };
}
