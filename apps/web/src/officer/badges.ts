/**
 * The counts on the security officer's navigation links: open alerts and approvals waiting for
 * this officer. The shell reads them synchronously every few seconds, so they are kept here and
 * refreshed in the background (at most every 15 s, or at once after the officer acts).
 */
import type { ValiseClient } from '@valise/sdk';

interface Counts {
  alerts: number;
  approvals: number;
  at: number;
  loading: boolean;
  /** A refresh was asked for while counting: count again when done (the running count may predate the change). */
  again: boolean;
}

const STALE_MS = 15_000;
const counts = new WeakMap<ValiseClient, Counts>();

async function load(client: ValiseClient, c: Counts): Promise<void> {
  c.loading = true;
  try {
    const [alerts, approvals] = await Promise.all([client.admin.alerts(), client.approvals('pending')]);
    c.alerts = alerts.filter((a) => !a.acknowledgement).length;
    // Those this officer may decide: not their own requests.
    c.approvals = approvals.filter((a) => a.requestedBy !== client.identity.person.handle).length;
  } catch {
    // Keep the last counts; the views themselves say what went wrong.
  } finally {
    c.at = Date.now();
    c.loading = false;
  }
  if (c.again) {
    c.again = false;
    await load(client, c);
  }
}

/** The last known count (0 until known); starts a refresh when it is stale. */
export function badgeCount(client: ValiseClient, which: 'alerts' | 'approvals'): number {
  let c = counts.get(client);
  if (!c) {
    c = { alerts: 0, approvals: 0, at: 0, loading: false, again: false };
    counts.set(client, c);
  }
  if (!c.loading && Date.now() - c.at > STALE_MS) void load(client, c);
  return c[which];
}

/** Count again now (after acknowledging an alert or deciding an approval). */
export function refreshBadges(client: ValiseClient): void {
  const c = counts.get(client);
  if (!c) return;
  if (c.loading) c.again = true;
  else {
    c.at = 0;
    badgeCount(client, 'alerts');
  }
}
