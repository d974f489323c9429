/**
 * A one-time enrolment code for a person, shown once with its expiry and where to enter it. The
 * server keeps only a hash of it, so it cannot be shown again: a lost code means a new one.
 */
import type { ValiseClient } from '@valise/sdk';
import type { Person } from '@valise/sdk/browser';
import { useId, useState } from 'react';
import { Alert } from '../components/Notice.tsx';
import { localTime } from '../format.ts';
import { explainForOfficer } from './errors.ts';
import type { EnrolmentCode as Code } from './types.ts';

const VALIDITY = [
  { seconds: 24 * 3600, text: '1 day' },
  { seconds: 3 * 24 * 3600, text: '3 days' },
  { seconds: 7 * 24 * 3600, text: '7 days' },
  { seconds: 30 * 24 * 3600, text: '30 days' },
];

export function EnrolmentCodePanel({ client, person }: { client: ValiseClient; person: Person }) {
  const id = useId();
  const [ttl, setTtl] = useState(VALIDITY[0]!.seconds);
  const [code, setCode] = useState<Code>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const create = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      setCode(await client.admin.issueEnrolmentCode(person.handle, ttl));
    } catch (err) {
      setProblem(explainForOfficer(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="code-heading" className="officer-section">
      <h2 id="code-heading">Enrolment code</h2>
      <p className="help">
        A one-time code lets {person.name} enrol a new device (a browser or the command line). It is shown once: the server keeps only its
        hash.
      </p>
      <div className="field short-field">
        <label htmlFor={`${id}-ttl`}>Valid for</label>
        <select id={`${id}-ttl`} value={ttl} onChange={(ev) => setTtl(Number(ev.target.value))}>
          {VALIDITY.map((v) => (
            <option key={v.seconds} value={v.seconds}>
              {v.text}
            </option>
          ))}
        </select>
      </div>
      <div className="actions">
        <button type="button" className="primary" disabled={busy} onClick={() => void create()}>
          {busy ? 'Creating…' : `Create an enrolment code for ${person.name}`}
        </button>
      </div>
      {problem && <Alert>{problem}</Alert>}
      {code && (
        <div className="code-result" role="status">
          <p>
            Enrolment code for {person.name}, valid until <strong>{localTime(code.expiresAt)}</strong>:
          </p>
          <p className="enrolment-code">{code.code}</p>
          <p>
            Give it to {person.name} in person or over a trusted channel — never by e-mail. They open Valise at{' '}
            <code>{client.identity.serverUrl}</code> in their browser and type it under “Enrolment code” (or run{' '}
            <code>valise login --server {client.identity.serverUrl} --code CODE</code>). It works once. This code is not shown again: if it
            is lost, create a new one.
          </p>
        </div>
      )}
    </section>
  );
}
