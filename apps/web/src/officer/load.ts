/** Loading what a view shows from the server, with its error and a way to load it again. */
import { useCallback, useEffect, useState } from 'react';
import { explainForOfficer } from './errors.ts';

export interface Loaded<T> {
  data: T | undefined;
  /** A sentence that says what went wrong and what to do next. */
  error: string | undefined;
  loading: boolean;
  reload(): void;
}

/** Run `load` now and whenever `reload` is called or `key` changes; the last answer wins. */
export function useLoaded<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [attempt, setAttempt] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` and `attempt` say when to load again; `load` is a fresh closure each render
  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    load().then(
      (value) => {
        if (cancelled) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (cancelled) return;
        setError(explainForOfficer(err));
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [key, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { data, error, loading, reload };
}
