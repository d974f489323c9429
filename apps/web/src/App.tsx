import type { ValiseClient } from '@valise/sdk';
import type { BrowserEnvironment } from '@valise/sdk/browser';
import { useEffect, useState } from 'react';
import { Compose } from './components/Compose.tsx';
import { Conversations } from './components/Conversations.tsx';
import { Devices } from './components/Devices.tsx';
import { Header, Navigation } from './components/Header.tsx';
import { Inbox } from './components/Inbox.tsx';
import { Login } from './components/Login.tsx';
import { Alert, Status } from './components/Notice.tsx';
import { Reader } from './components/Reader.tsx';
import { Thread } from './components/Thread.tsx';
import { type Boot, bootDevice, forgetDevice } from './device.ts';
import { useDirectory } from './directory.ts';
import { codeOf, explain } from './errors.ts';
import { LabelPolicyProvider, useLabelPolicyOf } from './labels.ts';
import { useMailbox } from './mailbox.ts';
import { useMe } from './me.ts';
import { officerViews } from './officer/index.tsx';
import { PouchDetail } from './pouch/PouchDetail.tsx';
import { PouchList } from './pouch/PouchList.tsx';
import { SendPouch } from './pouch/SendPouch.tsx';
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

/** Whatever the officer views module exports (its own types may grow). */
type OfficerView = (typeof officerViews)[number];

/** Re-render every `ms` milliseconds while `on` (officer badges are read synchronously from their views). */
function useTick(ms: number, on: boolean): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => setTick((n) => n + 1), ms);
    return () => clearInterval(timer);
  }, [ms, on]);
}

function badgeOf(view: OfficerView, client: ValiseClient): number {
  try {
    return view.badge?.(client) ?? 0;
  } catch {
    return 0;
  }
}

function Workspace({ client }: { client: ValiseClient }) {
  const route = useRoute();
  const directory = useDirectory(client);
  const mailbox = useMailbox(client);
  const labelPolicy = useLabelPolicyOf(client);
  const me = useMe(client);
  const unread = (mailbox.entries ?? []).filter((e) => !e.read && !e.outgoing).length;
  const person = me.person ?? client.identity.person;
  const isOfficer = person.roles.includes('security-officer');
  useTick(5_000, isOfficer && officerViews.some((v) => v.badge));
  const officerLinks = isOfficer ? officerViews.map((v) => ({ id: v.id, label: v.label, badge: badgeOf(v, client) })) : [];
  const officerView = route.view === 'officer' ? officerViews.find((v) => v.id === route.id) : undefined;

  return (
    <LabelPolicyProvider value={labelPolicy}>
      {/* A button, not a link: the hash holds the route, so this moves focus instead of navigating. */}
      <button type="button" className="skip-link" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <Header client={client} person={person} unitName={directory.nameOf(person.unit)} live={mailbox.live} />
      <Navigation route={route} unread={unread} alerts={mailbox.alerts.length} officerLinks={officerLinks} />
      <main id="main" className="content" tabIndex={-1}>
        {directory.error && (route.view === 'compose' || route.view === 'conversations') && (
          <Alert>The directory could not be loaded: {directory.error}</Alert>
        )}
        {mailbox.alerts.length > 0 && route.view !== 'devices' && (
          <div className="alert-strip" role="alert">
            <strong>Security alert:</strong> a device you may not have enrolled was added to your account.{' '}
            <a href="#/devices">Review it in Devices</a>.
          </div>
        )}
        {route.view === 'inbox' && <Inbox view="inbox" mailbox={mailbox} directory={directory} />}
        {route.view === 'sent' && <Inbox view="sent" mailbox={mailbox} directory={directory} />}
        {route.view === 'compose' && (
          <Compose
            key={route.conversation ?? ''}
            client={client}
            me={me}
            directory={directory}
            mailbox={mailbox}
            conversation={route.conversation}
            onSent={() => void mailbox.reload()}
          />
        )}
        {route.view === 'message' && <Reader key={route.id} client={client} id={route.id} directory={directory} onRead={mailbox.reload} />}
        {route.view === 'conversations' && <Conversations client={client} me={me} directory={directory} mailbox={mailbox} />}
        {route.view === 'conversation' && <Thread key={route.id} client={client} id={route.id} directory={directory} mailbox={mailbox} />}
        {route.view === 'devices' && <Devices client={client} directory={directory} mailbox={mailbox} />}
        {route.view === 'pouches' && <PouchList client={client} directory={directory} isOfficer={isOfficer} />}
        {route.view === 'pouch-new' && <SendPouch client={client} directory={directory} />}
        {route.view === 'pouch' && <PouchDetail key={route.id} client={client} id={route.id} directory={directory} />}
        {route.view === 'officer' &&
          (isOfficer && officerView ? (
            <officerView.render client={client} />
          ) : (
            <div className="empty">
              <h1>Not available</h1>
              <p>
                This page is for security officers. If you need it, ask your security officer. <a href="#/inbox">Back to the inbox</a>.
              </p>
            </div>
          ))}
      </main>
    </LabelPolicyProvider>
  );
}
