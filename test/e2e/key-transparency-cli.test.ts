/**
 * Key transparency through the real `valise` command: a second device enrolled for alice makes
 * `valise sync` on her first device warn, `valise device alerts` list it (exit status 2), and
 * `valise device trust` clear it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliDemo, cliJson, cliRunner, demoHandle, loginDemoPeople, startCliDemo } from '../helpers/cli.ts';
import { waitFor } from '../helpers/server.ts';

let demo: CliDemo;
let valise: Awaited<ReturnType<typeof cliRunner>>;
const handle = demoHandle;
const json = (args: string[]) => cliJson(valise, args);

beforeAll(async () => {
  demo = await startCliDemo();
  valise = await cliRunner();
  await loginDemoPeople(demo, valise, ['frank', 'alice']);
});
afterAll(() => demo?.stop());

it('warns on sync, lists and clears an alert for a device alice did not enrol', async () => {
  expect((await valise(['--profile', 'alice', 'device', 'alerts'])).stdout).toContain('No alerts');
  const { code } = await json(['--profile', 'frank', 'admin', 'enrolment-code', handle('alice')]);
  const phone = await json(['--profile', 'alice-phone', 'login', '--server', demo.server, '--code', code]);
  const phoneId = phone.deviceId as string;
  expect(typeof phoneId).toBe('string');
  // The demo server checkpoints every second: the enrolment is scanned once one covers it.
  const warned = await waitFor('the sync warning', async () => {
    const r = await valise(['--profile', 'alice', 'sync']);
    return r.stderr.includes('KT_UNKNOWN_DEVICE') ? r.stderr : undefined;
  });
  expect(warned).toContain(phoneId);
  expect(warned).toContain(`valise device trust ${phoneId}`);
  const listed = await valise(['--profile', 'alice', 'device', 'alerts', '--json'], { expectFailure: true });
  expect(listed.code).toBe(2);
  expect(JSON.parse(listed.stdout)).toMatchObject([{ deviceId: phoneId, person: handle('alice'), reported: true }]);
  expect(await json(['--profile', 'alice', 'device', 'trust', phoneId])).toEqual({ deviceId: phoneId, cleared: 1 });
  expect(await json(['--profile', 'alice', 'device', 'alerts'])).toEqual([]);

  // The security officer sees the phone's enrolment and alice's alert in the opened, verified log.
  const audit = await json(['--profile', 'frank', 'audit', 'events', '--limit', '1000']);
  const kinds = audit.events.map((e: { event: { type: string; target: string } }) => `${e.event.type} ${e.event.target}`);
  expect(kinds).toContain(`device-enrol device:${phoneId}`);
  expect(kinds).toContain(`alert device:${phoneId}`);
  expect((await valise(['--profile', 'frank', 'audit', 'events', '--type', 'alert'])).stdout).toMatch(
    /each verified against the signed checkpoint/,
  );
});
