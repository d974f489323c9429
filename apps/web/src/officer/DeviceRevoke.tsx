/** Revoking a device, with confirmation: it can no longer log in, and it is cut off every conversation. */
import type { ValiseClient } from '@valise/sdk';
import type { Device } from '@valise/sdk/browser';
import { useId, useState } from 'react';
import { Alert } from '../components/Notice.tsx';
import { explainForOfficer } from './errors.ts';

export function DeviceRevoke({
  client,
  device,
  ownerName,
  onRevoked,
  named = false,
}: {
  client: ValiseClient;
  device: Device;
  ownerName: string;
  /** Name the device on the button (where no list around it says which device). */
  named?: boolean;
  onRevoked: (device: Device) => void;
}) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const thisDevice = device.id === client.identity.deviceId;
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)} aria-label={named ? undefined : `Revoke ${device.name} of ${ownerName}…`}>
        {named ? `Revoke “${device.name}”…` : 'Revoke…'}
      </button>
    );
  }
  const revoke = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      onRevoked(await client.revokeDevice(device.id));
      setOpen(false);
    } catch (err) {
      setProblem(explainForOfficer(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="confirm">
      <p id={`${id}-q`}>
        Revoke “{device.name}” of {ownerName}? It can no longer log in, receives no new keys, and is removed from every conversation. This
        cannot be undone: {ownerName} will need a new enrolment code for a replacement.
        {thisDevice && <strong> This is the device you are using now: you will be signed out.</strong>}
      </p>
      {problem && <Alert>{problem}</Alert>}
      <div className="actions">
        <button type="button" className="danger" disabled={busy} onClick={() => void revoke()}>
          {busy ? 'Revoking…' : 'Revoke device'}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}
