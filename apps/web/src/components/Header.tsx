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

/** A count on a navigation link, with its meaning spelled out for screen readers. */
function Count({ n, meaning, tone }: { n: number; meaning: string; tone?: 'alert' }) {
  if (n <= 0) return null;
  return (
    <span className={tone === 'alert' ? 'count count-alert' : 'count'}>
      {n}
      <span className="visually-hidden"> {meaning}</span>
    </span>
  );
}

export interface OfficerLink {
  id: string;
  label: string;
  badge: number;
}

export function Navigation({
  route,
  unread,
  alerts,
  officerLinks,
}: {
  route: Route;
  unread: number;
  alerts: number;
  /** Only for security officers; empty otherwise. */
  officerLinks: OfficerLink[];
}) {
  const current = (...views: Route['view'][]) => (views.includes(route.view) ? ('page' as const) : undefined);
  return (
    <nav className="app-nav" aria-label="Main">
      <a href="#/inbox" aria-current={current('inbox')}>
        Inbox
        <Count n={unread} meaning="unread" />
      </a>
      <a href="#/sent" aria-current={current('sent')}>
        Sent
      </a>
      <a href="#/conversations" aria-current={current('conversations', 'conversation')}>
        Conversations
      </a>
      <a href="#/pouches" aria-current={current('pouches', 'pouch-new', 'pouch')}>
        Pouches
      </a>
      <a href="#/devices" aria-current={current('devices')}>
        Devices
        <Count n={alerts} meaning={alerts === 1 ? 'device alert' : 'device alerts'} tone="alert" />
      </a>
      {officerLinks.length > 0 && (
        <span className="nav-group" role="presentation">
          <span className="nav-group-title" aria-hidden="true">
            Security officer
          </span>
          {officerLinks.map((v) => (
            <a
              key={v.id}
              href={`#/officer/${v.id}`}
              aria-current={route.view === 'officer' && route.id === v.id ? 'page' : undefined}
              className="nav-officer"
            >
              {v.label}
              <Count n={v.badge} meaning="to review" tone="alert" />
            </a>
          ))}
        </span>
      )}
      <a href="#/compose" aria-current={current('compose')} className="nav-compose">
        Compose cable
      </a>
    </nav>
  );
}
