import { normaliseServerUrl, ValiseClient } from '@valise/sdk';
import { type BrowserEnvironment, requestPersistentStorage } from '@valise/sdk/browser';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { codeOf, explain } from '../errors.ts';
import { Alert } from './Notice.tsx';

interface Health {
  status: string;
  version: string;
  organisation: { name: string; domain: string };
}

type ServerState = { kind: 'checking' } | { kind: 'ok'; health: Health } | { kind: 'unreachable'; reason: string };

/** 20 Crockford base32 characters once dashes and spaces are gone. */
const CODE = /^[0-9A-HJKMNP-TV-Z]{20}$/;

/** Crockford base32 reads O as 0 and I, L as 1: accept what people mistype. */
function cleanCode(raw: string): string {
  return raw.replace(/[\s-]/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
}

function defaultDeviceName(): string {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua)
    ? 'Firefox'
    : /Edg\//.test(ua)
      ? 'Edge'
      : /Chrom(e|ium)\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'Browser';
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /Mac OS X/.test(ua)
      ? 'macOS'
      : /Android/.test(ua)
        ? 'Android'
        : /Linux/.test(ua)
          ? 'Linux'
          : 'web';
  return `${browser} on ${os}`;
}

async function fetchHealth(serverUrl: string, signal: AbortSignal): Promise<Health> {
  const res = await fetch(`${normaliseServerUrl(serverUrl)}/health`, { signal, headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`it answered HTTP ${res.status}`);
  const body = (await res.json()) as Health;
  if (!body?.organisation?.name) throw new Error('it does not look like a Valise server');
  return body;
}

export function Login({ env, onEnrolled }: { env: BrowserEnvironment; onEnrolled: (client: ValiseClient) => void }) {
  const [serverUrl, setServerUrl] = useState(window.location.origin);
  const [code, setCode] = useState('');
  const [deviceName, setDeviceName] = useState(defaultDeviceName);
  const [server, setServer] = useState<ServerState>({ kind: 'checking' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const ids = { code: useId(), codeHelp: useId(), server: useId(), serverHelp: useId(), device: useId(), deviceHelp: useId() };

  useEffect(() => {
    const abort = new AbortController();
    setServer({ kind: 'checking' });
    const timer = setTimeout(() => {
      fetchHealth(serverUrl, abort.signal).then(
        (health) => setServer({ kind: 'ok', health }),
        (err: unknown) => {
          if (abort.signal.aborted) return;
          const reason =
            codeOf(err) === 'BAD_SERVER_URL'
              ? 'this is not a valid address'
              : err instanceof TypeError
                ? 'no connection'
                : err instanceof Error
                  ? err.message
                  : String(err);
          setServer({ kind: 'unreachable', reason });
        },
      );
    }, 300);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [serverUrl]);

  useEffect(() => {
    document.title = 'Log in — Valise';
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    const cleaned = cleanCode(code);
    if (!CODE.test(cleaned)) {
      setError(
        'An enrolment code has 20 letters and digits, usually in four groups of five (for example 7K3QX-M9D2A-0PZ4R-TB8WN). Check the code your security officer gave you.',
      );
      return;
    }
    if (!deviceName.trim()) {
      setError('Give this device a name, for example “Office laptop”, so you can recognise it in your list of devices.');
      return;
    }
    setBusy(true);
    try {
      const client = await ValiseClient.enrol(env, { serverUrl, code: cleaned, deviceName: deviceName.trim() });
      void requestPersistentStorage();
      onEnrolled(client);
    } catch (err) {
      // The server may have enrolled the device before a later step failed (the code is then used
      // up): if this browser now holds the identity, carry on with it rather than strand it.
      const enrolled = await ValiseClient.open(env).catch(() => undefined);
      if (enrolled) {
        onEnrolled(enrolled);
        return;
      }
      setError(explain(err));
      setBusy(false);
    }
  }

  const organisation = server.kind === 'ok' ? server.health.organisation.name : undefined;
  return (
    <main className="login" id="main">
      <div className="login-card">
        {organisation && (
          <p className="brand" aria-hidden="true">
            VALISE
          </p>
        )}
        <h1>{organisation ?? 'Valise'}</h1>
        <p className="login-lead">Enrol this browser as one of your devices. Your keys are created here and never leave it.</p>
        <p className={`server-status server-${server.kind}`} role="status">
          {server.kind === 'checking' && 'Contacting the server…'}
          {server.kind === 'ok' &&
            `Server: ${server.health.organisation.name} (${server.health.organisation.domain}), version ${server.health.version}`}
          {server.kind === 'unreachable' &&
            `The server at this address does not answer (${server.reason}). Check the server address below.`}
        </p>
        <form onSubmit={submit} noValidate aria-busy={busy}>
          <div className="field">
            <label htmlFor={ids.code}>Enrolment code</label>
            <input
              id={ids.code}
              name="code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              autoComplete="one-time-code"
              autoCapitalize="characters"
              spellCheck={false}
              required
              aria-describedby={ids.codeHelp}
              className="code-input"
              disabled={busy}
            />
            <p id={ids.codeHelp} className="help">
              The one-time code from your security officer, e.g. <span className="nowrap">7K3QX-M9D2A-0PZ4R-TB8WN</span>. Dashes and case do
              not matter.
            </p>
          </div>
          <div className="field">
            <label htmlFor={ids.device}>Device name</label>
            <input
              id={ids.device}
              name="deviceName"
              value={deviceName}
              onChange={(e) => setDeviceName(e.target.value)}
              maxLength={100}
              required
              aria-describedby={ids.deviceHelp}
              disabled={busy}
            />
            <p id={ids.deviceHelp} className="help">
              How this browser appears in your list of devices.
            </p>
          </div>
          <div className="field">
            <label htmlFor={ids.server}>Server address</label>
            <input
              id={ids.server}
              name="server"
              type="url"
              value={serverUrl}
              onChange={(e) => setServerUrl(e.target.value)}
              spellCheck={false}
              required
              aria-describedby={ids.serverHelp}
              disabled={busy}
            />
            <p id={ids.serverHelp} className="help">
              Usually this page’s own address. Change it only if your security officer told you to.
            </p>
          </div>
          {error && <Alert>{error}</Alert>}
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Creating keys and enrolling…' : 'Enrol this device'}
          </button>
          {busy && (
            <p className="help" role="status">
              Generating this device’s post-quantum keys and registering them. This takes a few seconds.
            </p>
          )}
        </form>
      </div>
    </main>
  );
}
