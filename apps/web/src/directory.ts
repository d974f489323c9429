/** The organisation's directory (people and units), loaded once per session for names and suggestions. */
import type { ValiseClient } from '@valise/sdk';
import type { Person, Unit } from '@valise/sdk/browser';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { explain } from './errors.ts';

export interface Directory {
  people: Person[];
  units: Unit[];
  error: string | undefined;
  /** A person's or unit's name for a handle; the handle itself when unknown. */
  nameOf(handle: string): string;
  person(handle: string): Person | undefined;
  unit(handle: string): Unit | undefined;
  reload(): Promise<void>;
}

export function useDirectory(client: ValiseClient): Directory {
  const [people, setPeople] = useState<Person[]>([]);
  const [units, setUnits] = useState<Unit[]>([]);
  const [error, setError] = useState<string>();

  const reload = useCallback(async () => {
    try {
      const [p, u] = await Promise.all([client.people(), client.units()]);
      setPeople(p);
      setUnits(u);
      setError(undefined);
    } catch (err) {
      setError(explain(err));
    }
  }, [client]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return useMemo(() => {
    const byPerson = new Map(people.map((p) => [p.handle, p]));
    const byUnit = new Map(units.map((u) => [u.handle, u]));
    return {
      people,
      units,
      error,
      reload,
      person: (h: string) => byPerson.get(h),
      unit: (h: string) => byUnit.get(h),
      nameOf: (h: string) => byPerson.get(h)?.name ?? byUnit.get(h)?.name ?? h,
    };
  }, [people, units, error, reload]);
}
