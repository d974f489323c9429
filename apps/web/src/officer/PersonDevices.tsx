/** A person's devices, active and revoked, with revocation for security officers. */
import type { ValiseClient } from '@valise/sdk';
import type { Person } from '@valise/sdk/browser';
import { Alert, Status } from '../components/Notice.tsx';
import { localTime } from '../format.ts';
import { DeviceRevoke } from './DeviceRevoke.tsx';
import { useLoaded } from './load.ts';

export function PersonDevices({ client, person }: { client: ValiseClient; person: Person }) {
  const devices = useLoaded(() => client.devices(person.handle), person.handle);
  const list = devices.data ?? [];
  const active = list.filter((d) => !d.revokedAt);
  const revoked = list.filter((d) => d.revokedAt);
  return (
    <section aria-labelledby="devices-heading" className="officer-section">
      <div className="section-head">
        <h2 id="devices-heading">Devices</h2>
        <button type="button" onClick={devices.reload} disabled={devices.loading}>
          {devices.loading ? 'Refreshing…' : 'Refresh devices'}
        </button>
      </div>
      {devices.error && (
        <Alert>
          The devices could not be loaded. {devices.error}{' '}
          <button type="button" onClick={devices.reload}>
            Try again
          </button>
        </Alert>
      )}
      {devices.loading && !devices.data && <Status>Loading devices…</Status>}
      {devices.data && active.length === 0 && (
        <p className="empty-inline">
          {person.name} has no active device. Create an enrolment code below and give it to them so they can enrol one.
        </p>
      )}
      {active.length > 0 && (
        <ul className="plain-list" aria-label={`Active devices of ${person.name}`}>
          {active.map((d) => (
            <li key={d.id} className="card device-card">
              <div>
                <strong>{d.name}</strong> <span className="status-pill status-ok">Active</span>
                {d.id === client.identity.deviceId && <span className="subtle"> (this device)</span>}
                <br />
                <span className="subtle">
                  Enrolled {localTime(d.enrolledAt)} · ID <code>{d.id}</code>
                </span>
              </div>
              <DeviceRevoke client={client} device={d} ownerName={person.name} onRevoked={devices.reload} />
            </li>
          ))}
        </ul>
      )}
      {revoked.length > 0 && (
        <>
          <h3>Revoked</h3>
          <ul className="plain-list" aria-label={`Revoked devices of ${person.name}`}>
            {revoked.map((d) => (
              <li key={d.id} className="card device-card revoked">
                <div>
                  <strong>{d.name}</strong> <span className="status-pill status-revoked">Revoked {localTime(d.revokedAt as string)}</span>
                  <br />
                  <span className="subtle">
                    Enrolled {localTime(d.enrolledAt)} · ID <code>{d.id}</code>
                  </span>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
