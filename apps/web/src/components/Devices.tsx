/**
 * This person's devices: which are enrolled, this one marked, revoking a lost one, how to enrol a
 * new one, and alerts about devices of theirs that this device did not see them enrol (the SDK's
 * key-transparency monitor reads every enrolment in the audit log).
 */
import type { Device, DeviceAlert, ValiseClient } from '@valise/sdk';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Directory } from '../directory.ts';
import { explain } from '../errors.ts';
import { localTime } from '../format.ts';
import type { Mailbox } from '../mailbox.ts';
import { Alert, Status } from './Notice.tsx';

export function Devices({ client, directory, mailbox }: { client: ValiseClient; directory: Directory; mailbox: Mailbox }) {
  const [devices, setDevices] = useState<Device[]>();
  const [error, setError] = useState<string>();
  const [checking, setChecking] = useState(false);
  const [checked, setChecked] = useState<string>();
  const heading = useRef<HTMLHeadingElement>(null);
  const { reloadAlerts } = mailbox;

  const load = useCallback(async () => {
    try {
      setDevices(await client.devices());
      setError(undefined);
    } catch (err) {
      setError(explain(err));
    }
  }, [client]);

  const check = useCallback(async () => {
    setChecking(true);
    setChecked(undefined);
    try {
      const scan = await client.monitorDevices();
      await Promise.all([reloadAlerts(), load()]);
      setChecked(
        scan.alerts.length > 0
          ? `${scan.alerts.length} new ${scan.alerts.length === 1 ? 'alert' : 'alerts'}: see below.`
          : `Checked the audit log up to entry ${scan.size}: no device was added without this device knowing.`,
      );
    } catch (err) {
      setError(explain(err));
    } finally {
      setChecking(false);
    }
  }, [client, load, reloadAlerts]);

  useEffect(() => {
    document.title = 'Devices — Valise';
    heading.current?.focus();
    void load();
    void check();
  }, [load, check]);

  const active = devices?.filter((d) => !d.revokedAt) ?? [];
  const revoked = devices?.filter((d) => d.revokedAt) ?? [];
  const nameOfDevice = (id: string) => devices?.find((d) => d.id === id)?.name;

  return (
    <section className="devices" aria-labelledby="devices-heading">
      <div className="toolbar">
        <h1 id="devices-heading" ref={heading} tabIndex={-1}>
          Devices
        </h1>
        <button type="button" onClick={() => void check()} disabled={checking}>
          {checking ? 'Checking the audit log…' : 'Check for new devices'}
        </button>
      </div>
      {error && <Alert>{error}</Alert>}
      {checked && <Status>{checked}</Status>}

      <section aria-labelledby="alerts-heading" className="device-alerts">
        <h2 id="alerts-heading">
          Alerts{' '}
          {mailbox.alerts.length > 0 && (
            <span className="pill-count count-alert">
              {mailbox.alerts.length}
              <span className="visually-hidden"> open</span>
            </span>
          )}
        </h2>
        {mailbox.alerts.length === 0 ? (
          <p className="empty-inline">
            <span aria-hidden="true">✓ </span>No alerts. Every device enrolled for you is one this device knows about.
          </p>
        ) : (
          <ul className="alert-list">
            {mailbox.alerts.map((a) => (
              <AlertItem
                key={`${a.deviceId}-${a.index}`}
                client={client}
                alert={a}
                deviceName={nameOfDevice(a.deviceId)}
                onTrusted={async () => {
                  await Promise.all([reloadAlerts(), load()]);
                }}
                onRevoked={load}
              />
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="my-devices-heading">
        <h2 id="my-devices-heading">Your devices</h2>
        {devices === undefined ? (
          !error && <Status>Loading your devices…</Status>
        ) : (
          <ul className="device-list">
            {[...active, ...revoked].map((d) => (
              <DeviceItem key={d.id} client={client} device={d} onRevoked={load} />
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="enrol-heading" className="enrol-help">
        <h2 id="enrol-heading">Enrol a new device</h2>
        <ol>
          <li>
            Ask your security officer
            {directory.people.some((p) => p.roles.includes('security-officer') && p.unit === client.identity.person.unit)
              ? ` (${directory.people
                  .filter((p) => p.roles.includes('security-officer') && p.unit === client.identity.person.unit)
                  .map((p) => p.name)
                  .join(', ')})`
              : ''}{' '}
            for a one-time enrolment code. You cannot make codes yourself: every device is approved by a person who checks it is yours.
          </li>
          <li>
            On the new device, open Valise in a browser and type the code at the login screen, with a name for the device you will recognise
            (“Embassy laptop”). In the command-line tool: <code>valise login --server {client.identity.serverUrl} --code …</code>.
          </li>
          <li>
            The new device appears in this list. This device will raise an alert for it; choose “It was me” there once you recognise it.
            Messages sent before a device was enrolled stay on the devices that received them.
          </li>
        </ol>
      </section>
    </section>
  );
}

function AlertItem({
  client,
  alert,
  deviceName,
  onTrusted,
  onRevoked,
}: {
  client: ValiseClient;
  alert: DeviceAlert;
  deviceName: string | undefined;
  onTrusted: () => Promise<void>;
  onRevoked: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [reporting, setReporting] = useState(false);
  const name = deviceName ?? `device ${alert.deviceId}`;

  async function trust() {
    setBusy(true);
    setError(undefined);
    try {
      await client.trustDevice(alert.deviceId);
      await onTrusted();
    } catch (err) {
      setError(explain(err));
      setBusy(false);
    }
  }
  async function revoke() {
    setBusy(true);
    setError(undefined);
    try {
      await client.revokeDevice(alert.deviceId);
      await onRevoked();
    } catch (err) {
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="device-alert" data-device-id={alert.deviceId}>
      <p>
        <span aria-hidden="true">⚠ </span>
        <strong>A device was enrolled for you that this device did not know about: “{name}”</strong>
        {alert.enrolledAt ? `, on ${localTime(alert.enrolledAt)}` : ''}. Key fingerprint <code>{alert.keyFingerprint.slice(0, 16)}…</code>,
        audit log entry {alert.index}.
      </p>
      <p className="subtle">
        {alert.reported
          ? 'Your security officers have been told automatically.'
          : 'Not yet reported to your security officers: it will be at the next check.'}
      </p>
      {error && <Alert>{error}</Alert>}
      <div className="actions">
        <button type="button" onClick={() => void trust()} disabled={busy} aria-label={`It was me: I enrolled ${name}`}>
          It was me
        </button>
        <button type="button" onClick={() => setReporting(true)} disabled={busy} aria-expanded={reporting}>
          Report — it was not me
        </button>
      </div>
      {reporting && (
        <section className="confirm" aria-label="If it was not you">
          <p>
            <strong>If you did not enrol this device, someone may be trying to read your messages.</strong> Contact your security officer
            now, by phone or in person, not through a device you suspect. They already have this alert; tell them when you last used each of
            your devices. Revoking the device stops anything new from being encrypted to it.
          </p>
          <div className="actions">
            <button type="button" className="danger" onClick={() => void revoke()} disabled={busy}>
              Revoke {name} now
            </button>
            <button type="button" onClick={() => setReporting(false)} disabled={busy}>
              Close
            </button>
          </div>
        </section>
      )}
    </li>
  );
}

function DeviceItem({ client, device, onRevoked }: { client: ValiseClient; device: Device; onRevoked: () => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const isThis = device.id === client.identity.deviceId;
  const revoked = device.revokedAt !== null;

  async function revoke() {
    setBusy(true);
    setError(undefined);
    try {
      await client.revokeDevice(device.id);
      setConfirming(false);
      await onRevoked();
    } catch (err) {
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className={revoked ? 'device revoked' : 'device'} data-device-id={device.id}>
      <div className="device-main">
        <span className="device-name">{device.name}</span>
        {isThis && <span className="badge badge-ok">This device</span>}
        {revoked && <span className="badge badge-muted">Revoked {device.revokedAt ? localTime(device.revokedAt) : ''}</span>}
        <span className="subtle">Enrolled {localTime(device.enrolledAt)}</span>
      </div>
      {!revoked && !confirming && (
        <button type="button" onClick={() => setConfirming(true)} aria-label={`Revoke ${device.name}…`}>
          Revoke…
        </button>
      )}
      {confirming && (
        <section className="confirm" aria-label={`Confirm revoking ${device.name}`}>
          {isThis ? (
            <p>
              <strong>This is the device you are using now.</strong> Revoking it signs you out for good: this browser will receive nothing
              new and you will need a new enrolment code from your security officer. Only do this if you are handing the computer back.
            </p>
          ) : (
            <p>
              Revoke “{device.name}”? It will receive nothing new from now on and leaves every conversation. Messages already on it stay
              there: if it was lost or stolen, also tell your security officer. This cannot be undone.
            </p>
          )}
          {error && <Alert>{error}</Alert>}
          <div className="actions">
            <button type="button" className="danger" onClick={() => void revoke()} disabled={busy}>
              {busy ? 'Revoking…' : isThis ? 'Revoke this device and sign out' : `Revoke ${device.name}`}
            </button>
            <button type="button" onClick={() => setConfirming(false)} disabled={busy}>
              Cancel
            </button>
          </div>
        </section>
      )}
    </li>
  );
}
