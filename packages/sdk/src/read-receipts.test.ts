import { ValiseError } from '@valise/protocol';
import { describe, expect, it } from 'vitest';
import type { ClientCore } from './core.ts';
import { flushReadReports, reportRead } from './read-receipts.ts';
import { EncryptedStore, MemoryStore } from './storage.ts';

/** A core with an in-memory store and a server whose answers the test controls. */
function coreWith(answer: (path: string) => Promise<unknown>): { core: ClientCore; posted: string[] } {
  const identity = { seal: async (p: Uint8Array) => p, open: async (c: Uint8Array) => c };
  const posted: string[] = [];
  const api = {
    post: async (path: string) => {
      const result = await answer(path);
      posted.push(path);
      return result;
    },
  };
  return { core: { api, store: new EncryptedStore(new MemoryStore(), identity) } as unknown as ClientCore, posted };
}

const unreachable = () => Promise.reject(new ValiseError('SERVER_UNREACHABLE', 'down'));

describe('read reports', () => {
  it('keeps a report the server cannot take and sends it on the next flush, once', async () => {
    let down = true;
    const { core, posted } = coreWith((path) => (down ? unreachable() : Promise.resolve({ ok: true, path })));
    await reportRead(core, 'conv1', 'msg1');
    expect(posted).toEqual([]);
    expect(await flushReadReports(core)).toBe(0); // still down: kept
    expect(await core.store.keys('readreport/')).toEqual(['readreport/msg1']);
    down = false;
    expect(await flushReadReports(core)).toBe(1);
    expect(posted).toEqual(['/conversations/conv1/messages/msg1/read']);
    expect(await flushReadReports(core)).toBe(0);
    expect(await core.store.keys('readreport/')).toEqual([]);
  });

  it('drops a kept report the server refuses for good (the refusal is recorded there)', async () => {
    let down = true;
    const { core } = coreWith(() => (down ? unreachable() : Promise.reject(new ValiseError('NOT_A_MEMBER', 'left'))));
    await reportRead(core, 'conv1', 'msg2');
    down = false;
    expect(await flushReadReports(core)).toBe(0);
    expect(await core.store.keys('readreport/')).toEqual([]);
  });
});
