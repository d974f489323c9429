import type { ValiseClient } from '@valise/sdk';
import type { LiveState } from '../mailbox.ts';
import type { Route } from '../route.ts';

export function Header({ client, unitName, live }: { client: ValiseClient; unitName: string; live: LiveState }) {
  const { person, organisation, deviceName } = client.identity;
  return (
    <header className="app-header">
      <div className="org">
        <span className="brand">VALISE</span>
        <span className="org-name">{organisation.name}</span>
      </div>
      <dl className="who">
        <div>
          <dt>Signed in</dt>
          <dd>
            {person.name} <span className="handle">{person.handle}</span>
          </dd>
        </div>
        <div>
          <dt>Unit</dt>
          <dd>{unitName}</dd>
        </div>
        <div>
          <dt>Clearance</dt>
          <dd>{person.clearance}</dd>
        </div>
        <div>
          <dt>Device</dt>
          <dd>{deviceName}</dd>
        </div>
        <div>
          <dt>Connection</dt>
          <dd className={`live live-${live}`}>{live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline, retrying'}</dd>
        </div>
      </dl>
    </header>
  );
}

export function Navigation({ route, unread }: { route: Route; unread: number }) {
  const current = (view: Route['view']) => (route.view === view ? ('page' as const) : undefined);
  return (
    <nav className="app-nav" aria-label="Main">
      <a href="#/inbox" aria-current={current('inbox')}>
        Inbox
        {unread > 0 && (
          <span className="count">
            {unread}
            <span className="visually-hidden"> unread</span>
          </span>
        )}
      </a>
      <a href="#/sent" aria-current={current('sent')}>
        Sent
      </a>
      <a href="#/compose" aria-current={current('compose')} className="nav-compose">
        Compose cable
      </a>
    </nav>
  );
}
