/**
 * Read reports: decryption happens only on devices, so only a device can tell the server that its
 * person opened a message, which the server records in the audit log as a 'read' event. A report
 * that cannot be delivered now (offline) is kept in the encrypted store and sent on the next sync;
 * reading never waits for the network.
 */
import { hasCode } from '@valise/protocol';
import type { ClientCore } from './core.ts';

const PENDING = 'readreport/';

interface PendingReport {
  conversationId: string;
}

async function send(core: ClientCore, conversationId: string, messageId: string): Promise<void> {
  await core.api.post(`/conversations/${conversationId}/messages/${messageId}/read`, undefined);
}

/** Report one opening; on failure keep it for `flushReadReports`. */
export async function reportRead(core: ClientCore, conversationId: string, messageId: string): Promise<void> {
  try {
    await send(core, conversationId, messageId);
  } catch {
    const pending: PendingReport = { conversationId };
    await core.store.putJson(`${PENDING}${messageId}`, pending);
  }
}

/**
 * Send the reports kept while offline. A report the server refuses for good (the device left the
 * conversation or may no longer read it) is dropped: the refusal is itself recorded there.
 */
export async function flushReadReports(core: ClientCore): Promise<number> {
  let sent = 0;
  for (const key of await core.store.keys(PENDING)) {
    const pending = await core.store.getJson<PendingReport>(key);
    if (!pending) continue;
    try {
      await send(core, pending.conversationId, key.slice(PENDING.length));
      sent += 1;
    } catch (err) {
      if (hasCode(err, 'SERVER_UNREACHABLE') || hasCode(err, 'UNAVAILABLE')) return sent;
    }
    await core.store.delete(key);
  }
  return sent;
}
