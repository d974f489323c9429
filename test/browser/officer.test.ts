/**
 * The security officer's web application against the real server, in Debian's Chromium: Frank
 * (security officer, HQ) enrols his browser, grants Dave a higher clearance with expiry and reason,
 * creates an enrolment code that a Node SDK client then enrols with, revokes that device, sees
 * and acknowledges the alert raised when a device of Alice is enrolled that Alice's own device
 * does not know, approves a TOP SECRET downgrade asked for by Heidi, and reads and verifies the
 * audit log in the browser. Every view passes an axe-core scan (no serious or critical
 * violations), has a name on every control, and reflows at 200% zoom without sideways scrolling.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValiseClient } from '@valise/sdk';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolClient } from '../helpers/clients.ts';
import { type DemoPerson, type RunningServer, startDemoServer, waitFor } from '../helpers/server.ts';
import {
  CHROMIUM_ARGS,
  chromiumForTests,
  enrol,
  ensureWebBuilt,
  SCREENSHOTS,
  type ServedWebApp,
  serveWebApp,
  unnamedControls,
} from './web-app.ts';

const chromiumPath = chromiumForTests();

const screenshots = SCREENSHOTS;
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let server: RunningServer;
let web: ServedWebApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
const nodeClients: ValiseClient[] = [];
let person: (local: string) => DemoPerson;

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

/** axe-core in the page: no serious or critical violation; every control named. */
async function accessible(what: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe-core's global, injected above
    const axe = (window as any).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return (result.violations as { id: string; impact: string; help: string; nodes: { target: string[] }[] }[])
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  expect(violations, what).toEqual([]);
  expect(await unnamedControls(page), what).toEqual([]);
}

async function openView(name: RegExp, heading: string): Promise<void> {
  await page.getByRole('link', { name }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

async function openPerson(name: string): Promise<void> {
  await openView(/^People/, 'People');
  await page.getByLabel('Search people').fill(name.split(' ')[0]!);
  await page.getByRole('button', { name: new RegExp(`^${name}`) }).click();
  await page.getByRole('heading', { level: 2, name }).waitFor();
  await page.getByText('Holds now').waitFor({ timeout: 30_000 });
}

describe.skipIf(!chromiumPath)('the security officer in the browser', () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    ensureWebBuilt();
    server = await startDemoServer();
    web = await serveWebApp(server.url);
    person = (local) => {
      const p = server.people.find((x) => x.handle.startsWith(`${local}@`));
      if (!p) throw new Error(`no demo person ${local}`);
      return p;
    };
    browser = await chromium.launch({ executablePath: chromiumPath!, headless: true, args: CHROMIUM_ARGS });
    // bypassCSP: axe-core is injected as an inline script, which the app's Content Security Policy forbids.
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB', timezoneId: 'UTC', bypassCSP: true });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    page.on('console', (msg) => {
      if (msg.type() === 'error') console.log(`[browser console] ${msg.text()}`);
    });
  });

  afterAll(async () => {
    for (const c of nodeClients) c.close();
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await web?.close();
    await server?.stop();
  });

  it('enrols Frank, a security officer, whose navigation has the officer views', async () => {
    await page.goto(web.url);
    await enrol(page, person('frank'), 'RSO laptop — Chromium');
    for (const name of [/^People/, /^Approvals/, /^Audit log/, /^Alerts/]) await page.getByRole('link', { name }).waitFor();
    await openView(/^People/, 'People');
    await page.getByRole('button', { name: /^Dave Trentino/ }).waitFor();
    // Searching narrows the list.
    await page.getByLabel('Search people').fill('sylvania');
    await waitFor('the search to narrow the list', async () => ((await page.locator('.person-button').count()) === 3 ? true : undefined));
    await page.getByLabel('Search people').fill('');
    await accessible('people');
    await shot('officer-people');
  });

  it('grants Dave a higher clearance with expiry and reason, refusing it without a reason, and shows it in the history', async () => {
    const dave = person('dave');
    // Keyboard: open Dave with Enter; focus lands on his name.
    await openView(/^People/, 'People');
    await page.getByRole('button', { name: /^Dave Trentino/ }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: 'Dave Trentino' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Dave Trentino');
    await page.getByText('Holds now').waitFor({ timeout: 30_000 });
    expect(await page.locator('.facts').first().textContent()).toContain(dave.handle);

    await page.getByLabel('Level', { exact: true }).selectOption('SECRET');
    await page.getByLabel('Expires at the end of').fill('2027-06-30');
    await page.getByRole('button', { name: 'Grant clearance' }).click();
    expect(await page.getByRole('alert').textContent()).toMatch(/Give the reason/);
    await page.getByLabel('Reason (required)').fill('Vetting renewed for the Sylvania desk, file 2026/114');
    await accessible('clearance form');
    await shot('officer-clearance-form');
    await page.getByRole('button', { name: 'Grant clearance' }).click();
    await page.getByText(/Granted SECRET to Dave Trentino until/).waitFor({ timeout: 30_000 });
    const history = page.getByRole('list', { name: 'Clearance history, newest first' });
    await waitFor('the grant in the history', async () =>
      (await history.locator('li').first().textContent())?.includes('Vetting renewed for the Sylvania desk') ? true : undefined,
    );
    expect(await history.locator('li').first().textContent()).toMatch(/Granted SECRET, until .*2027/);
    // The server holds it.
    const officer = await enrolClient(server.url, person('heidi').code, 'Heidi — Node');
    nodeClients.push(officer);
    const clearances = await officer.admin.clearances(dave.handle);
    expect(clearances.effective).toMatchObject({ level: 'SECRET', expiresAt: '2027-06-30T23:59:59.000Z' });
    await shot('officer-clearance-granted');
  });

  it('creates an enrolment code for Dave, shown once with its expiry, that a device then enrols with; then revokes that device', async () => {
    await openPerson('Dave Trentino');
    await page.getByLabel('Valid for').selectOption({ label: '3 days' });
    await page.getByRole('button', { name: 'Create an enrolment code for Dave Trentino' }).click();
    const result = page.locator('.code-result');
    await result.waitFor();
    expect(await result.textContent()).toMatch(/valid until/);
    expect(await result.textContent()).toContain('not shown again');
    const code = (await page.locator('.enrolment-code').textContent())!.trim();
    expect(code).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
    await shot('officer-enrolment-code');

    // Dave enrols a device with it (the SDK in Node), and it appears on his list.
    const daveDevice = await enrolClient(server.url, code, 'Dave — field laptop');
    nodeClients.push(daveDevice);
    await page.getByRole('button', { name: 'Refresh devices' }).click();
    const devices = page.getByRole('list', { name: 'Active devices of Dave Trentino' });
    await devices.getByText('Dave — field laptop').waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: 'Revoke Dave — field laptop of Dave Trentino…' }).click();
    expect(await page.locator('.confirm').textContent()).toContain('cannot be undone');
    await accessible('device revocation');
    await shot('officer-device-revoke');
    await page.getByRole('button', { name: 'Revoke device' }).click();
    await page
      .getByRole('list', { name: 'Revoked devices of Dave Trentino' })
      .getByText('Dave — field laptop')
      .waitFor({ timeout: 30_000 });
    // The device is cut off.
    await expect(daveDevice.me()).rejects.toMatchObject({ code: expect.stringMatching(/DEVICE_REVOKED|UNAUTHENTICATED/) });
  });

  it('shows the alert raised when Alice’s device finds a device of hers it does not know, explains it, and acknowledges it', async () => {
    const alice = person('alice');
    const aliceDesk = await enrolClient(server.url, alice.code, 'Alice — desk');
    nodeClients.push(aliceDesk);
    // A second device for Alice that her first device did not enrol (a code from the other officer).
    const heidi = nodeClients[0]!;
    const second = await heidi.admin.issueEnrolmentCode(alice.handle);
    nodeClients.push(await enrolClient(server.url, second.code, 'Unknown tablet'));
    // Alice's device scans the log's key events (as sync does) once the enrolment is under a checkpoint.
    const raised = await waitFor('Alice’s device to notice the tablet', async () => {
      await aliceDesk.monitorDevices();
      const alerts = await aliceDesk.deviceAlerts();
      return alerts.length > 0 ? alerts : undefined;
    });
    expect(raised.map((a) => a.person)).toEqual([alice.handle]);

    await page.reload();
    await page.getByRole('link', { name: /^Alerts/ }).waitFor({ timeout: 60_000 });
    // The badge counts the open alert.
    await waitFor(
      'the alerts badge',
      async () => ((await page.getByRole('link', { name: /^Alerts/ }).textContent())?.includes('1') ? true : undefined),
      30_000,
    );
    await openView(/^Alerts/, 'Alerts');
    const card = page.locator('.alert-card').filter({ hasText: 'Alice Firefly' }).first();
    await card.waitFor({ timeout: 30_000 });
    const text = await card.textContent();
    expect(text).toContain('A device of Alice Firefly was enrolled that Alice Firefly’s own device does not know');
    expect(text).toContain('Unknown tablet');
    expect(text).toMatch(/Check with Alice Firefly in person/);
    // Alice did not enrol it: revoke it from the alert.
    await card.getByRole('button', { name: 'Revoke “Unknown tablet”…' }).click();
    await card.getByRole('button', { name: 'Revoke device' }).click();
    await card.getByText(/This device was revoked on/).waitFor({ timeout: 30_000 });
    await card.getByRole('button', { name: 'Acknowledge alert' }).click();
    expect(await card.getByRole('alert').textContent()).toMatch(/Write what you checked/);
    await card.getByLabel('What you checked or did').fill('Called Alice: not hers. Revoked the tablet; incident opened.');
    await accessible('alerts');
    await shot('officer-alerts');
    await card.getByRole('button', { name: 'Acknowledge alert' }).click();
    await page.getByText(/^Acknowledged: /).waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Acknowledged (1)' }).waitFor();
    expect(await page.locator('.alert-card.acknowledged').first().textContent()).toContain('Called Alice: not hers');
    await page.getByRole('heading', { name: 'Open (0)' }).waitFor();
    // The badge follows (the navigation re-reads it every few seconds).
    await waitFor('the alerts badge to clear', async () =>
      (await page.getByRole('link', { name: /^Alerts/ }).textContent()) === 'Alerts' ? true : undefined,
    );
    await shot('officer-alerts-acknowledged');
    // Acknowledged on the server too (and recorded as an 'alert' security event).
    const records = await heidi.admin.alerts();
    expect(records.find((r) => r.alert.code === 'KT_UNKNOWN_DEVICE')?.acknowledgement?.acknowledgedBy).toBe(person('frank').handle);
  });

  it('approves a TOP SECRET downgrade that Heidi asked for', async () => {
    const heidi = nodeClients[0]!;
    const conversation = await heidi.createConversation({ kind: 'group', with: [person('alice').handle], label: 'TOP SECRET' });
    const asked = await heidi.relabel(conversation.id, 'SECRET', 'Declassified for the Sylvania talks, ref 2026/77');
    expect(asked.status).toBe('pending-approval');
    // Heidi cannot approve her own request.
    if (asked.status !== 'pending-approval') throw new Error('expected a pending approval');
    await expect(heidi.approve(asked.approval.id)).rejects.toMatchObject({ code: 'SECOND_OFFICER_REQUIRED' });

    await openView(/^Approvals/, 'Approvals');
    const card = page.locator('.card').filter({ hasText: 'Declassified for the Sylvania talks' }).first();
    await card.waitFor({ timeout: 30_000 });
    expect(await card.textContent()).toContain('Asked by Heidi Brown');
    await accessible('approvals');
    await shot('officer-approvals');
    await card.getByRole('button', { name: 'Approve downgrade' }).click();
    await page.getByText('Approved: the conversation is now SECRET.').waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Waiting (0)' }).waitFor();
    expect(await page.locator('.card').filter({ hasText: 'Declassified for the Sylvania talks' }).first().textContent()).toContain(
      'Approved by Frank Chicolini',
    );
  });

  it('says why Frank cannot approve a downgrade he asked for himself, and lets him withdraw it', async () => {
    const heidi = nodeClients[0]!;
    // Frank asks from a second device of his (the SDK in Node), with a code from Heidi.
    const code = await heidi.admin.issueEnrolmentCode(person('frank').handle);
    const frankNode = await enrolClient(server.url, code.code, 'Frank — Node');
    nodeClients.push(frankNode);
    const conversation = await frankNode.createConversation({ kind: 'group', with: [person('alice').handle], label: 'TOP SECRET' });
    const asked = await frankNode.relabel(conversation.id, 'CONFIDENTIAL', 'Summary for the partner briefing, ref 2026/81');
    expect(asked.status).toBe('pending-approval');

    await page.getByRole('link', { name: /^Inbox/ }).click();
    await openView(/^Approvals/, 'Approvals');
    const card = page.locator('.card').filter({ hasText: 'Summary for the partner briefing' }).first();
    await card.waitFor({ timeout: 30_000 });
    expect(await card.locator('.why-not').textContent()).toMatch(/You asked for this downgrade, so you cannot approve it/);
    expect(await card.getByRole('button', { name: 'Approve downgrade' }).isDisabled()).toBe(true);
    await shot('officer-approvals-own-request');
    await card.getByRole('button', { name: 'Reject' }).click();
    await page.getByText('Rejected: the conversation stays TOP SECRET.').waitFor({ timeout: 30_000 });
  });

  it('reads the audit log as a verified timeline, filters and searches it, and verifies the whole log in the browser', async () => {
    await openView(/^Audit log/, 'Audit log');
    await page.locator('.timeline-item').first().waitFor({ timeout: 60_000 });
    expect(await page.locator('.timeline-item .verified').first().textContent()).toContain('Verified against the signed log');
    // The checkpoint: size, origin, root; no witnesses in the demo.
    await page.getByText(/No witness has cosigned this checkpoint/).waitFor();

    await page.getByLabel('Type of event').selectOption({ label: 'Device revoked' });
    await page.locator('.timeline-item').first().waitFor({ timeout: 30_000 });
    await waitFor('only revocations', async () => {
      const types = await page.locator('.timeline-item .event-type').allTextContents();
      return types.length > 0 && types.every((t) => t === 'Device revoked') ? true : undefined;
    });
    expect(await page.locator('.timeline-item').first().textContent()).toContain('Frank Chicolini revoked device');
    await page.getByLabel('Type of event').selectOption({ label: 'All types' });
    await page.locator('.timeline-item .event-type', { hasText: 'Clearance granted' }).first().waitFor({ timeout: 30_000 });
    await page.getByLabel('Search the loaded events').fill('Two-person');
    await waitFor('the search', async () => {
      const types = await page.locator('.timeline-item .event-type').allTextContents();
      return types.length > 0 && types.every((t) => t === 'Two-person approval') ? true : undefined;
    });
    await page.getByLabel('Search the loaded events').fill('');

    await page.getByRole('button', { name: 'Verify the whole log' }).click();
    await page.getByText(/The whole log verifies: \d+ entries in \d+ tiles add up to the signed root/).waitFor({ timeout: 60_000 });
    expect(await page.locator('.notice-success').textContent()).toMatch(/consistent with the \d+ entries this device had already verified/);
    await accessible('audit');
    await shot('officer-audit');
    // A second run is checked against the first (remembered in the device's encrypted store).
    await page.getByRole('button', { name: 'Verify the whole log' }).click();
    await page.getByText(/this device verified in full before/).waitFor({ timeout: 60_000 });
  });

  it('reflows every officer view at 200% zoom (640 CSS pixels) without sideways scrolling', async () => {
    await page.setViewportSize({ width: 640, height: 860 });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await openPerson('Dave Trentino');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await shot('officer-people-200-percent');
    for (const [link, heading] of [
      [/^Approvals/, 'Approvals'],
      [/^Audit log/, 'Audit log'],
      [/^Alerts/, 'Alerts'],
    ] as const) {
      await openView(link, heading);
      await page.locator('.officer-section, .card, .empty').first().waitFor({ timeout: 30_000 });
      expect(await overflow(), heading).toBeLessThanOrEqual(0);
    }
    await shot('officer-alerts-200-percent');
    expect(pageErrors).toEqual([]);
  });
});
