/**
 * Alerts raised by the system (key transparency: a device its person did not enrol; a pouch gone
 * missing; …), each explained with what to do, and acknowledged with a note of what the officer
 * found. Acknowledged alerts are listed apart. The acknowledgement is recorded in the audit log.
 */
import type { ValiseClient } from '@valise/sdk';
import type { Device } from '@valise/sdk/browser';
import { useId, useState } from 'react';
import { Alert, Status } from '../components/Notice.tsx';
import { localTime } from '../format.ts';
import { type AlertNames, explainAlert } from './alert-explanations.ts';
import { refreshBadges } from './badges.ts';
import { DeviceRevoke } from './DeviceRevoke.tsx';
import { explainForOfficer } from './errors.ts';
import { useLoaded } from './load.ts';
import type { AlertRecord } from './types.ts';

interface AlertsData {
  alerts: AlertRecord[];
  names: AlertNames;
  devices: Map<string, Device>;
}

async function loadAlerts(client: ValiseClient): Promise<AlertsData> {
  const [alerts, people, units] = await Promise.all([client.admin.alerts(), client.people(), client.units()]);
  // Device names (and whether they are still active) for the people key-transparency alerts are about.
  const concerned = new Set(alerts.filter((a) => a.alert.code === 'KT_UNKNOWN_DEVICE').map((a) => String(a.alert.details.person ?? '')));
  concerned.delete('');
  const devices = new Map<string, Device>();
  await Promise.all(
    [...concerned].map(async (h) => {
      for (const d of await client.devices(h).catch(() => [])) devices.set(d.id, d);
    }),
  );
  const personNames = new Map(people.map((p) => [p.handle, p.name]));
  const unitNames = new Map(units.map((u) => [u.handle, u.name]));
  return {
    alerts: alerts.reverse(),
    devices,
    names: {
      person: (h) => personNames.get(h) ?? h,
      unit: (h) => unitNames.get(h) ?? h,
      device: (id) => devices.get(id)?.name,
    },
  };
}

export function AlertsView({ client }: { client: ValiseClient }) {
  const loaded = useLoaded(() => loadAlerts(client), 'alerts');
  const [outcome, setOutcome] = useState<string>();
  const data = loaded.data;
  const open = data?.alerts.filter((a) => !a.acknowledgement) ?? [];
  const done = data?.alerts.filter((a) => a.acknowledgement) ?? [];
  const changed = (text?: string) => {
    if (text) setOutcome(text);
    loaded.reload();
    refreshBadges(client);
  };
  return (
    <div className="officer-view">
      <h1>Alerts</h1>
      <p className="lead">What the system noticed and a security officer should look at. Each says what happened and what to do.</p>
      {outcome && <Status tone="success">{outcome}</Status>}
      {loaded.error && (
        <Alert>
          The alerts could not be loaded. {loaded.error}{' '}
          <button type="button" onClick={loaded.reload}>
            Try again
          </button>
        </Alert>
      )}
      {loaded.loading && !data && <Status>Loading alerts…</Status>}
      {data && (
        <>
          <h2>Open ({open.length})</h2>
          {open.length === 0 ? (
            <div className="empty">
              <p>No open alerts. New ones appear here, and their number on “Alerts” in the navigation.</p>
            </div>
          ) : (
            <ul className="plain-list">
              {open.map((a) => (
                <OpenAlert key={a.alert.id} client={client} record={a} data={data} onChanged={changed} />
              ))}
            </ul>
          )}
          <h2>Acknowledged ({done.length})</h2>
          {done.length === 0 ? (
            <p className="empty-inline">No alert has been acknowledged yet.</p>
          ) : (
            <ul className="plain-list">
              {done.map((a) => {
                const x = explainAlert(a.alert, data.names);
                const ack = a.acknowledgement!;
                return (
                  <li key={a.alert.id} className="card alert-card acknowledged">
                    <h3>{x.title}</h3>
                    <p className="subtle">Raised {localTime(a.alert.at)}</p>
                    <p>
                      Acknowledged by <strong>{data.names.person(ack.acknowledgedBy)}</strong> on {localTime(ack.at)}: “{ack.note}”
                    </p>
                  </li>
                );
              })}
            </ul>
          )}
        </>
      )}
    </div>
  );
}

function OpenAlert({
  client,
  record,
  data,
  onChanged,
}: {
  client: ValiseClient;
  record: AlertRecord;
  data: AlertsData;
  onChanged: (text?: string) => void;
}) {
  const id = useId();
  const x = explainAlert(record.alert, data.names);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const device = x.device ? data.devices.get(x.device) : undefined;
  const acknowledge = async () => {
    if (!note.trim()) return setProblem('Write what you checked or did (for example “Confirmed with Alice by phone: her new laptop”).');
    setBusy(true);
    setProblem(undefined);
    try {
      await client.admin.acknowledgeAlert(record.alert.id, note.trim());
      onChanged(`Acknowledged: ${x.title}.`);
    } catch (err) {
      setProblem(explainForOfficer(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="card alert-card" aria-labelledby={`${id}-t`}>
      <h3 id={`${id}-t`}>{x.title}</h3>
      <p className="subtle">
        Raised {localTime(record.alert.at)} · code <code>{record.alert.code ?? 'none'}</code>
      </p>
      <p>{x.what}</p>
      <p>
        <strong>What to do:</strong> {x.todo}
      </p>
      {device &&
        (device.revokedAt ? (
          <p className="subtle">This device was revoked on {localTime(device.revokedAt)}.</p>
        ) : (
          <DeviceRevoke client={client} device={device} ownerName={data.names.person(device.person)} onRevoked={() => onChanged()} named />
        ))}
      <details>
        <summary>Details as recorded</summary>
        <pre className="event-details">{JSON.stringify(record.alert, null, 2)}</pre>
      </details>
      <div className="field">
        <label htmlFor={`${id}-note`}>What you checked or did</label>
        <textarea
          id={`${id}-note`}
          rows={2}
          maxLength={1000}
          value={note}
          onChange={(ev) => {
            setNote(ev.target.value);
            setProblem(undefined);
          }}
        />
      </div>
      {problem && <Alert>{problem}</Alert>}
      <div className="actions">
        <button type="button" className="primary" disabled={busy} onClick={() => void acknowledge()}>
          {busy ? 'Acknowledging…' : 'Acknowledge alert'}
        </button>
      </div>
    </li>
  );
}
