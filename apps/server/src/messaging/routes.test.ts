import { fromBase64Url, fromUtf8, LIMITS, type QueueResponse, toBase64Url } from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, DIALECTS } from '../testing/databases.ts';
import { call, createTestServer, errorCode, type TestServer } from '../testing/http.ts';
import { keyPackagesOf, TEST_SUITE } from '../testing/key-packages.ts';
import { b64, member, newGroupId } from '../testing/world.ts';

type Member = Awaited<ReturnType<typeof member>>;

describe.each(DIALECTS)('delivery routes on %s', (dialect) => {
  let server: TestServer;
  let alice: Member;
  let bob: Member;
  let mallory: Member;
  let conversation: string;
  let blobId: string;
  const rows = () => countRows(server.world.tdb.db);
  const api = (method: 'GET' | 'POST', url: string, who: Member, body?: unknown) =>
    call(server.app, method, url, { token: who.token, ...(body !== undefined ? { body } : {}) });

  beforeAll(async () => {
    server = await createTestServer(dialect);
    alice = await member(server.world, 'alice');
    bob = await member(server.world, 'bob');
    mallory = await member(server.world, 'mallory');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('runs the delivery flow: key packages, conversation, commit with welcome, message, queue, ack', async () => {
    const bobPackages = await keyPackagesOf(server.world, bob.device, 2);
    const upload = await api('POST', '/api/v1/key-packages', bob, { suite: TEST_SUITE, keyPackages: bobPackages });
    expect(upload.json()).toEqual({ suite: TEST_SUITE, count: 2 });
    expect((await api('GET', `/api/v1/key-packages/count?suite=${TEST_SUITE}`, bob)).json()).toEqual({ suite: TEST_SUITE, count: 2 });
    const claim = await api('POST', '/api/v1/key-packages/claim', alice, { suite: TEST_SUITE, deviceIds: [bob.device.deviceId] });
    expect(claim.json()).toEqual({ keyPackages: [{ deviceId: bob.device.deviceId, keyPackage: bobPackages[0] }], missing: [] });

    conversation = newGroupId();
    const created = await api('POST', '/api/v1/conversations', alice, { id: conversation, kind: 'group', label: 'SECRET', suite: 3 });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({ id: conversation, epoch: 0, createdBy: alice.person });

    const commit = await api('POST', `/api/v1/conversations/${conversation}/commits`, alice, {
      epoch: 0,
      commit: b64('commit-0'),
      welcome: b64('welcome-1'),
      ratchetTree: b64('tree-1'),
      added: [bob.device.deviceId],
      removed: [],
    });
    expect(commit.json()).toEqual({ epoch: 1 });

    const bobQueue = (await api('GET', '/api/v1/queue', bob)).json() as QueueResponse;
    expect(bobQueue.more).toBe(false);
    expect(bobQueue.items).toHaveLength(1);
    expect(bobQueue.items[0]).toMatchObject({ type: 'welcome', conversationId: conversation, epoch: 1, payload: b64('welcome-1') });
    expect((await api('GET', `/api/v1/conversations/${conversation}/ratchet-tree`, bob)).json()).toEqual({
      epoch: 1,
      ratchetTree: b64('tree-1'),
    });
    const treeAt1 = await api('GET', `/api/v1/conversations/${conversation}/ratchet-tree?epoch=1`, bob);
    expect(treeAt1.json()).toEqual({ epoch: 1, ratchetTree: b64('tree-1') });
    expect(errorCode(await api('GET', `/api/v1/conversations/${conversation}/ratchet-tree?epoch=7`, bob))).toBe('NOT_FOUND');
    expect(((await api('GET', '/api/v1/conversations', bob)).json() as { id: string }[]).map((c) => c.id)).toEqual([conversation]);

    const sent = await api('POST', `/api/v1/conversations/${conversation}/messages`, bob, {
      epoch: 1,
      ciphertext: b64('ciphertext'),
      label: 'SECRET',
      precedence: 'IMMEDIATE',
    });
    const { id } = sent.json() as { id: string };
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    const aliceQueue = (await api('GET', '/api/v1/queue?after=0&limit=10', alice)).json() as QueueResponse;
    expect(aliceQueue.items).toMatchObject([
      { type: 'message', messageId: id, precedence: 'IMMEDIATE', sender: { deviceId: bob.device.deviceId, person: bob.person } },
    ]);
    expect(fromUtf8(fromBase64Url(aliceQueue.items[0]!.payload))).toBe('ciphertext');

    const stale = await api('POST', `/api/v1/conversations/${conversation}/messages`, bob, {
      epoch: 0,
      ciphertext: b64('x'),
      label: 'SECRET',
      precedence: 'ROUTINE',
    });
    expect(stale.statusCode).toBe(409);
    expect(errorCode(stale)).toBe('EPOCH_MISMATCH');
    const staleCommit = await api('POST', `/api/v1/conversations/${conversation}/commits`, bob, {
      epoch: 0,
      commit: b64('c'),
      ratchetTree: b64('t'),
      added: [],
      removed: [],
    });
    expect(errorCode(staleCommit)).toBe('EPOCH_MISMATCH');

    const seq = aliceQueue.items[0]!.seq;
    expect((await api('POST', '/api/v1/queue/ack', alice, { upTo: seq })).json()).toEqual({ ok: true });
    expect(((await api('GET', '/api/v1/queue', alice)).json() as QueueResponse).items).toEqual([]);
  });

  it('stores and serves attachments as octet-stream, for members only', async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(50_000));
    const up = await call(server.app, 'POST', `/api/v1/conversations/${conversation}/blobs`, { token: alice.token, body: bytes });
    expect(up.statusCode).toBe(200);
    const blob = up.json() as { id: string; size: number };
    expect(blob.size).toBe(50_000);
    blobId = blob.id;
    const down = await call(server.app, 'GET', `/api/v1/conversations/${conversation}/blobs/${blob.id}`, { token: bob.token });
    expect(down.statusCode).toBe(200);
    expect(down.headers['content-type']).toBe('application/octet-stream');
    expect(new Uint8Array(down.rawPayload)).toEqual(bytes);
  });

  it('keeps non-members out of conversations, trees, messages, commits and blobs, changing nothing', async () => {
    const before = await rows();
    const attempts = [
      api('GET', `/api/v1/conversations/${conversation}`, mallory),
      api('GET', `/api/v1/conversations/${conversation}/ratchet-tree`, mallory),
      api('POST', `/api/v1/conversations/${conversation}/messages`, mallory, {
        epoch: 1,
        ciphertext: b64('x'),
        label: 'SECRET',
        precedence: 'ROUTINE',
      }),
      api('POST', `/api/v1/conversations/${conversation}/commits`, mallory, {
        epoch: 1,
        commit: b64('c'),
        welcome: b64('w'),
        ratchetTree: b64('t'),
        added: [mallory.device.deviceId],
        removed: [],
      }),
      api('GET', `/api/v1/conversations/${conversation}/blobs/${blobId}`, mallory),
      api('POST', `/api/v1/conversations/${conversation}/messages/01ARZ3NDEKTSV4RRFFQ69G5FAV/read`, mallory),
      call(server.app, 'POST', `/api/v1/conversations/${conversation}/blobs`, { token: mallory.token, body: new Uint8Array(1000) }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.statusCode, res.body).toBe(403);
      expect(errorCode(res)).toBe('NOT_A_MEMBER');
    }
    expect(((await api('GET', '/api/v1/conversations', mallory)).json() as unknown[]).length).toBe(0);
    expect(errorCode(await api('GET', `/api/v1/conversations/${newGroupId()}`, mallory))).toBe('NOT_FOUND');
    expect(await rows()).toEqual(before);
  });

  it('answers malformed and oversized delivery requests with a clear 4xx and changes nothing', async () => {
    const before = await rows();
    const url = `/api/v1/conversations/${conversation}`;
    const good = { epoch: 1, ciphertext: b64('x'), label: 'SECRET', precedence: 'ROUTINE' };
    const cases: [string, Promise<Awaited<ReturnType<typeof api>>>, number, string][] = [
      ['non-canonical base64', api('POST', `${url}/messages`, alice, { ...good, ciphertext: 'AB' }), 400, 'BAD_ENCODING'],
      ['bad alphabet', api('POST', `${url}/messages`, alice, { ...good, ciphertext: 'a+b/' }), 400, 'BAD_REQUEST'],
      ['epoch as string', api('POST', `${url}/messages`, alice, { ...good, epoch: '1' }), 400, 'BAD_REQUEST'],
      ['lower-case label', api('POST', `${url}/messages`, alice, { ...good, label: 'secret' }), 400, 'BAD_REQUEST'],
      ['unknown precedence', api('POST', `${url}/messages`, alice, { ...good, precedence: 'URGENT' }), 400, 'BAD_REQUEST'],
      [
        'oversized message',
        api('POST', `${url}/messages`, alice, { ...good, ciphertext: 'A'.repeat(Math.ceil((LIMITS.mlsMessageBytes * 4) / 3) + 100_000) }),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'commit adding without welcome',
        api('POST', `${url}/commits`, alice, {
          epoch: 1,
          commit: b64('c'),
          ratchetTree: b64('t'),
          added: [mallory.device.deviceId],
          removed: [],
        }),
        400,
        'BAD_REQUEST',
      ],
      [
        'commit with duplicate adds',
        api('POST', `${url}/commits`, alice, {
          epoch: 1,
          commit: b64('c'),
          welcome: b64('w'),
          ratchetTree: b64('t'),
          added: [mallory.device.deviceId, mallory.device.deviceId],
          removed: [],
        }),
        400,
        'BAD_REQUEST',
      ],
      [
        'commit adding a stranger',
        api('POST', `${url}/commits`, alice, {
          epoch: 1,
          commit: b64('c'),
          welcome: b64('w'),
          ratchetTree: b64('t'),
          added: ['01ARZ3NDEKTSV4RRFFQ69G5FAV'],
          removed: [],
        }),
        404,
        'NOT_FOUND',
      ],
      ['bad conversation id', api('GET', '/api/v1/conversations/short', alice), 400, 'BAD_REQUEST'],
      ['read report with a bad message id', api('POST', `${url}/messages/not-a-ulid/read`, alice), 400, 'BAD_REQUEST'],
      [
        'read report in an unknown conversation',
        api('POST', `/api/v1/conversations/${newGroupId()}/messages/01ARZ3NDEKTSV4RRFFQ69G5FAV/read`, alice),
        404,
        'NOT_FOUND',
      ],
      ['queue limit 0', api('GET', '/api/v1/queue?limit=0', alice), 400, 'BAD_REQUEST'],
      ['queue after negative', api('GET', '/api/v1/queue?after=-1', alice), 400, 'BAD_REQUEST'],
      ['queue unknown parameter', api('GET', '/api/v1/queue?since=3', alice), 400, 'BAD_REQUEST'],
      ['ack as string', api('POST', '/api/v1/queue/ack', alice, { upTo: '5' }), 400, 'BAD_REQUEST'],
      ['ack zero', api('POST', '/api/v1/queue/ack', alice, { upTo: 0 }), 400, 'BAD_REQUEST'],
      ['key package count without suite', api('GET', '/api/v1/key-packages/count', alice), 400, 'BAD_REQUEST'],
      ['key package count suite too big', api('GET', '/api/v1/key-packages/count?suite=70000', alice), 400, 'BAD_REQUEST'],
      ['empty key package list', api('POST', '/api/v1/key-packages', alice, { suite: 1, keyPackages: [] }), 400, 'BAD_REQUEST'],
      ['JSON to the blob route', api('POST', `${url}/blobs`, alice, { data: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['empty blob', call(server.app, 'POST', `${url}/blobs`, { token: alice.token, body: new Uint8Array(0) }), 400, 'BAD_REQUEST'],
      [
        'oversized blob',
        call(server.app, 'POST', `${url}/blobs`, { token: alice.token, body: new Uint8Array(LIMITS.attachmentBytes + 1) }),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'conversation id of 8 bytes',
        api('POST', '/api/v1/conversations', alice, { id: toBase64Url(new Uint8Array(8)), kind: 'group', label: 'SECRET', suite: 1 }),
        400,
        'BAD_REQUEST',
      ],
      [
        'unknown conversation kind',
        api('POST', '/api/v1/conversations', alice, { id: newGroupId(), kind: 'channel', label: 'SECRET', suite: 1 }),
        400,
        'BAD_REQUEST',
      ],
    ];
    for (const [name, promise, status, code] of cases) {
      const res = await promise;
      expect(res.statusCode, `${name}: ${res.body}`).toBe(status);
      expect(errorCode(res), name).toBe(code);
    }
    expect(await rows()).toEqual(before);
  });

  it('refuses unauthenticated delivery requests before reading their bodies', async () => {
    const before = await rows();
    const res = await call(server.app, 'POST', `/api/v1/conversations/${conversation}/blobs`, {
      body: new Uint8Array(LIMITS.attachmentBytes),
    });
    expect(res.statusCode).toBe(401);
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
    const ws = await call(server.app, 'GET', '/api/v1/queue', { token: bob.token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) });
    expect(errorCode(ws)).toBe('UNAUTHENTICATED');
    const read = await call(server.app, 'POST', `/api/v1/conversations/${conversation}/messages/01ARZ3NDEKTSV4RRFFQ69G5FAV/read`, {});
    expect(read.statusCode).toBe(401);
    expect(await rows()).toEqual(before);
  });
});
