/**
 * A person's clearance for a security officer: what they hold now, a form to grant or change it
 * (level, compartments, nationality, expiry, export right, reason — the label policy's levels and
 * compartments only), their grants with revocation, and the full history. The server decides;
 * an officer cannot change their own clearance, so the form is not offered for oneself.
 */
import type { ValiseClient } from '@valise/sdk';
import type { Person } from '@valise/sdk/browser';
import { type FormEvent, useId, useState } from 'react';
import { LabelChip } from '../components/Marking.tsx';
import { Alert, Status } from '../components/Notice.tsx';
import { localTime } from '../format.ts';
import { useLabelPolicy } from '../labels.ts';
import { explainForOfficer } from './errors.ts';
import { useLoaded } from './load.ts';
import type { ClearanceGrant, PersonClearances } from './types.ts';

const DAY_MS = 24 * 3600 * 1000;

/** "YYYY-MM-DD" of a date, in UTC (the date input's value). */
function dateValue(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The end of a chosen day (UTC), so a clearance "until 31 March" holds all that day. */
function endOfDay(date: string): Date {
  return new Date(`${date}T23:59:59.000Z`);
}

function compartmentsText(list: readonly string[]): string {
  return list.length ? list.join(', ') : 'none';
}

export function ClearancePanel({
  client,
  person,
  nameOf,
  onChanged,
}: {
  client: ValiseClient;
  person: Person;
  nameOf: (handle: string) => string;
  onChanged: () => void;
}) {
  const clearances = useLoaded(() => client.admin.clearances(person.handle), person.handle);
  const self = person.handle === client.identity.person.handle;
  const changed = () => {
    clearances.reload();
    onChanged();
  };
  return (
    <section aria-labelledby="clearance-heading" className="officer-section">
      <h2 id="clearance-heading">Clearance</h2>
      {clearances.error && (
        <Alert>
          The clearance could not be loaded. {clearances.error}{' '}
          <button type="button" onClick={clearances.reload}>
            Try again
          </button>
        </Alert>
      )}
      {!clearances.data && !clearances.error && <Status>Loading the clearance…</Status>}
      {clearances.data && (
        <>
          <Effective view={clearances.data} />
          {self ? (
            <Status tone="warning">
              You cannot grant, change or revoke your own clearance: another security officer must do it (two-person rule).
            </Status>
          ) : (
            <GrantForm client={client} person={person} current={clearances.data} onGranted={changed} />
          )}
          <Grants client={client} grants={clearances.data.grants} nameOf={nameOf} mayRevoke={!self} onRevoked={changed} />
          <History view={clearances.data} nameOf={nameOf} />
        </>
      )}
    </section>
  );
}

function Effective({ view }: { view: PersonClearances }) {
  const e = view.effective;
  return (
    <dl className="facts">
      <div>
        <dt>Holds now</dt>
        <dd>
          <LabelChip label={e.level} />
          {e.baseline && <span className="subtle"> (baseline: no grant in force)</span>}
        </dd>
      </div>
      <div>
        <dt>Compartments</dt>
        <dd>{compartmentsText(e.compartments)}</dd>
      </div>
      <div>
        <dt>Nationality</dt>
        <dd>{e.nationality}</dd>
      </div>
      <div>
        <dt>Expires</dt>
        <dd>{e.expiresAt ? localTime(e.expiresAt) : 'never (baseline)'}</dd>
      </div>
      <div>
        <dt>Export right</dt>
        <dd>{e.mayExport ? 'yes (may save to file and print)' : 'no'}</dd>
      </div>
    </dl>
  );
}

function GrantForm({
  client,
  person,
  current,
  onGranted,
}: {
  client: ValiseClient;
  person: Person;
  current: PersonClearances;
  onGranted: () => void;
}) {
  const { policy, error: policyError } = useLabelPolicy();
  const id = useId();
  const e = current.effective;
  const [level, setLevel] = useState(e.level);
  const [compartments, setCompartments] = useState<string[]>(e.compartments);
  const [nationality, setNationality] = useState(e.nationality);
  const [expires, setExpires] = useState(dateValue(new Date(Date.now() + 365 * DAY_MS)));
  const [mayExport, setMayExport] = useState(e.mayExport);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<ClearanceGrant>();
  const [busy, setBusy] = useState(false);

  if (!policy) {
    return policyError ? <Alert>The label policy could not be loaded, so no clearance can be offered: {policyError}</Alert> : null;
  }
  const toggle = (name: string, on: boolean) =>
    setCompartments((list) => (on ? [...list, name].filter((c, i, all) => all.indexOf(c) === i) : list.filter((c) => c !== name)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    if (!reason.trim())
      return setProblem('Give the reason for this grant (for example the vetting decision): it is recorded in the history.');
    if (!/^[A-Z]{3}$/.test(nationality))
      return setProblem('Nationality is a three-letter country code (ISO 3166-1 alpha-3), for example FRD.');
    if (!expires || endOfDay(expires).getTime() <= Date.now()) return setProblem('Choose an expiry date after today.');
    setProblem(undefined);
    setBusy(true);
    try {
      const grant = await client.admin.grantClearance({
        person: person.handle,
        level,
        compartments: policy.compartments.map((c) => c.name).filter((c) => compartments.includes(c)),
        nationality,
        expiresAt: endOfDay(expires).toISOString(),
        reason: reason.trim(),
        mayExport,
      });
      setDone(grant);
      setReason('');
      onGranted();
    } catch (err) {
      setProblem(explainForOfficer(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="officer-form" onSubmit={(ev) => void submit(ev)} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>Grant or change the clearance of {person.name}</h3>
      <p className="help">The new grant replaces the one in force. Lowering it cuts {person.name}’s devices off conversations above it.</p>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-level`}>Level</label>
          <select id={`${id}-level`} value={level} onChange={(ev) => setLevel(ev.target.value)}>
            {policy.levels.map((l) => (
              <option key={l.name} value={l.name}>
                {l.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-expires`}>Expires at the end of</label>
          <input
            id={`${id}-expires`}
            type="date"
            value={expires}
            min={dateValue(new Date(Date.now() + DAY_MS))}
            onChange={(ev) => setExpires(ev.target.value)}
            required
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-nationality`}>Nationality</label>
          <input
            id={`${id}-nationality`}
            value={nationality}
            onChange={(ev) => setNationality(ev.target.value.toUpperCase())}
            maxLength={3}
            autoComplete="off"
            aria-describedby={`${id}-nationality-help`}
          />
          <span id={`${id}-nationality-help`} className="help">
            Three letters (ISO 3166-1 alpha-3)
          </span>
        </div>
      </div>
      <fieldset className="checkbox-fieldset">
        <legend>Compartments</legend>
        {policy.compartments.length === 0 ? (
          <p className="help">The label policy defines no compartments.</p>
        ) : (
          <ul className="checkbox-list">
            {policy.compartments.map((c) => (
              <li key={c.name}>
                <label>
                  <input type="checkbox" checked={compartments.includes(c.name)} onChange={(ev) => toggle(c.name, ev.target.checked)} />
                  <span>
                    <strong>{c.name}</strong>
                    {c.description && <span className="subtle"> — {c.description}</span>}
                  </span>
                </label>
              </li>
            ))}
          </ul>
        )}
      </fieldset>
      <div className="field">
        <label>
          <input type="checkbox" checked={mayExport} onChange={(ev) => setMayExport(ev.target.checked)} /> May export (save to file, print)
        </label>
      </div>
      <div className="field">
        <label htmlFor={`${id}-reason`}>Reason (required)</label>
        <textarea
          id={`${id}-reason`}
          rows={2}
          value={reason}
          maxLength={1000}
          required
          aria-required="true"
          onChange={(ev) => {
            setReason(ev.target.value);
            setProblem(undefined);
          }}
          placeholder="e.g. Vetting renewed, file 2026/114"
        />
      </div>
      {problem && <Alert>{problem}</Alert>}
      {done && (
        <Status tone="success">
          Granted {done.level}
          {done.compartments.length ? ` (${done.compartments.join(', ')})` : ''} to {person.name} until {localTime(done.expiresAt)}.
        </Status>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Granting…' : 'Grant clearance'}
        </button>
      </div>
    </form>
  );
}

function Grants({
  client,
  grants,
  nameOf,
  mayRevoke,
  onRevoked,
}: {
  client: ValiseClient;
  grants: readonly ClearanceGrant[];
  nameOf: (handle: string) => string;
  mayRevoke: boolean;
  onRevoked: () => void;
}) {
  const inForce = grants.filter((g) => g.status === 'effective');
  return (
    <>
      <h3>Grant in force</h3>
      {inForce.length === 0 ? (
        <p className="empty-inline">No grant is in force: this person holds the baseline only. Grant a clearance above if they need one.</p>
      ) : (
        <ul className="plain-list">
          {inForce.map((g) => (
            <li key={g.id} className="card">
              <GrantLine grant={g} nameOf={nameOf} />
              {mayRevoke && <RevokeGrant client={client} grant={g} onRevoked={onRevoked} />}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function GrantLine({ grant, nameOf }: { grant: ClearanceGrant; nameOf: (handle: string) => string }) {
  return (
    <p className="grant-line">
      <LabelChip label={grant.level} /> compartments {compartmentsText(grant.compartments)}, until {localTime(grant.expiresAt)}; granted by{' '}
      {grant.grantedBy ? nameOf(grant.grantedBy) : 'the server'} on {localTime(grant.grantedAt)} — “{grant.reason}”
    </p>
  );
}

function RevokeGrant({ client, grant, onRevoked }: { client: ValiseClient; grant: ClearanceGrant; onRevoked: () => void }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Revoke this grant…
      </button>
    );
  }
  const revoke = async () => {
    if (!reason.trim()) return setProblem('Give the reason for the revocation: it is recorded in the history.');
    setBusy(true);
    try {
      await client.admin.revokeClearance(grant.id, reason.trim());
      setOpen(false);
      onRevoked();
    } catch (err) {
      setProblem(explainForOfficer(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="confirm">
      <p id={`${id}-q`}>
        Revoke this grant now? The person falls back to the baseline at once and their devices are removed from conversations above it.
      </p>
      <div className="field">
        <label htmlFor={`${id}-reason`}>Reason for revoking (required)</label>
        <textarea id={`${id}-reason`} rows={2} value={reason} maxLength={1000} onChange={(ev) => setReason(ev.target.value)} />
      </div>
      {problem && <Alert>{problem}</Alert>}
      <div className="actions">
        <button type="button" className="danger" disabled={busy} onClick={() => void revoke()}>
          {busy ? 'Revoking…' : 'Revoke grant'}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function History({ view, nameOf }: { view: PersonClearances; nameOf: (handle: string) => string }) {
  const byId = new Map(view.grants.map((g) => [g.id, g]));
  const entries = [...view.history].sort((a, b) => b.at.localeCompare(a.at));
  return (
    <>
      <h3>History</h3>
      {entries.length === 0 ? (
        <p className="empty-inline">No clearance has ever been granted to this person.</p>
      ) : (
        <ol className="history" aria-label="Clearance history, newest first">
          {entries.map((h) => {
            const g = byId.get(h.grantId);
            return (
              <li key={h.id}>
                <span className="history-when">{localTime(h.at)}</span> <strong>{h.action === 'granted' ? 'Granted' : 'Revoked'}</strong>
                {g && (
                  <>
                    {' '}
                    {g.level}
                    {g.compartments.length ? ` (${g.compartments.join(', ')})` : ''}
                    {h.action === 'granted' ? `, until ${localTime(g.expiresAt)}` : ''}
                  </>
                )}{' '}
                by {h.actor ? nameOf(h.actor) : 'the server'} — “{h.reason}”
              </li>
            );
          })}
        </ol>
      )}
    </>
  );
}
