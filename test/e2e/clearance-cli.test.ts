/**
 * Clearances and two-person integrity through the real `valise` command: a security officer grants
 * and revokes, and what a person may receive follows at once; lowering a TOP SECRET label needs a
 * justification and a second, different security officer.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliDemo, cliJson, cliRunner, demoHandle, errorCode, loginDemoPeople, startCliDemo } from '../helpers/cli.ts';

let demo: CliDemo;
let valise: Awaited<ReturnType<typeof cliRunner>>;
const handle = demoHandle;
const json = (args: string[]) => cliJson(valise, args);

beforeAll(async () => {
  demo = await startCliDemo();
  valise = await cliRunner();
  await loginDemoPeople(demo, valise, ['frank', 'heidi', 'alice', 'dave', 'bob']);
});
afterAll(() => demo?.stop());

it('grants and revokes a clearance, and who may receive follows', async () => {
  const before = await json(['--profile', 'frank', 'admin', 'clearances', handle('dave')]);
  expect(before.effective.level).toBe('RESTRICTED');

  // Dave may not receive SECRET yet.
  const refused = await valise(
    ['--profile', 'alice', 'send', '--to', handle('dave'), '--subject', 's', '--body', 'b', '--label', 'SECRET', '--json'],
    {
      expectFailure: true,
    },
  );
  expect(errorCode(refused)).toBe('RECIPIENT_NOT_CLEARED');

  const grant = await json([
    '--profile',
    'frank',
    'admin',
    'clearance-grant',
    handle('dave'),
    '--level',
    'SECRET',
    '--days',
    '30',
    '--reason',
    'Posted to the crisis cell',
  ]);
  expect(grant).toMatchObject({ person: handle('dave'), level: 'SECRET', grantedBy: handle('frank') });
  const sent = await json([
    '--profile',
    'alice',
    'send',
    '--to',
    handle('dave'),
    '--subject',
    'Crisis cell',
    '--body',
    'Welcome aboard',
    '--label',
    'SECRET',
  ]);
  expect((await json(['--profile', 'dave', 'read', sent.id])).body).toBe('Welcome aboard');

  // A person who is not a security officer cannot grant.
  const notOfficer = await valise(
    ['--profile', 'alice', 'admin', 'clearance-grant', handle('dave'), '--level', 'TOP SECRET', '--reason', 'self-serve', '--json'],
    {
      expectFailure: true,
    },
  );
  expect(errorCode(notOfficer)).toBe('FORBIDDEN');

  await json(['--profile', 'frank', 'admin', 'clearance-revoke', grant.id, '--reason', 'Crisis cell stood down']);
  const after = await json(['--profile', 'frank', 'admin', 'clearances', handle('dave')]);
  expect(after.effective.level).toBe('RESTRICTED');
  expect(after.grants.find((g: { id: string }) => g.id === grant.id).status).toBe('revoked');
  expect(after.history.map((h: { action: string }) => h.action)).toEqual(expect.arrayContaining(['granted', 'revoked']));
  const again = await valise(
    ['--profile', 'alice', 'send', '--to', handle('dave'), '--subject', 's', '--body', 'b', '--label', 'SECRET', '--json'],
    {
      expectFailure: true,
    },
  );
  expect(errorCode(again)).toBe('RECIPIENT_NOT_CLEARED');
});

// Retried once: a single intermittent failure in its first steps was seen under heavy concurrent load
// and is being investigated (noted in the issue); every attempt uses a conversation of its own.
it('lowers a TOP SECRET label only with a justification and a second security officer', async () => {
  const conv = await json(['--profile', 'alice', 'conversation', 'create', '--with', handle('heidi'), '--label', 'TOP SECRET']);

  // Not a security officer: refused.
  const bySomeoneElse = await valise(
    [
      '--profile',
      'alice',
      'conversation',
      'relabel',
      conv.id,
      '--label',
      'SECRET',
      '--justification',
      'The talks are public now',
      '--json',
    ],
    { expectFailure: true },
  );
  expect(errorCode(bySomeoneElse)).toMatch(/DOWNGRADE_NOT_PERMITTED|RELABEL_NOT_PERMITTED|FORBIDDEN/);

  // A security officer without a justification: refused.
  const unjustified = await valise(['--profile', 'frank', 'conversation', 'relabel', conv.id, '--label', 'SECRET', '--json'], {
    expectFailure: true,
  });
  expect(errorCode(unjustified)).toBe('JUSTIFICATION_REQUIRED');

  const requested = await json([
    '--profile',
    'frank',
    'conversation',
    'relabel',
    conv.id,
    '--label',
    'SECRET',
    '--justification',
    'The talks concluded and the outcome is public',
  ]);
  expect(requested.status).toBe('pending-approval');

  // The requesting officer cannot approve their own request.
  const own = await valise(['--profile', 'frank', 'approvals', 'approve', requested.approval.id, '--json'], { expectFailure: true });
  expect(errorCode(own)).toBe('SECOND_OFFICER_REQUIRED');

  const pending = await json(['--profile', 'heidi', 'approvals']);
  expect(pending.map((a: { id: string }) => a.id)).toContain(requested.approval.id);
  const approved = await json(['--profile', 'heidi', 'approvals', 'approve', requested.approval.id]);
  expect(approved.approval.status).toBe('approved');
  expect(approved.conversation.label).toBe('SECRET');

  // The members carry on under the new label.
  await json(['--profile', 'heidi', 'sync']);
  const msg = await json(['--profile', 'alice', 'conversation', 'send', conv.id, '--body', 'Now at SECRET']);
  expect(msg.id).toBeTruthy();
  const heidiInbox = await json(['--profile', 'heidi', 'inbox']);
  expect(heidiInbox.find((m: { id: string }) => m.id === msg.id)?.label).toBe('SECRET');

  // Every step is a recorded security event.
  const events = await json(['--profile', 'frank', 'admin', 'security-events']);
  const types = new Set(events.events.map((e: { type: string }) => e.type));
  expect(types.has('clearance-grant')).toBe(true);
  expect(types.has('access-denied')).toBe(true);
});
