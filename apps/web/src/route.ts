/** Hash routes, so a reload keeps the view and the server needs no fallback rule. */
import { useEffect, useState } from 'react';

export type Route = { view: 'inbox' } | { view: 'sent' } | { view: 'compose' } | { view: 'message'; id: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const message = /^\/message\/([0-9A-Za-z]{1,64})$/.exec(path);
  if (message?.[1]) return { view: 'message', id: message[1] };
  if (path === '/compose') return { view: 'compose' };
  if (path === '/sent') return { view: 'sent' };
  return { view: 'inbox' };
}

export function hrefOf(route: Route): string {
  return route.view === 'message' ? `#/message/${route.id}` : `#/${route.view}`;
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
