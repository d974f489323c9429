/**
 * The diplomat's journeys in the web app, two browsers against the real server: enrol, be refused
 * before sending to someone not cleared, send a labelled FLASH cable with an attachment, receive
 * it live, search for it and read it; a conversation whose members show as verified in the audit
 * log; an alert for a device enrolled without this browser knowing, cleared with "It was me";
 * revoking that device; a reload that restores everything. Every main view is scanned with
 * axe-core, checked at 200% zoom and photographed (test-results/screenshots/diplomat-*.png).
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ValiseClient } from '@valise/sdk';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolClient } from '../helpers/clients.ts';
import { type DemoPerson, type RunningServer, startDemoServer, waitFor } from '../helpers/server.ts';
import {
  addressee,
  axeViolations,
  CHROMIUM_ARGS,
  chromiumForTests,
  enrol,
  ensureWebBuilt,
  horizontalOverflow,
  openCompose,
  openTestPage,
  SCREENSHOTS,
  type ServedWebApp,
  screenshot,
  serveWebApp,
  tabTo,
  unnamedControls,
} from './web-app.ts';

const chromiumPath = chromiumForTests();

const screenshots = SCREENSHOTS;

let server: RunningServer;
let web: ServedWebApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
let alice: DemoPerson; // TOP SECRET, headquarters
let bob: DemoPerson; // SECRET, embassy in Sylvania
let erin: DemoPerson; // UNCLASSIFIED
let heidi: DemoPerson; // security officer, Sylvania
let frank: DemoPerson; // security officer, headquarters
let pageA: Page;
let pageB: Page;
let officer: ValiseClient;

const cable = {
  subject: 'Warden network: activate tonight',
  body: 'Activate the warden network in the northern provinces. Report a headcount of nationals by 1800Z.',
  attachment: { name: 'wardens.txt', text: 'Warden list, northern provinces.\n' },
};

function shot(page: Page, name: string): Promise<void> {
  return screenshot(page, `diplomat-${name}`);
}

async function expectAccessible(page: Page, view: string): Promise<void> {
  expect(await unnamedControls(page), `unnamed controls in ${view}`).toEqual([]);
  expect(await axeViolations(page), `axe-core on ${view}`).toEqual([]);
}

function newPage(): Promise<Page> {
  return openTestPage(browser, contexts, pageErrors);
}

/** Add a person to a recipient field by handle (as addressee() does for To and Info). */
async function addPerson(page: Page, field: string, handle: string): Promise<void> {
  const input = page.getByLabel(field, { exact: true });
  await input.fill(handle);
  await input.press('Enter');
}

async function go(page: Page, link: string | RegExp, heading: string | RegExp): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

describe.skipIf(!chromiumPath)('the diplomat’s web app', () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    ensureWebBuilt();
    server = await startDemoServer();
    web = await serveWebApp(server.url);
    const byName = (local: string) => server.people.find((p) => p.handle.startsWith(`${local}@`))!;
    [alice, bob, erin, heidi, frank] = [byName('alice'), byName('bob'), byName('erin'), byName('heidi'), byName('frank')];
    browser = await chromium.launch({ executablePath: chromiumPath!, headless: true, args: CHROMIUM_ARGS });
    pageA = await newPage();
    pageB = await newPage();
    officer = await enrolClient(server.url, heidi.code, 'RSO laptop (test)');
  });

  afterAll(async () => {
    officer?.close();
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await web?.close();
    await server?.stop();
  });

  it('enrols two people; the empty views say what to do next', async () => {
    await pageA.goto(web.url);
    await pageA.getByLabel('Enrolment code', { exact: true }).waitFor();
    await expectAccessible(pageA, 'login');
    await pageB.goto(web.url);
    await Promise.all([enrol(pageA, alice, 'HQ desk — Chromium'), enrol(pageB, bob, 'Embassy laptop — Chromium')]);
    expect(await pageB.locator('.empty').textContent()).toContain('No cables or messages yet');
    await expectAccessible(pageB, 'empty inbox');
    // Security officers' links are not shown to diplomats, nor their pages.
    expect(await pageB.getByRole('navigation', { name: 'Main' }).getByText('Security officer').count()).toBe(0);
    await pageB.evaluate(() => {
      window.location.hash = '#/officer/people';
    });
    await pageB.getByRole('heading', { level: 1, name: 'Not available' }).waitFor();
    await pageB.evaluate(() => {
      window.location.hash = '#/inbox';
    });
    expect(await pageB.evaluate(() => typeof (window as unknown as { axe?: { run?: unknown } }).axe?.run)).toBe('function');
  });

  it('gives security officers a link to each of their views', async () => {
    const pageC = await newPage();
    await pageC.goto(web.url);
    await enrol(pageC, frank, 'RSO desk — Chromium');
    const nav = pageC.getByRole('navigation', { name: 'Main' });
    const links = await nav.locator('a.nav-officer').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(links.length).toBeGreaterThan(0);
    expect(links.every((h) => h?.startsWith('#/officer/'))).toBe(true);
    await nav.locator('a.nav-officer').first().click();
    expect(await nav.locator('a.nav-officer').first().getAttribute('aria-current')).toBe('page');
    await pageC.context().close();
  });

  it('refuses an uncleared addressee before anything is sent', async () => {
    await openCompose(pageA);
    await addressee(pageA, 'To', erin.handle);
    await pageA.getByLabel('Classification level', { exact: true }).selectOption('SECRET');
    const send = pageA.getByRole('button', { name: 'Send cable' });
    expect(await send.isDisabled()).toBe(true);
    expect(await pageA.locator('.send-blocked').textContent()).toContain(`${erin.name} is not cleared for SECRET`);
    await shot(pageA, 'compose-refused');
    await pageA.getByRole('button', { name: `Remove ${erin.name} from To` }).click();
    expect(await send.isDisabled()).toBe(false);
  });

  it('sends a SECRET FLASH cable with an attachment, showing each file’s progress', async () => {
    await addressee(pageA, 'To', bob.handle);
    await addressee(pageA, 'Info', bob.unit);
    await pageA.getByLabel('Subject', { exact: true }).fill(cable.subject);
    await pageA.getByLabel('Precedence', { exact: true }).selectOption('FLASH');
    await pageA.getByLabel('Text', { exact: true }).fill(cable.body);
    await pageA.getByLabel('Attachments', { exact: true }).setInputFiles({
      name: cable.attachment.name,
      mimeType: 'text/plain',
      buffer: Buffer.from(cable.attachment.text),
    });
    await expectAccessible(pageA, 'compose');
    await shot(pageA, 'compose');
    // Record every stage the attachment's progress shows while it is encrypted and uploaded.
    await pageA.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { stages: string[] }).stages = seen;
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('.file-progress .stage')) {
          const t = el.textContent ?? '';
          if (!seen.includes(t)) seen.push(t);
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await pageA.getByRole('button', { name: 'Send cable' }).click();
    const result = pageA.locator('.sent-result');
    await result.waitFor({ timeout: 90_000 });
    expect(await result.textContent()).toContain(`Attachments encrypted and uploaded: ${cable.attachment.name}`);
    const stages = await pageA.evaluate(() => (window as unknown as { stages: string[] }).stages);
    expect(stages.some((s) => s.includes('Uploaded'))).toBe(true);
  });

  it('arrives live, FLASH first, unread; search runs on the device; the reader shows addressees and banners', async () => {
    const row = pageB.locator('tr.message-row', { hasText: cable.subject });
    await row.waitFor({ timeout: 60_000 });
    expect(await row.getAttribute('class')).toContain('unread');
    expect(await row.textContent()).toContain('FLASH');
    expect(await row.textContent()).toContain('SECRET');
    expect(await row.textContent()).toContain(alice.name);
    await pageB.locator('.flash-callout').waitFor();
    expect(await pageB.getByRole('link', { name: /^Inbox/ }).textContent()).toMatch(/1\s*unread/);
    await expectAccessible(pageB, 'inbox');
    await shot(pageB, 'inbox');

    // Search: words of the body only, then something nowhere on the device.
    const search = pageB.getByLabel('Search this device', { exact: true });
    await search.fill('headcount northern');
    await waitFor('the search to match', async () => ((await pageB.locator('tr.message-row').count()) === 1 ? true : undefined));
    await search.fill('submarine');
    await pageB.getByText(/Nothing decrypted on this device matches/).waitFor();
    await pageB.getByRole('button', { name: 'Clear search' }).click();

    // Keyboard only: Tab to the subject link, Enter.
    const link = row.getByRole('link', { name: cable.subject });
    await pageB.locator('#inbox-heading').focus();
    expect(await tabTo(pageB, link)).toBe(true);
    expect(await link.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none');
    await pageB.keyboard.press('Enter');
    await pageB.getByRole('heading', { name: cable.subject }).waitFor();
    expect(await pageB.locator('.classification-banner').count()).toBe(2);
    const fields = (await pageB.locator('.cable-fields').textContent()) ?? '';
    expect(fields).toContain(`Action${bob.name}`);
    expect(fields).toContain('Embassy of Freedonia in Sylvania');
    expect(fields).toContain('FLASH');
    await expectAccessible(pageB, 'reader');
    await shot(pageB, 'reader');
    const [download] = await Promise.all([
      pageB.waitForEvent('download'),
      pageB.getByRole('button', { name: `Download ${cable.attachment.name}` }).click(),
    ]);
    expect(await readFile((await download.path())!, 'utf8')).toBe(cable.attachment.text);
  });

  it('starts a conversation whose members show as verified in the audit log, and talks in it', async () => {
    await go(pageA, 'Conversations', 'Conversations');
    await pageA.getByText('No conversations yet').waitFor();
    await pageA.getByRole('button', { name: 'Start a conversation' }).click();
    await addPerson(pageA, 'With', erin.handle);
    await pageA.getByLabel('Classification level', { exact: true }).selectOption('SECRET');
    expect(await pageA.getByRole('button', { name: 'Start conversation' }).isDisabled()).toBe(true);
    await pageA.getByRole('button', { name: `Remove ${erin.name} from With` }).click();
    await addPerson(pageA, 'With', bob.handle);
    await expectAccessible(pageA, 'new conversation');
    await pageA.getByRole('button', { name: 'Start conversation' }).click();
    await pageA.getByRole('heading', { level: 1, name: bob.name }).waitFor({ timeout: 60_000 });
    const members = pageA.locator('.members');
    await members.locator('.verification-verified').first().waitFor({ timeout: 30_000 });
    expect(await members.textContent()).toContain(bob.name);
    expect(await members.textContent()).toContain('Embassy laptop — Chromium');
    expect(await members.locator('.verification-verified').count()).toBe(2);

    await pageA.getByLabel('Reply', { exact: true }).fill('Bob, can you confirm the wardens have the list?');
    await pageA.getByRole('button', { name: 'Send message' }).click();
    await pageA.locator('.thread-message', { hasText: 'confirm the wardens' }).waitFor({ timeout: 60_000 });

    // Bob sees it live in the list, unread, and opens the thread.
    await go(pageB, 'Conversations', 'Conversations');
    const conv = pageB.locator('.conversation-row', { hasText: alice.name });
    await conv.waitFor({ timeout: 60_000 });
    await waitFor('the message to arrive', async () => ((await conv.getAttribute('class'))?.includes('unread') ? true : undefined), 60_000);
    await expectAccessible(pageB, 'conversations');
    await shot(pageB, 'conversations');
    await conv.getByRole('link', { name: alice.name }).click();
    await pageB.locator('.thread-message', { hasText: 'confirm the wardens' }).waitFor();
    await pageB.locator('.members .verification-verified').first().waitFor({ timeout: 30_000 });
    await pageB.getByLabel('Reply', { exact: true }).fill('Confirmed: all twelve wardens have it.');
    await pageB.getByLabel('Reply', { exact: true }).press('Control+Enter');
    await pageB.locator('.thread-message.mine', { hasText: 'all twelve wardens' }).waitFor({ timeout: 60_000 });
    expect(await pageB.locator('.classification-banner').count()).toBe(2);
    await expectAccessible(pageB, 'conversation');
    await shot(pageB, 'conversation');
    await pageA.locator('.thread-message', { hasText: 'all twelve wardens' }).waitFor({ timeout: 60_000 });

    // Compose can also write into a conversation, with an attachment.
    await openCompose(pageA);
    await pageA.getByRole('radio', { name: /Message in a conversation/ }).check();
    await pageA.getByRole('heading', { level: 1, name: 'Compose message' }).waitFor();
    expect(await pageA.getByLabel('Conversation', { exact: true }).locator('option').first().textContent()).toContain(bob.name);
    await pageA.getByLabel('Message', { exact: true }).fill('The updated list is attached.');
    await pageA.getByLabel('Attachments', { exact: true }).setInputFiles({
      name: 'wardens-v2.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Warden list, v2.\n'),
    });
    await expectAccessible(pageA, 'compose message');
    await pageA.getByRole('button', { name: 'Send message' }).click();
    await pageA.locator('.thread-message', { hasText: 'The updated list is attached.' }).waitFor({ timeout: 60_000 });
    const attached = pageB.locator('.thread-message', { hasText: 'The updated list is attached.' });
    await attached.getByRole('button', { name: 'Download wardens-v2.txt' }).waitFor({ timeout: 60_000 });
  });

  it('alerts about a device enrolled without this browser knowing; "It was me" clears it', async () => {
    const { code } = await officer.admin.issueEnrolmentCode(bob.handle);
    const phone = await enrolClient(server.url, code, 'Bob’s phone');
    phone.close();
    await go(pageB, /^Devices/, 'Devices');
    // The enrolment reaches the log at its next checkpoint: check until the alert shows.
    const alert = pageB.locator('.device-alert');
    await waitFor('the device alert', async () => {
      if ((await alert.count()) > 0) return true;
      await pageB.getByRole('button', { name: 'Check for new devices', disabled: false }).click({ timeout: 10_000 });
      await pageB.getByRole('button', { name: 'Check for new devices', disabled: false }).waitFor({ timeout: 10_000 });
      return (await alert.count()) > 0 ? true : undefined;
    });
    expect(await alert.textContent()).toContain('Bob’s phone');
    expect(await pageB.getByRole('link', { name: /^Devices/ }).textContent()).toMatch(/1\s*device alert/);
    await expectAccessible(pageB, 'device alerts');
    await shot(pageB, 'alerts');
    // Elsewhere in the app, a strip points to it.
    await go(pageB, /^Inbox/, /^Inbox/);
    await pageB.locator('.alert-strip').waitFor();
    await go(pageB, /^Devices/, 'Devices');
    await pageB.getByRole('button', { name: 'Report — it was not me' }).click();
    await pageB.getByText('someone may be trying to read your messages').waitFor();
    await pageB.getByRole('button', { name: /^It was me/ }).click();
    await pageB.getByText('No alerts.').waitFor();
    expect(await pageB.getByRole('link', { name: /^Devices/ }).textContent()).toBe('Devices');
  });

  it('revokes the second device after a confirmation, and warns harder for this one', async () => {
    const thisOne = pageB.locator('.device', { hasText: 'Embassy laptop — Chromium' });
    expect(await thisOne.textContent()).toContain('This device');
    await thisOne.getByRole('button', { name: /^Revoke/ }).click();
    await thisOne.getByText('This is the device you are using now').waitFor();
    await thisOne.getByRole('button', { name: 'Cancel' }).click();

    const phone = pageB.locator('.device', { hasText: 'Bob’s phone' });
    await phone.getByRole('button', { name: 'Revoke Bob’s phone…' }).click();
    await phone.getByText(/It will receive nothing new/).waitFor();
    await phone.getByRole('button', { name: 'Revoke Bob’s phone', exact: true }).click();
    await waitFor('the phone to show as revoked', async () =>
      (await phone.getAttribute('class'))?.includes('revoked') ? true : undefined,
    );
    expect(await phone.textContent()).toContain('Revoked');
    await expectAccessible(pageB, 'devices');
    await shot(pageB, 'devices');
    const officerView = await officer.devices(bob.handle);
    expect(officerView.find((d) => d.name === 'Bob’s phone')?.revokedAt).not.toBeNull();
  });

  it('restores everything after a reload', async () => {
    await pageB.reload();
    await pageB.getByRole('heading', { level: 1, name: 'Devices' }).waitFor({ timeout: 30_000 });
    await pageB.locator('.device.revoked', { hasText: 'Bob’s phone' }).waitFor();
    await pageB.getByText('No alerts.').waitFor({ timeout: 30_000 });
    await go(pageB, /^Inbox/, /^Inbox/);
    expect(await pageB.locator('tr.message-row', { hasText: cable.subject }).getAttribute('class')).toContain(' read');
    await go(pageB, 'Conversations', 'Conversations');
    await pageB.locator('.conversation-row', { hasText: alice.name }).waitFor();
  });

  it('reflows at 200% zoom (640 CSS pixels) on every main view', async () => {
    await pageB.setViewportSize({ width: 640, height: 900 });
    const views: [string, string | RegExp][] = [
      ['#/inbox', /^Inbox/],
      ['#/conversations', 'Conversations'],
      ['#/devices', 'Devices'],
      ['#/compose', 'Compose cable'],
    ];
    for (const [hash, heading] of views) {
      await pageB.evaluate((h) => {
        window.location.hash = h;
      }, hash);
      await pageB.getByRole('heading', { level: 1, name: heading }).waitFor();
      expect(await horizontalOverflow(pageB), `horizontal scrolling in ${hash}`).toBeLessThanOrEqual(0);
    }
    await pageB.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversations' }).click();
    await pageB.locator('.conversation-row a').first().click();
    await pageB.locator('.thread-message').first().waitFor();
    expect(await horizontalOverflow(pageB)).toBeLessThanOrEqual(0);
    await shot(pageB, 'conversation-200-percent');
    await go(pageB, /^Inbox/, /^Inbox/);
    await pageB.locator('tr.message-row a').first().click();
    await pageB.locator('.cable-body').waitFor();
    expect(await horizontalOverflow(pageB)).toBeLessThanOrEqual(0);
    await shot(pageB, 'reader-200-percent');
    expect(pageErrors).toEqual([]);
  });
});
