/**
 * Attacks on the delivery service over HTTP: outsiders, removed and revoked devices, stale epochs,
 * other devices' queues, key packages filed under someone else's identity, and malformed input at
 * every boundary. Each must be refused with a clear code and change nothing (row counts, the
 * conversation and the victims' queues are compared).
 */
import { fromBase64Url, MLS_SUITES, type QueueResponse, toBase64Url } from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, DIALECTS } from '../testing/databases.ts';
import { call, createTestServer, errorCode, type TestServer } from '../testing/http.ts';
import { keyPackagesOf, TEST_SUITE } from '../testing/key-packages.ts';
import { b64, member, newGroupId } from '../testing/world.ts';

type Member = Awaited<ReturnType<typeof member>>;

describe.each(DIALECTS)('delivery attacks on %s', (dialect) => {
  let server: TestServer;
  let alice: Member;
  let bob: Member;
  let carol: Member; // added, then removed
  let mallory: Member; // never a member
  let conversation: string;
  let blobId: string;
  const rows = () => countRows(server.world.tdb.db);
  const api = (method: 'GET' | 'POST', url: string, who: Member, body?: unknown) =>
    call(server.app, method, url, { token: who.token, ...(body !== undefined ? { body } : {}) });
  const queueOf = async (who: Member) => ((await api('GET', '/api/v1/queue', who)).json() as QueueResponse).items.map((i) => i.seq);
  const snapshot = async () => ({
    rows: await rows(),
    conversation: (await api('GET', `/api/v1/conversations/${conversation}`, alice)).json() as unknown,
    alice: await queueOf(alice),
    bob: await queueOf(bob),
  });
  const commit = (epoch: number, extra: Record<string, unknown> = {}) => ({
    epoch,
    commit: b64(`commit-${epoch}`),
    ratchetTree: b64(`tree-${epoch + 1}`),
    added: [],
    removed: [],
    ...extra,
  });

  beforeAll(async () => {
    server = await createTestServer(dialect);
    alice = await member(server.world, 'alice');
    bob = await member(server.world, 'bob');
    carol = await member(server.world, 'carol');
    mallory = await member(server.world, 'mallory');
    conversation = newGroupId();
    expect(
      (await api('POST', '/api/v1/conversations', alice, { id: conversation, kind: 'group', label: 'SECRET', suite: 3 })).statusCode,
    ).toBe(200);
    const added = await api('POST', `/api/v1/conversations/${conversation}/commits`, alice, {
      ...commit(0),
      welcome: b64('welcome-1'),
      added: [bob.device.deviceId, carol.device.deviceId],
    });
    expect(added.json()).toEqual({ epoch: 1 });
    expect(
      (await api('POST', `/api/v1/conversations/${conversation}/commits`, alice, commit(1, { removed: [carol.device.deviceId] }))).json(),
    ).toEqual({ epoch: 2 });
    const blob = await api('POST', `/api/v1/conversations/${conversation}/blobs`, alice, new Uint8Array([1, 2, 3]));
    blobId = (blob.json() as { id: string }).id;
    expect(
      (
        await api('POST', `/api/v1/conversations/${conversation}/messages`, alice, {
          epoch: 2,
          ciphertext: b64('hello'),
          label: 'SECRET',
          precedence: 'ROUTINE',
        })
      ).statusCode,
    ).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
  });

  it.each([
    ['an outsider', () => mallory],
    ['a removed member', () => carol],
  ])('keeps %s out of everything in the conversation, changing nothing', async (_who, attacker) => {
    const who = attacker();
    const before = await snapshot();
    const attempts = [
      await api('GET', `/api/v1/conversations/${conversation}`, who),
      await api('GET', `/api/v1/conversations/${conversation}/ratchet-tree`, who),
      await api('GET', `/api/v1/conversations/${conversation}/ratchet-tree?epoch=1`, who),
      await api('POST', `/api/v1/conversations/${conversation}/messages`, who, {
        epoch: 2,
        ciphertext: b64('x'),
        label: 'SECRET',
        precedence: 'FLASH',
      }),
      await api(
        'POST',
        `/api/v1/conversations/${conversation}/commits`,
        who,
        commit(2, { added: [mallory.device.deviceId], welcome: b64('w') }),
      ),
      await api('POST', `/api/v1/conversations/${conversation}/blobs`, who, new Uint8Array([9, 9, 9])),
      await api('GET', `/api/v1/conversations/${conversation}/blobs/${blobId}`, who),
    ];
    for (const res of attempts) {
      expect(res.statusCode, res.body).toBe(403);
      expect(errorCode(res)).toBe('NOT_A_MEMBER');
    }
    const listed = (await api('GET', '/api/v1/conversations', who)).json() as { id: string }[];
    expect(listed.map((c) => c.id)).not.toContain(conversation);
    expect(await snapshot()).toEqual(before);
  });

  it("does not let a member fetch a blob through another conversation's path", async () => {
    const other = newGroupId();
    await api('POST', '/api/v1/conversations', mallory, { id: other, kind: 'group', label: 'SECRET', suite: 3 });
    const before = await rows();
    const res = await api('GET', `/api/v1/conversations/${other}/blobs/${blobId}`, mallory);
    expect(res.statusCode).toBe(404);
    expect(errorCode(res)).toBe('NOT_FOUND');
    expect(await rows()).toEqual(before);
  });

  it("isolates queues: a device sees only its own and cannot acknowledge another's", async () => {
    const before = await snapshot();
    expect(before.bob.length).toBeGreaterThan(0);
    // Mallory's queue is empty whatever cursor she asks for, and her ack with a huge cursor leaves Bob's alone.
    expect(await queueOf(mallory)).toEqual([]);
    const ack = await api('POST', '/api/v1/queue/ack', mallory, { upTo: 1_000_000 });
    expect(ack.statusCode).toBe(200);
    expect(await snapshot()).toEqual(before);
    // Nor can the queue be addressed by device: unknown query parameters are refused.
    const sneaky = await api('GET', `/api/v1/queue?deviceId=${bob.device.deviceId}`, mallory);
    expect(sneaky.statusCode).toBe(400);
    expect(errorCode(sneaky)).toBe('BAD_REQUEST');
  });

  it('accepts exactly the current epoch: stale, future and replayed commits and messages are refused', async () => {
    const before = await snapshot();
    for (const epoch of [0, 1, 3, 2 ** 40]) {
      const c = await api('POST', `/api/v1/conversations/${conversation}/commits`, alice, commit(epoch));
      expect(c.statusCode).toBe(409);
      expect(errorCode(c)).toBe('EPOCH_MISMATCH');
      const m = await api('POST', `/api/v1/conversations/${conversation}/messages`, bob, {
        epoch,
        ciphertext: b64('m'),
        label: 'SECRET',
        precedence: 'ROUTINE',
      });
      expect(m.statusCode).toBe(409);
      expect(errorCode(m)).toBe('EPOCH_MISMATCH');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses membership tricks in a commit without moving the epoch', async () => {
    const before = await snapshot();
    const attempts: [Record<string, unknown>, string][] = [
      [commit(2, { removed: [mallory.device.deviceId] }), 'CONFLICT'], // not a member
      [commit(2, { removed: [alice.device.deviceId] }), 'BAD_REQUEST'], // committer removing itself
      [commit(2, { added: [bob.device.deviceId], welcome: b64('w') }), 'CONFLICT'], // already a member
      [commit(2, { added: [mallory.device.deviceId] }), 'BAD_REQUEST'], // add without a welcome
      [commit(2, { added: [mallory.device.deviceId], removed: [mallory.device.deviceId], welcome: b64('w') }), 'BAD_REQUEST'],
      [commit(2, { added: ['01ARZ3NDEKTSV4RRFFQ69G5FAV'], welcome: b64('w') }), 'NOT_FOUND'],
      // A valid add followed by an invalid one: nothing of the first may be written.
      [commit(2, { added: [mallory.device.deviceId, bob.device.deviceId], welcome: b64('w') }), 'CONFLICT'],
    ];
    for (const [body, code] of attempts) {
      const res = await api('POST', `/api/v1/conversations/${conversation}/commits`, alice, body);
      expect(errorCode(res), JSON.stringify(body)).toBe(code);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses out-of-range numbers and mistyped values at every boundary, changing nothing', async () => {
    const before = await snapshot();
    const bad: [string, string, unknown][] = [
      ['POST', '/api/v1/queue/ack', { upTo: 1e20 }],
      ['POST', '/api/v1/queue/ack', { upTo: 0 }],
      ['POST', '/api/v1/queue/ack', { upTo: '5' }],
      ['POST', '/api/v1/queue/ack', { upTo: 1.5 }],
      ['POST', '/api/v1/queue/ack', { upTo: 5, deviceId: bob.device.deviceId }],
      ['GET', '/api/v1/queue?after=-1', undefined],
      ['GET', '/api/v1/queue?after=1e3', undefined],
      ['GET', '/api/v1/queue?limit=0', undefined],
      ['GET', '/api/v1/queue?limit=1001', undefined],
      ['GET', '/api/v1/queue?after=1&after=2', undefined],
      ['GET', `/api/v1/conversations/${conversation}/ratchet-tree?epoch=-1`, undefined],
      ['GET', `/api/v1/conversations/${conversation}/ratchet-tree?epoch=1&x=1`, undefined],
      ['GET', '/api/v1/conversations/not*a*group*id*at*all*x', undefined],
      ['GET', '/api/v1/key-packages/count?suite=70000', undefined],
      ['GET', '/api/v1/key-packages/count?suite=0', undefined],
      [
        'POST',
        `/api/v1/conversations/${conversation}/messages`,
        { epoch: 1e20, ciphertext: b64('m'), label: 'SECRET', precedence: 'ROUTINE' },
      ],
      [
        'POST',
        `/api/v1/conversations/${conversation}/messages`,
        { epoch: 2, ciphertext: b64('m'), label: 'secret', precedence: 'ROUTINE' },
      ],
      [
        'POST',
        `/api/v1/conversations/${conversation}/messages`,
        { epoch: 2, ciphertext: 'bad+base64/', label: 'SECRET', precedence: 'ROUTINE' },
      ],
      ['POST', `/api/v1/conversations/${conversation}/messages`, { epoch: 2, ciphertext: 'A', label: 'SECRET', precedence: 'ROUTINE' }],
      ['POST', `/api/v1/conversations/${conversation}/commits`, { ...commit(2), epoch: 1e20 }],
      ['POST', '/api/v1/key-packages/claim', { suite: 3, deviceIds: [bob.device.deviceId, bob.device.deviceId] }],
      ['POST', '/api/v1/key-packages', { suite: 3, keyPackages: [] }],
    ];
    for (const [method, url, body] of bad) {
      const res = await api(method as 'GET' | 'POST', url, alice, body);
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)}: ${res.body}`).toBeLessThan(500);
      expect(errorCode(res)).toMatch(/^(BAD_REQUEST|BAD_ENCODING|EPOCH_MISMATCH)$/);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('stops a revoked device at once: no token, no queue, no new deliveries, no key packages', async () => {
    const dave = await member(server.world, 'dave');
    const [first, late] = await keyPackagesOf(server.world, dave.device, 2);
    expect((await api('POST', '/api/v1/key-packages', dave, { suite: TEST_SUITE, keyPackages: [first] })).statusCode).toBe(200);
    await server.world.services.identity.revokeDevice(dave.actor, dave.device.deviceId);
    for (const [method, url, body] of [
      ['GET', '/api/v1/queue', undefined],
      ['GET', '/api/v1/conversations', undefined],
      ['POST', '/api/v1/key-packages', { suite: TEST_SUITE, keyPackages: [late] }],
    ] as const) {
      const res = await api(method, url, dave, body);
      expect(res.statusCode).toBe(401);
      expect(errorCode(res)).toBe('UNAUTHENTICATED');
    }
    const claim = await api('POST', '/api/v1/key-packages/claim', alice, { suite: TEST_SUITE, deviceIds: [dave.device.deviceId] });
    expect(claim.json()).toEqual({ keyPackages: [], missing: [dave.device.deviceId] });
    const before = await snapshot();
    const add = await api(
      'POST',
      `/api/v1/conversations/${conversation}/commits`,
      alice,
      commit(2, { added: [dave.device.deviceId], welcome: b64('w') }),
    );
    expect(errorCode(add)).toBe('DEVICE_REVOKED');
    expect(await snapshot()).toEqual(before);
  });

  it('hands each key package out once (any device may claim: exhausting a supply needs rate limiting)', async () => {
    const bobPackages = await keyPackagesOf(server.world, bob.device, 2);
    expect((await api('POST', '/api/v1/key-packages', bob, { suite: TEST_SUITE, keyPackages: bobPackages })).statusCode).toBe(200);
    const claimBob = async (who: Member) =>
      (await api('POST', '/api/v1/key-packages/claim', who, { suite: TEST_SUITE, deviceIds: [bob.device.deviceId] })).json() as {
        keyPackages: { keyPackage: string }[];
      };
    const first = await claimBob(mallory);
    const second = await claimBob(mallory);
    const third = await claimBob(alice);
    expect([first, second].map((c) => c.keyPackages[0]?.keyPackage).sort()).toEqual([...bobPackages].sort());
    expect(third).toEqual({ keyPackages: [], missing: [bob.device.deviceId] });
  });

  describe('key packages filed under another identity, suite or time', () => {
    const day = 24 * 3600 * 1000;
    const forgeries: [string, () => Promise<{ suite: number; keyPackages: string[] }>][] = [
      [
        "another device's id in the credential",
        async () => ({
          suite: TEST_SUITE,
          keyPackages: await keyPackagesOf(server.world, mallory.device, 1, { claim: { deviceId: bob.device.deviceId } }),
        }),
      ],
      [
        "another device's id and person in the credential",
        async () => ({
          suite: TEST_SUITE,
          keyPackages: await keyPackagesOf(server.world, mallory.device, 1, {
            claim: { deviceId: bob.device.deviceId, person: bob.person },
          }),
        }),
      ],
      [
        "another person's handle with the uploader's own device id",
        async () => ({
          suite: TEST_SUITE,
          keyPackages: await keyPackagesOf(server.world, mallory.device, 1, { claim: { person: alice.person } }),
        }),
      ],
      [
        'a package of another suite than the request names',
        async () => ({
          suite: MLS_SUITES.postQuantum,
          keyPackages: await keyPackagesOf(server.world, mallory.device, 1, { suite: TEST_SUITE }),
        }),
      ],
      ['a request suite no package can have', async () => ({ suite: 3, keyPackages: await keyPackagesOf(server.world, mallory.device) })],
      [
        'an expired package',
        async () => ({
          suite: TEST_SUITE,
          keyPackages: await keyPackagesOf(server.world, mallory.device, 1, { madeAtOffsetMs: -91 * day }),
        }),
      ],
      [
        'a package expiring within the clock skew',
        async () => ({
          suite: TEST_SUITE,
          keyPackages: await keyPackagesOf(server.world, mallory.device, 1, { madeAtOffsetMs: -90 * day + 60_000 }),
        }),
      ],
      [
        'a package not valid yet',
        async () => ({
          suite: TEST_SUITE,
          keyPackages: await keyPackagesOf(server.world, mallory.device, 1, { madeAtOffsetMs: 2 * 3600 * 1000 }),
        }),
      ],
      ['garbage bytes', async () => ({ suite: TEST_SUITE, keyPackages: [b64('not a key package')] })],
      [
        'a truncated package',
        async () => {
          const [kp] = await keyPackagesOf(server.world, mallory.device);
          return { suite: TEST_SUITE, keyPackages: [toBase64Url(fromBase64Url(kp!).subarray(0, -8))] };
        },
      ],
      [
        'a valid package followed by a forged one (the whole upload is refused)',
        async () => ({
          suite: TEST_SUITE,
          keyPackages: [
            ...(await keyPackagesOf(server.world, mallory.device, 2)),
            ...(await keyPackagesOf(server.world, mallory.device, 1, { claim: { deviceId: bob.device.deviceId } })),
          ],
        }),
      ],
      [
        'a valid package followed by bytes framed as another kind of MLS message',
        async () => ({
          suite: TEST_SUITE,
          keyPackages: [...(await keyPackagesOf(server.world, mallory.device)), toBase64Url(new Uint8Array([0, 1, 0, 3, 0, 0]))],
        }),
      ],
    ];

    it.each(forgeries)('refuses %s with KEY_PACKAGE_INVALID, storing nothing', async (_what, body) => {
      const request = await body();
      const before = await snapshot();
      const counts = async () =>
        Promise.all(
          [mallory, bob, alice].map(async (who) => (await api('GET', `/api/v1/key-packages/count?suite=${TEST_SUITE}`, who)).json()),
        );
      const countsBefore = await counts();
      const res = await api('POST', '/api/v1/key-packages', mallory, request);
      expect(res.statusCode, res.body).toBe(400);
      expect(errorCode(res)).toBe('KEY_PACKAGE_INVALID');
      expect(await snapshot()).toEqual(before);
      expect(await counts()).toEqual(countsBefore);
    });

    it('files the same packages once they are honest, and they reach claimers intact', async () => {
      const own = await keyPackagesOf(server.world, mallory.device, 1, { suite: MLS_SUITES.postQuantum });
      const res = await api('POST', '/api/v1/key-packages', mallory, { suite: MLS_SUITES.postQuantum, keyPackages: own });
      expect(res.json()).toEqual({ suite: MLS_SUITES.postQuantum, count: 1 });
      const claim = await api('POST', '/api/v1/key-packages/claim', alice, {
        suite: MLS_SUITES.postQuantum,
        deviceIds: [mallory.device.deviceId],
      });
      expect(claim.json()).toEqual({ keyPackages: [{ deviceId: mallory.device.deviceId, keyPackage: own[0] }], missing: [] });
    });
  });
});
