/**
 * Who is in a conversation, device by device, and whether each device's key is published in the
 * audit log (key transparency): "verified" means this browser checked the enrolment event naming
 * that very key under a signed checkpoint of the log.
 */
import type { Device, DeviceVerification, ValiseClient } from '@valise/sdk';
import { useEffect, useState } from 'react';
import type { Directory } from '../directory.ts';
import { explain } from '../errors.ts';
import { localTime } from '../format.ts';
import { Alert, Status } from './Notice.tsx';

interface MemberDevice {
  deviceId: string;
  person: string;
  device: Device | undefined;
  verification: DeviceVerification | { state: 'unknown' };
}

export function Members({
  client,
  members,
  directory,
  headingLevel = 2,
}: {
  client: ValiseClient;
  members: { deviceId: string; person: string }[];
  directory: Directory;
  headingLevel?: 2 | 3;
}) {
  const [rows, setRows] = useState<MemberDevice[]>();
  const [error, setError] = useState<string>();
  const key = members.map((m) => m.deviceId).join(',');

  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for members
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const devices = new Map<string, Device>();
        for (const person of new Set(members.map((m) => m.person))) {
          for (const d of await client.devices(person)) devices.set(d.id, d);
        }
        const out: MemberDevice[] = [];
        for (const m of members) {
          const device = devices.get(m.deviceId);
          out.push({ ...m, device, verification: device ? await client.deviceVerification(device) : { state: 'unknown' } });
        }
        if (!cancelled) setRows(out);
      } catch (err) {
        if (!cancelled) setError(explain(err));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [client, key]);

  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const people = [...new Set(members.map((m) => m.person))];
  return (
    <section className="members" aria-label="Members and their devices">
      <Heading>Members ({people.length})</Heading>
      {error && <Alert>The members’ devices could not be checked: {error}. Reload the page to try again.</Alert>}
      {!rows && !error && <Status>Checking every member’s device keys against the audit log…</Status>}
      {rows && (
        <ul className="member-list">
          {people.map((person) => {
            const p = directory.person(person);
            return (
              <li key={person} className="member">
                <span className="member-name">
                  {directory.nameOf(person)} <span className="handle">{person}</span>
                  {person === client.identity.person.handle && <span className="subtle"> (you)</span>}
                </span>
                {p && (
                  <span className="subtle">
                    {' '}
                    — {directory.nameOf(p.unit)}, {p.clearance}
                  </span>
                )}
                <ul className="member-devices" aria-label={`Devices of ${directory.nameOf(person)}`}>
                  {rows
                    .filter((r) => r.person === person)
                    .map((r) => (
                      <li key={r.deviceId} className={`verification verification-${r.verification.state}`}>
                        <span>{r.device?.name ?? r.deviceId}</span>
                        {r.deviceId === client.identity.deviceId && <span className="subtle"> (this device)</span>}
                        {r.device && <span className="subtle"> · enrolled {localTime(r.device.enrolledAt)}</span>}{' '}
                        <VerificationBadge v={r.verification} />
                      </li>
                    ))}
                </ul>
              </li>
            );
          })}
        </ul>
      )}
      <p className="help">
        “Verified in the audit log” means this browser found the device’s enrolment, with this very key, in the tamper-evident log under a
        signed checkpoint. A device that is not verified receives nothing from this browser; if one stays unverified, tell your security
        officer.
      </p>
    </section>
  );
}

export function VerificationBadge({ v }: { v: MemberDevice['verification'] }) {
  switch (v.state) {
    case 'verified':
      return (
        <span className="badge badge-ok">
          <span aria-hidden="true">✓ </span>Verified in the audit log
        </span>
      );
    case 'revoked':
      return <span className="badge badge-muted">Revoked</span>;
    case 'unverified':
      return (
        <span className="badge badge-warn" title={v.reason}>
          <span aria-hidden="true">⚠ </span>Not yet verified
        </span>
      );
    default:
      return <span className="badge badge-muted">Not in the directory</span>;
  }
}
