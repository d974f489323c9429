/**
 * The command-line contract that scripts depend on, exercised exactly as a user would: the real
 * `valise` command starting the server with --demo, logging in two profiles, send/inbox/read --json.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliDemo, cliRunner, errorCode, startCliDemo } from '../helpers/cli.ts';

let demo: CliDemo;
let valise: Awaited<ReturnType<typeof cliRunner>>;

beforeAll(async () => {
  demo = await startCliDemo();
  valise = await cliRunner();
});
afterAll(() => demo?.stop());

it('writes demo.json with people at every level, a security officer and an administrator', () => {
  expect(demo.server).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const levels = new Set(demo.people.map((p) => p.clearance));
  for (const level of ['UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET', 'TOP SECRET']) expect(levels.has(level)).toBe(true);
  expect(demo.people.some((p) => p.roles.includes('security-officer'))).toBe(true);
  expect(demo.people.some((p) => p.roles.includes('admin'))).toBe(true);
  const units = new Set(demo.people.map((p) => p.unit));
  expect([...units].filter((u) => u.startsWith('embassy-')).length).toBeGreaterThanOrEqual(2);
  for (const p of demo.people)
    expect(p).toEqual({ handle: p.handle, name: p.name, unit: p.unit, clearance: p.clearance, roles: p.roles, code: p.code });
});

it('logs in, sends, lists and reads with --json', async () => {
  const sender = demo.people.find((p) => p.clearance === 'SECRET')!;
  const recipient =
    demo.people.find((p) => p.clearance === 'TOP SECRET' && p.unit !== sender.unit) ??
    demo.people.find((p) => p.clearance === 'TOP SECRET')!;
  await valise(['--profile', 's', 'login', '--server', demo.server, '--code', sender.code, '--json']);
  await valise(['--profile', 'r', 'login', '--server', demo.server, '--code', recipient.code, '--json']);

  const sent = JSON.parse(
    (
      await valise([
        '--profile',
        's',
        'send',
        '--to',
        recipient.handle,
        '--subject',
        'Contract test',
        '--body',
        'Body of the contract test',
        '--label',
        'SECRET//REL TO FRD',
        '--precedence',
        'FLASH',
        '--json',
      ])
    ).stdout,
  );
  expect(typeof sent.id).toBe('string');

  const inbox = JSON.parse((await valise(['--profile', 'r', 'inbox', '--json'])).stdout) as Record<string, unknown>[];
  const row = inbox.find((m) => m.id === sent.id);
  expect(row).toMatchObject({
    id: sent.id,
    subject: 'Contract test',
    from: sender.handle,
    label: 'SECRET//REL TO FRD',
    precedence: 'FLASH',
  });
  expect(typeof row?.received).toBe('string');

  const read = JSON.parse((await valise(['--profile', 'r', 'read', sent.id, '--json'])).stdout);
  expect(read.body).toBe('Body of the contract test');

  // The sender's own profile did not receive it as a recipient; an unknown id is a clear error.
  const bad = await valise(['--profile', 'r', 'read', '01ARZ3NDEKTSV4RRFFQ69G5FAV', '--json'], { expectFailure: true });
  expect(bad.code).not.toBe(0);
  expect(JSON.parse(bad.stderr).error.code).toBe('MESSAGE_NOT_FOUND');
});

it('fails clearly on bad arguments and wrong passphrases', async () => {
  const noBody = await valise(
    ['--profile', 's', 'send', '--to', 'x@mfa.freedonia.example', '--subject', 's', '--label', 'UNCLASSIFIED', '--json'],
    { expectFailure: true },
  );
  expect(JSON.parse(noBody.stderr).error.code).toBe('BAD_ARGUMENT');
  const wrong = await valise(['--profile', 's', 'inbox', '--json'], { expectFailure: true, passphrase: 'wrong' });
  expect(wrong.code).not.toBe(0);
  expect(errorCode(wrong)).toBe('PASSPHRASE_WRONG');
  const unknown = await valise(['--profile', 'nobody', 'inbox', '--json'], { expectFailure: true });
  expect(JSON.parse(unknown.stderr).error.code).toBe('NOT_ENROLLED');
});

it('refuses a labelled cable to someone not cleared for it, before anything is sent', async () => {
  // Someone not logged in by the test above (enrolment codes are one-time).
  const writer = demo.people.filter((p) => p.clearance === 'TOP SECRET').at(-1)!;
  const low = demo.people.find((p) => p.clearance === 'CONFIDENTIAL')!;
  const high = demo.people.find((p) => p.clearance === 'SECRET')!;
  await valise(['--profile', 'ts', 'login', '--server', demo.server, '--code', writer.code, '--json']);
  await valise(['--profile', 'low', 'login', '--server', demo.server, '--code', low.code, '--json']);

  const refused = await valise(
    [
      '--profile',
      'ts',
      'send',
      '--to',
      `${high.handle},${low.handle}`,
      '--subject',
      'Too high',
      '--body',
      'x',
      '--label',
      'SECRET',
      '--json',
    ],
    { expectFailure: true },
  );
  const error = JSON.parse(refused.stderr).error;
  expect(error.code).toBe('RECIPIENT_NOT_CLEARED');
  expect(error.message).toContain(low.handle);
  expect(error.message).not.toContain(high.handle);
  const lowInbox = JSON.parse((await valise(['--profile', 'low', 'inbox', '--json'])).stdout) as { subject: string }[];
  expect(lowInbox.some((m) => m.subject === 'Too high')).toBe(false);

  // Unknown levels and categories are refused with the label policy's codes.
  const unknown = await valise(
    ['--profile', 'ts', 'send', '--to', low.handle, '--subject', 's', '--body', 'x', '--label', 'SEKRET', '--json'],
    {
      expectFailure: true,
    },
  );
  expect(JSON.parse(unknown.stderr).error.code).toBe('LABEL_UNKNOWN_LEVEL');

  // The same cable at a level both may read goes through, and its label is canonical.
  const ok = JSON.parse(
    (
      await valise([
        '--profile',
        'ts',
        'send',
        '--to',
        low.handle,
        '--subject',
        'Fine',
        '--body',
        'x',
        '--label',
        'confidential//rel to frd',
        '--json',
      ])
    ).stdout,
  );
  const read = JSON.parse((await valise(['--profile', 'low', 'read', ok.id, '--json'])).stdout);
  expect(read.label).toBe('CONFIDENTIAL//REL TO FRD');
});
