/** Hash routes, so a reload keeps the view and the server needs no fallback rule. */
import { useEffect, useState } from 'react';

export type Route =
  | { view: 'inbox' }
  | { view: 'sent' }
  | { view: 'compose'; conversation?: string }
  | { view: 'message'; id: string }
  | { view: 'conversations' }
  | { view: 'conversation'; id: string }
  | { view: 'devices' }
  | { view: 'officer'; id: string }
  | { view: 'pouches' }
  | { view: 'pouch-new' }
  | { view: 'pouch'; id: string };

const ID = '([0-9A-Za-z_-]{1,100})';

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const match = (pattern: string) => new RegExp(`^${pattern}$`).exec(path)?.[1];
  const message = match(`/message/${ID}`);
  if (message) return { view: 'message', id: message };
  const conversation = match(`/conversations/${ID}`);
  if (conversation) return { view: 'conversation', id: conversation };
  const officer = match(`/officer/${ID}`);
  if (officer) return { view: 'officer', id: officer };
  if (path === '/pouches') return { view: 'pouches' };
  if (path === '/pouches/new') return { view: 'pouch-new' };
  const pouch = match(`/pouches/${ID}`);
  if (pouch) return { view: 'pouch', id: pouch };
  const replyTo = match(`/compose/${ID}`);
  if (replyTo) return { view: 'compose', conversation: replyTo };
  if (path === '/compose') return { view: 'compose' };
  if (path === '/sent') return { view: 'sent' };
  if (path === '/conversations') return { view: 'conversations' };
  if (path === '/devices') return { view: 'devices' };
  return { view: 'inbox' };
}

export function hrefOf(route: Route): string {
  switch (route.view) {
    case 'message':
      return `#/message/${route.id}`;
    case 'conversation':
      return `#/conversations/${route.id}`;
    case 'pouch-new':
      return '#/pouches/new';
    case 'pouch':
      return `#/pouches/${route.id}`;
    case 'officer':
      return `#/officer/${route.id}`;
    case 'compose':
      return route.conversation ? `#/compose/${route.conversation}` : '#/compose';
    default:
      return `#/${route.view}`;
  }
}

export function navigate(route: Route): void {
  window.location.hash = hrefOf(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
