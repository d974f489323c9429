import type { Person, ValiseClient } from '@valise/sdk';
import type { LiveState } from '../mailbox.ts';
import type { Route } from '../route.ts';

/** Who is signed in, where, and at what clearance (`person` as the server last said). */
export function Header({ client, person, unitName, live }: { client: ValiseClient; person: Person; unitName: string; live: LiveState }) {
  const { organisation, deviceName } = client.identity;
  const compartments = person.compartments?.length ? ` (${person.compartments.join(', ')})` : '';
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
          <dd>
            {person.clearance}
            {compartments}
          </dd>
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
