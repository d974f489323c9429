/**
 * Attacks end to end, against the real server process and the real SDK. Two kinds of attacker:
 * a member or outsider talking to the honest server (raw API calls, messages crafted with the
 * protocol functions directly), and a malicious server, played by a fetch that rewrites the
 * server's answers on their way into the victim's SDK. Every attack must be refused with a clear
 * code and change nothing the victim keeps (compared key by key in its encrypted store).
 */
import {
  type ClaimKeyPackagesResponse,
  decodeGroup,
  encodeGroup,
  encodeMessageContent,
  encryptMessage,
  fromBase64Url,
  groupEpoch,
  hasCode,
  type MessageContent,
  type QueueItem,
  type QueueResponse,
  toBase64Url,
} from '@valise/protocol';
import { aeadStorageCipher, type FetchLike, MemoryStore, ValiseClient } from '@valise/sdk';
import { nodeCryptoProvider, nodeMlsNative } from '@valise/sdk/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolClient } from '../helpers/clients.ts';
import { demoPerson, type RunningServer, startDemoServer } from '../helpers/server.ts';

/** What the malicious server does: rewrite a JSON answer, or fail a request outright. */
interface Tamper {
  rewrite?: (method: string, path: string, body: unknown) => unknown;
  /** Answer in the server's place (an answer of its own, or the real server asked something else). */
  fail?: (method: string, path: string, input: string, init?: RequestInit) => Response | undefined | Promise<Response | undefined>;
}

function tamperingFetch(tamper: Tamper): FetchLike {
  return async (input, init) => {
    const method = init?.method ?? 'GET';
    const url = new URL(input);
    const path = url.pathname + url.search;
    const failed = await tamper.fail?.(method, path, input, init);
    if (failed) return failed;
    const res = await fetch(input, init);
    if (!tamper.rewrite || !res.ok || !(res.headers.get('content-type') ?? '').includes('application/json')) return res;
    const body = await res.json();
    return new Response(JSON.stringify(tamper.rewrite(method, path, body) ?? body), {
      status: res.status,
      headers: { 'content-type': 'application/json' },
    });
  };
}

async function enrolBehind(tamper: Tamper, serverUrl: string, code: string, deviceName: string): Promise<ValiseClient> {
  return ValiseClient.enrol(
    {
      crypto: nodeCryptoProvider,
      mlsNative: nodeMlsNative,
      store: new MemoryStore(),
      cipher: aeadStorageCipher(nodeCryptoProvider, nodeCryptoProvider.randomBytes(32)),
      fetch: tamperingFetch(tamper),
    },
    { serverUrl, code, deviceName },
  );
}

/** Everything a client keeps under a prefix, decrypted: compared before and after an attack. */
async function kept(client: ValiseClient, prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of (await client.core.store.keys(prefix)).sort()) {
    const value = await client.core.store.get(key);
    out[key] = value ? toBase64Url(value) : '';
  }
  return out;
}

/** Rewrite the items of queue pages, leaving every other answer alone. */
function onQueue(edit: (items: QueueItem[]) => QueueItem[]): Tamper['rewrite'] {
  return (method, path, body) => {
    if (method !== 'GET' || !path.startsWith('/api/v1/queue?')) return body;
    const page = body as QueueResponse;
    return { ...page, items: edit(page.items) };
  };
}

let server: RunningServer;
const aliceSide: Tamper = {};
const bobSide: Tamper = {};
let alice: ValiseClient; // embassy A; her server is malicious in the key package test
let bob: ValiseClient; // embassy B; his server is malicious in most tests
let carol: ValiseClient; // HQ, never in the conversation
let officer: ValiseClient;
let conversationId: string;

/** Bob's queue as the honest server holds it (the tampering is switched off while looking). */
async function honestQueue(): Promise<QueueItem[]> {
  const saved = { ...bobSide };
  delete bobSide.rewrite;
  delete bobSide.fail;
  try {
    return (await bob.core.api.get<QueueResponse>('/queue?after=0&limit=1000')).items;
  } finally {
    Object.assign(bobSide, saved);
  }
}

/** A message from Alice made with the protocol functions directly, so content and envelope can disagree. */
async function craftedMessage(content: Partial<MessageContent>, envelopeLabel?: string): Promise<string> {
  const record = await alice.core.store.getJson<{ group: string; label: string }>(`conv/${conversationId}`);
  if (!record) throw new Error('alice is not in the conversation');
  const group = decodeGroup(fromBase64Url(record.group));
  const full: MessageContent = {
    v: 1,
    kind: 'message',
    label: record.label,
    precedence: 'ROUTINE',
    subject: 'crafted',
    body: 'crafted body',
    tags: [],
    originator: alice.identity.person.handle,
    action: [],
    info: [],
    attachments: [],
    sentAt: new Date().toISOString(),
    ...content,
  };
  const out = await encryptMessage(alice.core.mls, group, encodeMessageContent(full));
  await alice.core.store.putJson(`conv/${conversationId}`, { ...record, group: toBase64Url(encodeGroup(out.group)) });
  const sent = await alice.core.api.post<{ id: string }>(`/conversations/${conversationId}/messages`, {
    epoch: groupEpoch(group),
    ciphertext: toBase64Url(out.message),
    label: envelopeLabel ?? full.label,
    precedence: full.precedence,
  });
  return sent.id;
}

beforeAll(async () => {
  server = await startDemoServer();
  const embassies = [...new Set(server.people.filter((p) => p.unit.startsWith('embassy-')).map((p) => p.unit))];
  const a = demoPerson(server, (p) => p.unit === embassies[0] && !p.roles.includes('security-officer'));
  const b = demoPerson(server, (p) => p.unit === embassies[1] && !p.roles.includes('security-officer'));
  const c = demoPerson(server, (p) => p.unit.startsWith('hq') && !p.roles.includes('security-officer') && !p.roles.includes('admin'));
  const so = demoPerson(server, (p) => p.roles.includes('security-officer'));
  [alice, bob, carol, officer] = await Promise.all([
    enrolBehind(aliceSide, server.url, a.code, 'alice-laptop'),
    enrolBehind(bobSide, server.url, b.code, 'bob-laptop'),
    enrolClient(server.url, c.code, 'carol-laptop'),
    enrolClient(server.url, so.code, 'officer-laptop'),
  ]);
  const conv = await alice.createConversation({ kind: 'group', with: [bob.identity.person.handle], label: 'CONFIDENTIAL' });
  conversationId = conv.id;
  expect((await bob.sync()).joined).toEqual([conversationId]);
});

afterAll(async () => {
  for (const c of [alice, bob, carol, officer]) c?.close();
  await server?.stop();
});

describe('a member or an outsider against the honest server', () => {
  it('keeps an outsider with a valid token of her own out of the conversation', async () => {
    const before = await honestQueue();
    const attempts = [
      carol.core.api.get(`/conversations/${conversationId}`),
      carol.core.api.get(`/conversations/${conversationId}/ratchet-tree`),
      carol.core.api.post(`/conversations/${conversationId}/messages`, {
        epoch: 1,
        ciphertext: toBase64Url(new Uint8Array(64)),
        label: 'CONFIDENTIAL',
        precedence: 'FLASH',
      }),
      carol.core.api.postBytes(`/conversations/${conversationId}/blobs`, new Uint8Array([1, 2, 3])),
    ];
    for (const attempt of attempts) await expect(attempt).rejects.toSatisfy((e) => hasCode(e, 'NOT_A_MEMBER'));
    expect(await honestQueue()).toEqual(before);
  });

  it('refuses a made-up bearer token shaped like a real one', async () => {
    const forged = toBase64Url(nodeCryptoProvider.randomBytes(32));
    const res = await fetch(`${server.url}/api/v1/queue`, { headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a message whose signed label differs from its envelope (LABEL_MISMATCH), and read() refuses it', async () => {
    const messages = await kept(bob, 'msg/');
    const id = await craftedMessage({ label: 'TOP SECRET', body: 'really top secret' }, 'CONFIDENTIAL');
    const result = await bob.sync();
    expect(result.messages).toEqual([]);
    expect(result.problems).toEqual([expect.objectContaining({ messageId: id, code: 'LABEL_MISMATCH' })]);
    await expect(bob.read(id)).rejects.toSatisfy((e) => hasCode(e, 'LABEL_MISMATCH'));
    expect(await kept(bob, 'msg/')).toEqual(messages);
    expect((await bob.inbox()).some((m) => m.id === id)).toBe(false);
  });

  it('refuses a message naming another originator than its signer (ORIGINATOR_MISMATCH)', async () => {
    const messages = await kept(bob, 'msg/');
    const id = await craftedMessage({ kind: 'cable', originator: officer.identity.person.handle, subject: 'Orders from the RSO' });
    const result = await bob.sync();
    expect(result.problems).toEqual([expect.objectContaining({ messageId: id, code: 'ORIGINATOR_MISMATCH' })]);
    await expect(bob.read(id)).rejects.toSatisfy((e) => hasCode(e, 'ORIGINATOR_MISMATCH'));
    expect(await kept(bob, 'msg/')).toEqual(messages);
  });
});

describe('a malicious server against the SDK', () => {
  it('is caught relabelling an envelope (LABEL_MISMATCH)', async () => {
    const messages = await kept(bob, 'msg/');
    bobSide.rewrite = onQueue((items) => items.map((i) => (i.type === 'message' ? { ...i, label: 'UNCLASSIFIED' } : i)));
    const sent = await alice.sendMessage(conversationId, { body: 'confidential body' });
    try {
      const result = await bob.sync();
      expect(result.problems).toEqual([expect.objectContaining({ messageId: sent.id, code: 'LABEL_MISMATCH' })]);
    } finally {
      delete bobSide.rewrite;
    }
    await expect(bob.read(sent.id)).rejects.toSatisfy((e) => hasCode(e, 'LABEL_MISMATCH'));
    expect(await kept(bob, 'msg/')).toEqual(messages);
  });

  it('is caught naming the wrong sender (SENDER_MISMATCH)', async () => {
    const messages = await kept(bob, 'msg/');
    bobSide.rewrite = onQueue((items) =>
      items.map((i) =>
        i.type === 'message' ? { ...i, sender: { deviceId: officer.identity.deviceId, person: officer.identity.person.handle } } : i,
      ),
    );
    const sent = await alice.sendMessage(conversationId, { body: 'from alice, really' });
    try {
      expect((await bob.sync()).problems).toEqual([expect.objectContaining({ messageId: sent.id, code: 'SENDER_MISMATCH' })]);
    } finally {
      delete bobSide.rewrite;
    }
    await expect(bob.read(sent.id)).rejects.toSatisfy((e) => hasCode(e, 'SENDER_MISMATCH'));
    expect(await kept(bob, 'msg/')).toEqual(messages);
  });

  it('cannot overwrite a stored message by reusing its id (DUPLICATE_MESSAGE), nor replay an old ciphertext', async () => {
    const first = await alice.sendMessage(conversationId, { body: 'the original' });
    let captured: QueueItem | undefined;
    bobSide.rewrite = onQueue((items) => {
      captured ??= items.find((i) => i.messageId === first.id);
      return items;
    });
    await bob.sync();
    expect((await bob.read(first.id)).body).toBe('the original');
    expect(captured).toBeDefined();
    const messages = await kept(bob, 'msg/');

    // A new, genuine message delivered under the id of the stored one.
    bobSide.rewrite = onQueue((items) => items.map((i) => (i.type === 'message' ? { ...i, messageId: first.id } : i)));
    await alice.sendMessage(conversationId, { body: 'would overwrite the original' });
    const dup = await bob.sync();
    expect(dup.problems).toEqual([expect.objectContaining({ messageId: first.id, code: 'DUPLICATE_MESSAGE' })]);
    expect(await kept(bob, 'msg/')).toEqual(messages);
    expect((await bob.read(first.id)).body).toBe('the original');

    // The old ciphertext again, under a fresh id: its key was used once and is gone.
    bobSide.rewrite = onQueue((items) => items.map((i) => (i.type === 'message' && captured ? { ...i, payload: captured.payload } : i)));
    const third = await alice.sendMessage(conversationId, { body: 'replaced by a replay' });
    const replay = await bob.sync();
    delete bobSide.rewrite;
    expect(replay.messages).toEqual([]);
    expect(replay.problems).toEqual([expect.objectContaining({ messageId: third.id, code: expect.stringMatching(/^MLS_/) })]);
    expect(Object.keys(await kept(bob, 'msg/'))).toEqual(Object.keys(messages));
  });

  it('is refused a page out of order or an endless "more", acknowledging and storing nothing', async () => {
    await alice.sendMessage(conversationId, { body: 'one' });
    await alice.sendMessage(conversationId, { body: 'two' });
    const queued = await honestQueue();
    expect(queued).toHaveLength(2);
    const everything = await kept(bob, '');

    bobSide.rewrite = onQueue((items) => [...items].reverse());
    await expect(bob.sync()).rejects.toSatisfy((e) => hasCode(e, 'BAD_QUEUE_PAGE'));
    bobSide.rewrite = (method, path, body) => (method === 'GET' && path.startsWith('/api/v1/queue?') ? { items: [], more: true } : body);
    await expect(bob.sync()).rejects.toSatisfy((e) => hasCode(e, 'BAD_QUEUE_PAGE'));
    bobSide.rewrite = onQueue((items) => [...items, { ...items[0]!, seq: items[0]!.seq }]);
    await expect(bob.sync()).rejects.toSatisfy((e) => hasCode(e, 'BAD_QUEUE_PAGE'));
    delete bobSide.rewrite;

    expect(await kept(bob, '')).toEqual(everything);
    expect(await honestQueue()).toEqual(queued);
    // The honest page is then processed in order.
    expect((await bob.sync()).messages.map((m) => m.body)).toEqual(['one', 'two']);
  });

  it('does not acknowledge an item it could not process because the server failed (ack only after storing)', async () => {
    const conv = await alice.createConversation({ kind: 'direct', with: [bob.identity.person.handle], label: 'RESTRICTED' });
    await alice.sendMessage(conv.id, { body: 'after the welcome' });
    const queued = await honestQueue();
    expect(queued.map((i) => i.type)).toEqual(['welcome', 'message']);
    const everything = await kept(bob, '');

    bobSide.fail = (method, path) =>
      method === 'GET' && path.includes('/ratchet-tree')
        ? new Response(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'down for maintenance' } }), {
            status: 503,
            headers: { 'content-type': 'application/json' },
          })
        : undefined;
    await expect(bob.sync()).rejects.toSatisfy((e) => hasCode(e, 'UNAVAILABLE'));
    delete bobSide.fail;
    expect(await honestQueue()).toEqual(queued);
    expect(await kept(bob, '')).toEqual(everything);

    const result = await bob.sync();
    expect(result.joined).toEqual([conv.id]);
    expect(result.messages.map((m) => m.body)).toEqual(['after the welcome']);
  });

  it('cannot replace the state of a joined group with a Welcome (ALREADY_JOINED) or file one under a strange id', async () => {
    const held = await kept(bob, `conv/${conversationId}`);
    expect(Object.keys(held)).toHaveLength(1);
    const bogus = toBase64Url(nodeCryptoProvider.randomBytes(32));

    bobSide.rewrite = onQueue((items) => items.map((i) => (i.type === 'welcome' ? { ...i, conversationId } : i)));
    const second = await alice.createConversation({ kind: 'group', with: [bob.identity.person.handle], label: 'CONFIDENTIAL' });
    const refused = await bob.sync();
    expect(refused.joined).toEqual([]);
    expect(refused.problems).toEqual([expect.objectContaining({ conversationId, code: 'ALREADY_JOINED' })]);
    expect(await kept(bob, `conv/${conversationId}`)).toEqual(held);
    expect(await kept(bob, `conv/${second.id}`)).toEqual({});

    // The server files a Welcome under an id of its choosing, and serves the real tree for it.
    bobSide.rewrite = onQueue((items) => items.map((i) => (i.type === 'welcome' ? { ...i, conversationId: bogus } : i)));
    const third = await alice.createConversation({ kind: 'group', with: [bob.identity.person.handle], label: 'CONFIDENTIAL' });
    bobSide.fail = (_method, path, input, init) => (path.includes(bogus) ? fetch(input.replace(bogus, third.id), init) : undefined);
    const misfiled = await bob.sync();
    delete bobSide.rewrite;
    delete bobSide.fail;
    expect(misfiled.joined).toEqual([]);
    expect(misfiled.problems).toEqual([expect.objectContaining({ conversationId: bogus, code: 'WRONG_GROUP' })]);
    expect(await kept(bob, `conv/${bogus}`)).toEqual({});

    // The real group still works for Bob.
    const after = await alice.sendMessage(conversationId, { body: 'still readable' });
    await bob.sync();
    expect((await bob.read(after.id)).body).toBe('still readable');
  });

  it('is refused a commit for an unknown group, or for another group than the one it names', async () => {
    const target = await alice.createConversation({ kind: 'group', with: [bob.identity.person.handle], label: 'RESTRICTED' });
    await bob.sync();
    const conversations = await kept(bob, 'conv/');
    const unknown = toBase64Url(nodeCryptoProvider.randomBytes(32));

    bobSide.rewrite = onQueue((items) => items.map((i) => (i.type === 'commit' ? { ...i, conversationId: unknown } : i)));
    await alice.addMembers(target.id, [carol.identity.person.handle]);
    const first = await bob.sync();
    expect(first.problems).toEqual([expect.objectContaining({ conversationId: unknown, code: 'CONVERSATION_NOT_FOUND' })]);
    expect(await kept(bob, 'conv/')).toEqual(conversations);

    // Another commit of the same group, filed under Bob's first conversation.
    bobSide.rewrite = onQueue((items) => items.map((i) => (i.type === 'commit' ? { ...i, conversationId } : i)));
    await alice.removeDevices(target.id, [carol.identity.deviceId]);
    const second = await bob.sync();
    delete bobSide.rewrite;
    expect(second.problems).toEqual([expect.objectContaining({ conversationId, code: 'MLS_WRONG_GROUP' })]);
    expect(await kept(bob, 'conv/')).toEqual(conversations);
  });

  it('cannot swap or slip in a device through the key packages it hands out (KEY_PACKAGE_MISMATCH)', async () => {
    // A genuine key package of Carol's device, claimed the honest way.
    const carolPackage = (
      await officer.core.api.post<ClaimKeyPackagesResponse>('/key-packages/claim', {
        suite: alice.core.suite,
        deviceIds: [carol.identity.deviceId],
      })
    ).keyPackages[0];
    expect(carolPackage).toBeDefined();
    const carolQueue = async () => (await carol.core.api.get<QueueResponse>('/queue?after=0&limit=1000')).items;
    const carolBefore = await carolQueue();
    const bobBefore = await honestQueue();
    const aliceConversations = await kept(alice, 'conv/');
    const onClaim =
      (edit: (claim: ClaimKeyPackagesResponse) => ClaimKeyPackagesResponse): Tamper['rewrite'] =>
      (method, path, body) =>
        method === 'POST' && path === '/api/v1/key-packages/claim' ? edit(body as ClaimKeyPackagesResponse) : body;

    // Bob's device id, Carol's key package.
    aliceSide.rewrite = onClaim((claim) => ({
      ...claim,
      keyPackages: claim.keyPackages.map((k) => ({ ...k, keyPackage: carolPackage!.keyPackage })),
    }));
    await expect(alice.createConversation({ kind: 'direct', with: [bob.identity.person.handle], label: 'SECRET' })).rejects.toSatisfy((e) =>
      hasCode(e, 'KEY_PACKAGE_MISMATCH'),
    );
    // Carol's device slipped in beside Bob's.
    aliceSide.rewrite = onClaim((claim) => ({ ...claim, keyPackages: [...claim.keyPackages, carolPackage!] }));
    await expect(alice.createConversation({ kind: 'direct', with: [bob.identity.person.handle], label: 'SECRET' })).rejects.toSatisfy((e) =>
      hasCode(e, 'KEY_PACKAGE_MISMATCH'),
    );
    delete aliceSide.rewrite;

    expect(await carolQueue()).toEqual(carolBefore);
    expect(await honestQueue()).toEqual(bobBefore);
    expect(await kept(alice, 'conv/')).toEqual(aliceConversations);
  });
});
