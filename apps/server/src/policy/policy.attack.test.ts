/**
 * Attacks on labels and policy against the real server (Fastify inject, SQLite and PostgreSQL):
 * an uncleared person tries to be added to a conversation, to fetch its messages (queue), its
 * attachments, its tree and history, to relabel it, and to downgrade it without approval; cleared
 * people try to send above the conversation's label. Each is refused with its code, changes
 * nothing (row counts, the conversation), and is recorded as a security event.
 */
import type { QueueResponse } from '@valise/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logSize } from '../audit/store.ts';
import { countRows, DIALECTS } from '../testing/databases.ts';
import { call, createTestServer, errorCode, type TestServer } from '../testing/http.ts';
import { b64, member, newGroupId } from '../testing/world.ts';

type Member = Awaited<ReturnType<typeof member>>;

describe.each(DIALECTS)('policy attacks on %s', (dialect) => {
  let server: TestServer;
  let alice: Member; // SECRET, creates the conversation
  let bob: Member; // SECRET, member; loses his clearance half-way
  let tess: Member; // TOP SECRET, member
  let eve: Member; // CONFIDENTIAL: never cleared for the conversation
  let officer: Member; // security officer, TOP SECRET
  let officer2: Member; // a second security officer, TOP SECRET
  let victor: Member; // TOP SECRET, never a member
  let frida: Member; // SECRET, a Freedonian (nationality FRD; everyone else is TST)
  let conversation: string;
  let blobId: string;
  let epoch = 0;
  const db = () => server.world.tdb.db;
  const rows = () => countRows(db());
  const api = (method: 'GET' | 'POST', url: string, who: Member, body?: unknown) =>
    call(server.app, method, url, { token: who.token, ...(body !== undefined ? { body } : {}) });
  const conv = async (id = conversation, who?: Member) =>
    (await api('GET', `/api/v1/conversations/${id}`, who ?? alice)).json() as { label: string; epoch: number };
  const snapshot = async () => ({ rows: await rows(), conversation: await conv() });
  const lastEvent = () => db().selectFrom('security_events').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  const eventCount = async () =>
    Number(
      (
        await db()
          .selectFrom('security_events')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const commit = (extra: Record<string, unknown> = {}) => ({
    epoch,
    commit: b64(`commit-${epoch}`),
    ratchetTree: b64(`tree-${epoch + 1}`),
    added: [],
    removed: [],
    ...extra,
  });
  const send = (who: Member, label: string, id = conversation, atEpoch = epoch) =>
    api('POST', `/api/v1/conversations/${id}/messages`, who, {
      epoch: atEpoch,
      ciphertext: b64(`to ${label}`),
      label,
      precedence: 'ROUTINE',
    });

  /** A refusal: the status and code, nothing changed, and one access-denied event naming who and what. */
  async function refused(attempt: () => Promise<Awaited<ReturnType<typeof api>>>, who: Member, code: string, status = 403) {
    const before = await snapshot();
    const events = await eventCount();
    const logBefore = await logSize(db());
    const res = await attempt();
    expect(res.statusCode, res.body).toBe(status);
    expect(errorCode(res)).toBe(code);
    expect(await snapshot()).toEqual(before);
    if (status === 403) {
      expect(await eventCount()).toBe(events + 1);
      const event = await lastEvent();
      expect(event).toMatchObject({ type: 'access-denied', code, actor_person: who.person, actor_device: who.device.deviceId });
      // …and appended to the audit log, as the newest entry.
      expect(await logSize(db())).toBe(logBefore + 1);
      const logged = await db().selectFrom('log_events').select('event_id').where('idx', '=', logBefore).executeTakeFirstOrThrow();
      expect(logged.event_id).toBe(event.id);
    } else {
      expect(await eventCount()).toBe(events);
    }
    return res;
  }

  beforeAll(async () => {
    server = await createTestServer(dialect);
    const w = server.world;
    alice = await member(w, 'alice');
    bob = await member(w, 'bob');
    tess = await member(w, 'tess', ['user'], 'TOP SECRET');
    eve = await member(w, 'eve', ['user'], 'CONFIDENTIAL');
    officer = await member(w, 'officer', ['user', 'security-officer'], 'TOP SECRET');
    officer2 = await member(w, 'officer2', ['user', 'security-officer'], 'TOP SECRET');
    victor = await member(w, 'victor', ['user'], 'TOP SECRET');
    frida = await member(w, 'frida', ['user'], 'SECRET', 'FRD');
    conversation = newGroupId();
    const created = await api('POST', '/api/v1/conversations', alice, { id: conversation, kind: 'group', label: 'SECRET', suite: 3 });
    expect(created.statusCode, created.body).toBe(200);
    const added = await api('POST', `/api/v1/conversations/${conversation}/commits`, alice, {
      ...commit({ added: [bob.device.deviceId, tess.device.deviceId] }),
      welcome: b64('welcome-1'),
    });
    expect(added.json()).toEqual({ epoch: 1 });
    epoch = 1;
    blobId = ((await api('POST', `/api/v1/conversations/${conversation}/blobs`, alice, new Uint8Array([1, 2, 3]))).json() as { id: string })
      .id;
    expect((await send(alice, 'SECRET')).statusCode).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('stores labels in canonical form and refuses unknown levels and categories with the label codes', async () => {
    const id = newGroupId();
    const created = await api('POST', '/api/v1/conversations', frida, { id, kind: 'group', label: 'SECRET//REL TO SYL,  FRD', suite: 3 });
    expect(created.statusCode, created.body).toBe(200);
    expect((created.json() as { label: string }).label).toBe('SECRET//REL TO FRD, SYL');
    for (const [label, code] of [
      ['COSMIC', 'LABEL_UNKNOWN_LEVEL'],
      ['SECRET//MAGIC', 'LABEL_UNKNOWN_CATEGORY'],
      ['SECRET//REL TO XYZ', 'LABEL_UNKNOWN_CATEGORY'],
      ['SECRET////REL TO FRD', 'LABEL_SYNTAX'],
      ['SECRET REL TO FRD', 'LABEL_SYNTAX'],
    ] as const) {
      await refused(
        () => api('POST', '/api/v1/conversations', alice, { id: newGroupId(), kind: 'group', label, suite: 3 }),
        alice,
        code,
        400,
      );
      await refused(() => send(alice, label), alice, code, 400);
    }
  });

  it('refuses to create a conversation above the creator', async () => {
    const id = newGroupId();
    await refused(
      () => api('POST', '/api/v1/conversations', eve, { id, kind: 'group', label: 'SECRET', suite: 3 }),
      eve,
      'LABEL_NOT_DOMINATED',
    );
    expect(await db().selectFrom('conversations').select('id').where('id', '=', id).execute()).toEqual([]);
  });

  it('refuses to add an uncleared person, changing nothing', async () => {
    const res = await refused(
      () =>
        api('POST', `/api/v1/conversations/${conversation}/commits`, alice, {
          ...commit({ added: [eve.device.deviceId] }),
          welcome: b64('w'),
        }),
      alice,
      'LABEL_NOT_DOMINATED',
    );
    expect((res.json() as { error: { message: string } }).error.message).toContain(eve.person);
    // Not even alongside someone who is cleared.
    await refused(
      () =>
        api('POST', `/api/v1/conversations/${conversation}/commits`, alice, {
          ...commit({ added: [officer.device.deviceId, eve.device.deviceId] }),
          welcome: b64('w'),
        }),
      alice,
      'LABEL_NOT_DOMINATED',
    );
    // The uncleared person cannot get in through anything else: they are not a member.
    for (const url of [
      `/api/v1/conversations/${conversation}`,
      `/api/v1/conversations/${conversation}/ratchet-tree`,
      `/api/v1/conversations/${conversation}/blobs/${blobId}`,
    ]) {
      await refused(() => api('GET', url, eve), eve, 'NOT_A_MEMBER');
    }
  });

  it('refuses messages above the conversation, and senders not cleared for their message', async () => {
    await refused(() => send(tess, 'TOP SECRET'), tess, 'LABEL_EXCEEDS_CONVERSATION');
    await refused(() => send(tess, 'SECRET//CRYPTO'), tess, 'LABEL_EXCEEDS_CONVERSATION');
    // Releasability: Alice (TST) is not admitted by REL TO FRD, Frida (FRD) is.
    await refused(
      () => api('POST', '/api/v1/conversations', alice, { id: newGroupId(), kind: 'group', label: 'SECRET//REL TO FRD', suite: 3 }),
      alice,
      'LABEL_NOT_DOMINATED',
    );
    const relTo = newGroupId();
    expect(
      (await api('POST', '/api/v1/conversations', frida, { id: relTo, kind: 'group', label: 'SECRET//REL TO FRD, SYL', suite: 3 }))
        .statusCode,
    ).toBe(200);
    // Narrower than the conversation (a Sylvanian member could not read it): refused.
    await refused(() => send(frida, 'SECRET//REL TO FRD', relTo, 0), frida, 'LABEL_EXCEEDS_CONVERSATION');
    // Lower, or releasable more widely: fine.
    expect((await send(frida, 'CONFIDENTIAL', relTo, 0)).statusCode).toBe(200);
    expect((await send(frida, 'SECRET//REL TO NATO, SYL', relTo, 0)).statusCode).toBe(200);
    // A message under the conversation's label is fine and stored canonically.
    const ok = await send(alice, 'CONFIDENTIAL');
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('refuses relabelling by the uncleared and the unauthorised, and downgrades without justification', async () => {
    const relabel = (who: Member, label: string, justification?: string) =>
      api('POST', `/api/v1/conversations/${conversation}/label`, who, { label, ...(justification !== undefined ? { justification } : {}) });
    await refused(() => relabel(eve, 'TOP SECRET'), eve, 'LABEL_NOT_DOMINATED');
    await refused(() => relabel(victor, 'TOP SECRET'), victor, 'RELABEL_NOT_PERMITTED');
    await refused(() => relabel(eve, 'UNCLASSIFIED', 'declassified by eve'), eve, 'LABEL_NOT_DOMINATED');
    await refused(() => relabel(bob, 'CONFIDENTIAL', 'not secret any more'), bob, 'DOWNGRADE_NOT_PERMITTED');
    await refused(() => relabel(alice, 'TOP SECRET'), alice, 'LABEL_NOT_DOMINATED');
    // Tess is cleared for TOP SECRET, but Alice and Bob, members, are not.
    const res = await refused(() => relabel(tess, 'TOP SECRET'), tess, 'LABEL_NOT_DOMINATED');
    expect((res.json() as { error: { message: string } }).error.message).toContain(alice.person);
    await refused(() => relabel(officer, 'CONFIDENTIAL', 'too short'), officer, 'JUSTIFICATION_REQUIRED');
    await refused(() => relabel(officer, 'CONFIDENTIAL'), officer, 'JUSTIFICATION_REQUIRED');
    expect((await conv()).label).toBe('SECRET');
  });

  it('lets a cleared member raise, and a security officer lower with a justification, recording both', async () => {
    const id = newGroupId();
    expect((await api('POST', '/api/v1/conversations', alice, { id, kind: 'group', label: 'RESTRICTED', suite: 3 })).statusCode).toBe(200);
    const up = await api('POST', `/api/v1/conversations/${id}/label`, alice, { label: 'CONFIDENTIAL' });
    expect(up.json()).toMatchObject({ status: 'applied', conversation: { id, label: 'CONFIDENTIAL' } });
    expect(await lastEvent()).toMatchObject({ type: 'label-change', actor_person: alice.person, target: `conversation:${id}` });
    const down = await api('POST', `/api/v1/conversations/${id}/label`, officer, {
      label: 'UNCLASSIFIED',
      justification: 'published on the website',
    });
    expect(down.json()).toMatchObject({ status: 'applied', conversation: { label: 'UNCLASSIFIED' } });
    const event = await lastEvent();
    expect(event).toMatchObject({ type: 'label-change', actor_person: officer.person });
    expect(JSON.parse(event.details)).toMatchObject({ from: 'CONFIDENTIAL', to: 'UNCLASSIFIED', direction: 'downgrade' });
    // The justification text itself is kept with approvals, never in an event.
    expect(event.details).not.toContain('website');
  });

  it('puts a downgrade from TOP SECRET on hold until a second security officer approves it', async () => {
    const id = newGroupId();
    expect((await api('POST', '/api/v1/conversations', tess, { id, kind: 'group', label: 'TOP SECRET', suite: 3 })).statusCode).toBe(200);
    const asked = await api('POST', `/api/v1/conversations/${id}/label`, officer, {
      label: 'SECRET',
      justification: 'the operation has ended',
    });
    expect(asked.statusCode, asked.body).toBe(200);
    const { approval } = asked.json() as { status: string; approval: { id: string; status: string } };
    expect(asked.json()).toMatchObject({
      status: 'pending-approval',
      approval: { status: 'pending', fromLabel: 'TOP SECRET', toLabel: 'SECRET' },
    });
    expect((await conv(id, tess)).label).toBe('TOP SECRET');
    expect(await lastEvent()).toMatchObject({ type: 'approval', actor_person: officer.person });

    const pending = await api('GET', '/api/v1/approvals?status=pending', officer2);
    expect((pending.json() as { id: string }[]).map((a) => a.id)).toContain(approval.id);
    await refused(() => api('GET', '/api/v1/approvals', tess), tess, 'FORBIDDEN');

    // The officer who asked cannot be the second one; a user cannot approve at all.
    const before = await conv(id, tess);
    await refused(() => api('POST', `/api/v1/approvals/${approval.id}/approve`, officer), officer, 'SECOND_OFFICER_REQUIRED');
    await refused(() => api('POST', `/api/v1/approvals/${approval.id}/approve`, tess), tess, 'FORBIDDEN');
    expect(await conv(id, tess)).toEqual(before);

    const approved = await api('POST', `/api/v1/approvals/${approval.id}/approve`, officer2);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({
      approval: { status: 'approved', decidedBy: officer2.person },
      conversation: { label: 'SECRET' },
    });
    expect((await conv(id, tess)).label).toBe('SECRET');
    expect(JSON.parse((await lastEvent()).details)).toMatchObject({
      from: 'TOP SECRET',
      to: 'SECRET',
      approval: approval.id,
      requestedBy: officer.person,
    });
    // Decided once.
    expect(errorCode(await api('POST', `/api/v1/approvals/${approval.id}/approve`, officer2))).toBe('APPROVAL_NOT_PENDING');
  });

  it('gives export only with read access and the export right, and records it', async () => {
    const body = { conversationId: conversation, label: 'SECRET', kind: 'print' };
    await refused(() => api('POST', '/api/v1/exports', bob, body), bob, 'EXPORT_NOT_PERMITTED');
    await refused(() => api('POST', '/api/v1/exports', officer, body), officer, 'NOT_A_MEMBER');
    await refused(() => api('POST', '/api/v1/exports', tess, { ...body, label: 'TOP SECRET' }), tess, 'LABEL_EXCEEDS_CONVERSATION');
    const grant = await api('POST', '/api/v1/admin/clearances', officer, {
      person: tess.person,
      level: 'TOP SECRET',
      compartments: [],
      nationality: 'TST',
      expiresAt: new Date(server.world.clock.now().getTime() + 86_400_000).toISOString(),
      reason: 'needs to print briefings',
      mayExport: true,
    });
    expect(grant.statusCode, grant.body).toBe(200);
    const ok = await api('POST', '/api/v1/exports', tess, body);
    expect(ok.json()).toEqual({ allowed: true, label: 'SECRET' });
    expect(await lastEvent()).toMatchObject({ type: 'export', actor_person: tess.person, target: `conversation:${conversation}` });
  });

  it('cuts off a member whose clearance is revoked: conversation, tree, attachments, queue, sending', async () => {
    // Bob has something waiting in his queue from this conversation.
    expect((await send(alice, 'SECRET')).statusCode).toBe(200);
    const grants = await db().selectFrom('clearance_grants').select('id').where('person_handle', '=', bob.person).execute();
    for (const g of grants) {
      const res = await api('POST', `/api/v1/admin/clearances/${g.id}/revoke`, officer, { reason: 'left the service' });
      expect(res.statusCode, res.body).toBe(200);
    }
    expect(((await api('GET', '/api/v1/me', bob)).json() as { person: { clearance: string } }).person.clearance).toBe('UNCLASSIFIED');
    const noLonger = await server.app.services.delivery.conversationsNoLongerReadable(bob.person);
    expect(noLonger).toContainEqual({ conversationId: conversation, deviceIds: [bob.device.deviceId] });

    for (const url of [
      `/api/v1/conversations/${conversation}`,
      `/api/v1/conversations/${conversation}/ratchet-tree`,
      `/api/v1/conversations/${conversation}/blobs/${blobId}`,
    ]) {
      await refused(() => api('GET', url, bob), bob, 'LABEL_NOT_DOMINATED');
    }
    await refused(() => api('POST', `/api/v1/conversations/${conversation}/blobs`, bob, new Uint8Array([7])), bob, 'LABEL_NOT_DOMINATED');
    await refused(() => send(bob, 'UNCLASSIFIED'), bob, 'LABEL_NOT_DOMINATED');
    await refused(() => api('POST', `/api/v1/conversations/${conversation}/commits`, bob, commit()), bob, 'LABEL_NOT_DOMINATED');
    expect(((await api('GET', '/api/v1/conversations', bob)).json() as { id: string }[]).map((c) => c.id)).not.toContain(conversation);

    // The queue delivers none of the conversation's items, records the withholding, and Tess still gets hers.
    const events = await eventCount();
    const page = (await api('GET', '/api/v1/queue', bob)).json() as QueueResponse;
    expect(page.items.filter((i) => i.conversationId === conversation)).toEqual([]);
    expect(await eventCount()).toBe(events + 1);
    expect(await lastEvent()).toMatchObject({
      type: 'access-denied',
      code: 'LABEL_NOT_DOMINATED',
      target: `conversation:${conversation}`,
      actor_person: bob.person,
    });
    expect(JSON.parse((await lastEvent()).details)).toMatchObject({ action: 'deliver' });
    const tessPage = (await api('GET', '/api/v1/queue', tess)).json() as QueueResponse;
    expect(tessPage.items.filter((i) => i.conversationId === conversation && i.type === 'message').length).toBeGreaterThan(0);
  });

  it('shows security officers the security events, free of content', async () => {
    await refused(() => api('GET', '/api/v1/admin/security-events', tess), tess, 'FORBIDDEN');
    const page = (await api('GET', '/api/v1/admin/security-events?limit=1000', officer)).json() as {
      events: { type: string; code: string | null; details: Record<string, unknown> }[];
    };
    const types = new Set(page.events.map((e) => e.type));
    for (const t of ['access-denied', 'label-change', 'clearance-grant', 'clearance-revoke', 'approval', 'export'])
      expect(types).toContain(t);
    const text = JSON.stringify(page);
    // No ciphertext, attachment or justification text.
    for (const secret of [b64('to SECRET'), 'the operation has ended', 'published on the website']) expect(text).not.toContain(secret);
    const denied = (await api('GET', '/api/v1/admin/security-events?type=access-denied&limit=5', officer)).json() as {
      events: { type: string }[];
      more: boolean;
    };
    expect(denied.events.every((e) => e.type === 'access-denied')).toBe(true);
    expect(denied.more).toBe(true);
  });
});
