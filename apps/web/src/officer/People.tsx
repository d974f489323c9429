/**
 * People, for security officers: everyone with their unit, roles and clearance, searchable; one
 * opened at a time with their clearance (grant, change, revoke, history), devices (revoke) and a
 * one-time enrolment code.
 */
import type { ValiseClient } from '@valise/sdk';
import type { Person, Unit } from '@valise/sdk/browser';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { LabelChip } from '../components/Marking.tsx';
import { Alert, Status } from '../components/Notice.tsx';
import { ClearancePanel } from './Clearance.tsx';
import { EnrolmentCodePanel } from './EnrolmentCode.tsx';
import { useLoaded } from './load.ts';
import { PersonDevices } from './PersonDevices.tsx';

const ROLE_NAMES: Record<string, string> = { user: 'User', 'security-officer': 'Security officer', admin: 'Administrator' };

function matches(p: Person, unit: string, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [p.name, p.handle, unit, p.clearance, ...p.compartments, ...p.roles.map((r) => ROLE_NAMES[r] ?? r)].some((s) =>
    s.toLowerCase().includes(q),
  );
}

export function PeopleView({ client }: { client: ValiseClient }) {
  const searchId = useId();
  const loaded = useLoaded(async () => {
    const [people, units] = await Promise.all([client.admin.people(), client.units()]);
    return { people: [...people].sort((a, b) => a.name.localeCompare(b.name)), units };
  }, 'people');
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<string>();
  const unitName = useMemo(() => {
    const names = new Map((loaded.data?.units ?? []).map((u: Unit) => [u.handle, u.name]));
    return (handle: string) => names.get(handle) ?? handle;
  }, [loaded.data]);
  const people = loaded.data?.people ?? [];
  const shown = people.filter((p) => matches(p, unitName(p.unit), query));
  const person = people.find((p) => p.handle === selected);

  return (
    <div className="officer-view">
      <h1>People</h1>
      <p className="lead">Clearances, devices and enrolment codes of everyone in the organisation. Open a person to act.</p>
      {loaded.error && (
        <Alert>
          The people could not be loaded. {loaded.error}{' '}
          <button type="button" onClick={loaded.reload}>
            Try again
          </button>
        </Alert>
      )}
      <div className="split">
        <section className="split-list" aria-labelledby={`${searchId}-h`}>
          <h2 id={`${searchId}-h`} className="visually-hidden">
            Everyone
          </h2>
          <div className="field">
            <label htmlFor={searchId}>Search people</label>
            <input
              id={searchId}
              type="search"
              value={query}
              onChange={(ev) => setQuery(ev.target.value)}
              placeholder="Name, unit, clearance, role…"
              aria-describedby={`${searchId}-count`}
            />
            <span id={`${searchId}-count`} className="help" aria-live="polite">
              {loaded.data ? `${shown.length} of ${people.length} people` : ''}
            </span>
          </div>
          {loaded.loading && !loaded.data && <Status>Loading people…</Status>}
          {loaded.data && shown.length === 0 && (
            <p className="empty-inline">
              {people.length === 0
                ? 'No people yet. An administrator creates them.'
                : `Nobody matches “${query}”. Search by name, unit, clearance or role.`}
            </p>
          )}
          <ul className="person-list">
            {shown.map((p) => (
              <li key={p.handle}>
                <button type="button" className="person-button" aria-pressed={p.handle === selected} onClick={() => setSelected(p.handle)}>
                  <span className="person-name">{p.name}</span>
                  <span className="person-meta">
                    {unitName(p.unit)} · {p.roles.map((r) => ROLE_NAMES[r] ?? r).join(', ')}
                  </span>
                  <span className="person-meta">
                    <LabelChip label={p.clearance} />
                    {p.compartments.length > 0 && ` ${p.compartments.join(', ')}`}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
        <div className="split-detail">
          {person ? (
            <PersonDetail
              key={person.handle}
              client={client}
              person={person}
              unitName={unitName(person.unit)}
              nameOf={(h) => people.find((p) => p.handle === h)?.name ?? h}
              onChanged={loaded.reload}
            />
          ) : (
            loaded.data && (
              <div className="empty">
                <p>Choose a person on the list to see their clearance and devices, grant or revoke, or create an enrolment code.</p>
              </div>
            )
          )}
        </div>
      </div>
    </div>
  );
}

function PersonDetail({
  client,
  person,
  unitName,
  nameOf,
  onChanged,
}: {
  client: ValiseClient;
  person: Person;
  unitName: string;
  nameOf: (handle: string) => string;
  onChanged: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  // Opening a person moves focus to them, so keyboard and screen-reader users land on what they chose.
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <article className="person-detail" aria-labelledby="person-heading">
      <h2 id="person-heading" tabIndex={-1} ref={heading} className="person-heading">
        {person.name}
      </h2>
      <dl className="facts">
        <div>
          <dt>Handle</dt>
          <dd>{person.handle}</dd>
        </div>
        <div>
          <dt>Unit</dt>
          <dd>{unitName}</dd>
        </div>
        <div>
          <dt>Roles</dt>
          <dd>{person.roles.map((r) => ROLE_NAMES[r] ?? r).join(', ')}</dd>
        </div>
      </dl>
      <ClearancePanel client={client} person={person} nameOf={nameOf} onChanged={onChanged} />
      <PersonDevices client={client} person={person} />
      <EnrolmentCodePanel client={client} person={person} />
    </article>
  );
}
