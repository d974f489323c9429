import type { ValiseClient } from '@valise/sdk';
import type { BrowserEnvironment } from '@valise/sdk/browser';
import { useEffect, useState } from 'react';
import { Compose } from './components/Compose.tsx';
import { Header, Navigation } from './components/Header.tsx';
import { Inbox } from './components/Inbox.tsx';
import { Login } from './components/Login.tsx';
import { Alert, Status } from './components/Notice.tsx';
import { Reader } from './components/Reader.tsx';
import { type Boot, bootDevice, forgetDevice } from './device.ts';
import { useDirectory } from './directory.ts';
import { codeOf, explain } from './errors.ts';
import { LabelPolicyProvider, useLabelPolicyOf } from './labels.ts';
import { useMailbox } from './mailbox.ts';
import { useMe } from './me.ts';
import { useRoute } from './route.ts';

export function App() {
  const [boot, setBoot] = useState<Boot>();
  useEffect(() => {
    void bootDevice().then(setBoot);
  }, []);

  if (!boot) {
    return (
      <main className="splash" id="main">
        <Status>Opening this browser’s encrypted device storage…</Status>
      </main>
    );
  }
  switch (boot.kind) {
    case 'login':
      return <Login env={boot.env} onEnrolled={(client) => setBoot({ kind: 'enrolled', env: boot.env, client })} />;
    case 'enrolled':
      return <Workspace client={boot.client} />;
    case 'elsewhere':
      return (
        <main className="splash" id="main">
          <h1>Valise is open in another tab</h1>
          <p>
            One device can run in one tab at a time, so that its encryption state stays consistent. Close the other tab, then reload this
            one.
          </p>
          <button type="button" onClick={() => window.location.reload()}>
            Reload
          </button>
        </main>
      );
    case 'failed':
      return <Failed error={boot.error} env={boot.env} />;
  }
}

function Failed({ error, env }: { error: unknown; env: BrowserEnvironment | undefined }) {
  const [confirming, setConfirming] = useState(false);
  const canForget = codeOf(error) === 'STORE_CORRUPT' || codeOf(error) === 'DECRYPT_FAILED';
  return (
    <main className="splash" id="main">
      <h1>This device cannot be opened</h1>
      <Alert>{explain(error)}</Alert>
      <div className="actions">
        <button type="button" onClick={() => window.location.reload()}>
          Try again
        </button>
        {canForget && !confirming && (
          <button type="button" onClick={() => setConfirming(true)}>
            Forget this device…
          </button>
        )}
      </div>
      {confirming && (
        <div className="confirm">
          <p>This erases this browser’s keys and every message stored here. You will need a new enrolment code. Continue?</p>
          <button type="button" className="danger" onClick={() => void forgetDevice(env)}>
            Erase and start again
          </button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      )}
    </main>
  );
}

function Workspace({ client }: { client: ValiseClient }) {
  const route = useRoute();
  const directory = useDirectory(client);
  const mailbox = useMailbox(client);
  const labelPolicy = useLabelPolicyOf(client);
  const me = useMe(client);
  const unread = (mailbox.entries ?? []).filter((e) => !e.read && !e.outgoing).length;
  const person = me.person ?? client.identity.person;

  return (
    <LabelPolicyProvider value={labelPolicy}>
      {/* A button, not a link: the hash holds the route, so this moves focus instead of navigating. */}
      <button type="button" className="skip-link" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <Header client={client} person={person} unitName={directory.nameOf(person.unit)} live={mailbox.live} />
      <Navigation route={route} unread={unread} />
      <main id="main" className="content" tabIndex={-1}>
        {directory.error && route.view === 'compose' && <Alert>The directory could not be loaded: {directory.error}</Alert>}
        {route.view === 'inbox' && <Inbox client={client} view="inbox" mailbox={mailbox} directory={directory} />}
        {route.view === 'sent' && <Inbox client={client} view="sent" mailbox={mailbox} directory={directory} />}
        {route.view === 'compose' && <Compose client={client} me={me} directory={directory} onSent={() => void mailbox.reload()} />}
        {route.view === 'message' && <Reader key={route.id} client={client} id={route.id} directory={directory} onRead={mailbox.reload} />}
      </main>
    </LabelPolicyProvider>
  );
}
