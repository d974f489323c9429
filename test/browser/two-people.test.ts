/**
 * Two people, two browsers, the real server: a desk officer at headquarters and a diplomat at an
 * embassy enrol their browsers with demo enrolment codes, the first sends labelled cables, the
 * second sees them arrive live, reads them between classification banners and downloads the
 * attachment. All crypto runs in Chromium through the SDK; the device's storage key must be
 * non-extractable and nothing readable may sit in IndexedDB.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DEFAULT_LABEL_POLICY, levelStyle } from '@valise/protocol';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoPerson, type RunningServer, startDemoServer, waitFor } from '../helpers/server.ts';
import {
  addressee,
  CHROMIUM_ARGS,
  chromiumForTests,
  coloursOf,
  cssRgb,
  enrol,
  ensureWebBuilt,
  offeredLevels,
  openCompose,
  openTestPage,
  SCREENSHOTS,
  type ServedWebApp,
  screenshot,
  serveWebApp,
  unnamedControls,
} from './web-app.ts';

const chromiumPath = chromiumForTests();

const screenshots = SCREENSHOTS;
const RANK = ['UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET', 'TOP SECRET'];
const cleared = (p: DemoPerson, level: string) => RANK.indexOf(p.clearance) >= RANK.indexOf(level);

let server: RunningServer;
let web: ServedWebApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
let sender: DemoPerson;
let recipient: DemoPerson;
let pageA: Page;
let pageB: Page;

const flash = { subject: 'Evacuation warden network: activate now', body: 'Activate the warden network. Report headcount by 1800Z.' };
const cable = {
  subject: 'Démarche on maritime boundary talks',
  label: 'SECRET',
  body: 'Please deliver the attached démarche to the Foreign Ministry today.\n\nPoints to make:\n1. We welcome the resumption of talks.\n2. We expect the 2019 line to be respected.',
  attachment: { name: 'demarche.txt', mimeType: 'text/plain', text: 'Non-paper: maritime boundary — points of agreement.\n' },
};

function shot(page: Page, name: string): Promise<void> {
  return screenshot(page, `${name}`);
}

function newPage(): Promise<Page> {
  return openTestPage(browser, contexts, pageErrors);
}

async function sendCable(
  page: Page,
  input: { to: string; subject: string; label: string; precedence: string; body: string },
): Promise<void> {
  await openCompose(page);
  await addressee(page, 'To', input.to);
  await page.getByLabel('Subject', { exact: true }).fill(input.subject);
  await page.getByLabel('Classification level', { exact: true }).selectOption(input.label);
  await page.getByLabel('Precedence', { exact: true }).selectOption(input.precedence);
  await page.getByLabel('Text', { exact: true }).fill(input.body);
}

describe.skipIf(!chromiumPath)('two people in two browsers', () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    ensureWebBuilt();
    server = await startDemoServer();
    web = await serveWebApp(server.url);
    console.log(`web app served by the ${web.how === 'server' ? 'Valise server' : 'Vite preview server'} at ${web.url}`);
    // A SECRET-cleared person at headquarters writes to a SECRET-cleared diplomat at an embassy.
    sender = server.people.find((p) => p.unit.startsWith('hq') && cleared(p, 'SECRET') && !p.roles.includes('security-officer'))!;
    recipient = server.people.find((p) => p.unit.startsWith('embassy') && cleared(p, 'SECRET') && !p.roles.includes('security-officer'))!;
    expect(sender, `a SECRET person at HQ in the demo: ${JSON.stringify(server.people)}`).toBeDefined();
    expect(recipient, 'a SECRET person at an embassy in the demo').toBeDefined();
    browser = await chromium.launch({ executablePath: chromiumPath!, headless: true, args: CHROMIUM_ARGS });
    pageA = await newPage();
    pageB = await newPage();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await web?.close();
    await server?.stop();
  });

  it('enrols both browsers with enrolment codes, explaining a bad code', async () => {
    await pageA.goto(web.url);
    await pageA.getByRole('heading', { level: 1 }).waitFor();
    // The organisation's name comes from GET /health.
    await pageA.getByText(/^Server: /).waitFor({ timeout: 30_000 });
    const health = (await (await fetch(`${server.url}/health`)).json()) as { organisation: { name: string } };
    expect(await pageA.getByRole('heading', { level: 1 }).textContent()).toBe(health.organisation.name);
    expect(await unnamedControls(pageA)).toEqual([]);
    await shot(pageA, 'login');

    await pageA.getByLabel('Enrolment code', { exact: true }).fill('ABC-123');
    await pageA.getByRole('button', { name: 'Enrol this device' }).click();
    expect(await pageA.getByRole('alert').textContent()).toMatch(/20 letters and digits/);
    await pageA.getByLabel('Enrolment code', { exact: true }).fill('AAAAA-BBBBB-CCCCC-DDDDD');
    await pageA.getByRole('button', { name: 'Enrol this device' }).click();
    await pageA
      .getByRole('alert')
      .filter({ hasText: /not accepted/ })
      .waitFor({ timeout: 30_000 });
    await shot(pageA, 'login-error');

    await pageB.goto(web.url);
    await Promise.all([enrol(pageA, sender, 'HQ desk — Chromium'), enrol(pageB, recipient, 'Embassy laptop — Chromium')]);
    // The header says who and where.
    await pageA.getByText(sender.name).first().waitFor();
    expect(await pageA.locator('.app-header').textContent()).toContain(sender.clearance);
    expect(await pageA.locator('.app-header').textContent()).toContain('HQ desk — Chromium');
    await pageB.getByText(/No cables or messages yet/).waitFor();
    await pageB.locator('.live-live').waitFor({ timeout: 30_000 });
    await shot(pageB, 'inbox-empty');
  });

  it('sends a FLASH cable and a SECRET cable with an attachment', async () => {
    await sendCable(pageA, { to: recipient.handle, subject: flash.subject, label: 'UNCLASSIFIED', precedence: 'FLASH', body: flash.body });
    await pageA.getByRole('button', { name: 'Send cable' }).click();
    await pageA.getByText('Cable sent:').waitFor({ timeout: 90_000 });

    await sendCable(pageA, { to: recipient.handle, subject: cable.subject, label: cable.label, precedence: 'IMMEDIATE', body: cable.body });
    await pageA.getByLabel('Attachments', { exact: true }).setInputFiles({
      name: cable.attachment.name,
      mimeType: cable.attachment.mimeType,
      buffer: Buffer.from(cable.attachment.text),
    });
    expect(await unnamedControls(pageA)).toEqual([]);
    await shot(pageA, 'compose');
    await pageA.getByRole('button', { name: 'Send cable' }).click();
    const result = pageA.locator('.sent-result');
    await result.getByText('Cable sent:').waitFor({ timeout: 90_000 });
    expect(await result.textContent()).toContain(cable.subject);
    expect(pageErrors).toEqual([]);
  });

  it('delivers live to the embassy: FLASH first, unread, then read between banners', async () => {
    // No refresh: the server's WebSocket push makes the browser sync and decrypt.
    const row = pageB.locator('tr.message-row', { hasText: cable.subject });
    await row.waitFor({ timeout: 60_000 });
    await pageB.locator('tr.message-row', { hasText: flash.subject }).waitFor({ timeout: 60_000 });
    const subjects = await pageB.locator('tr.message-row .subject a').allTextContents();
    expect(subjects[0]).toBe(flash.subject);
    expect(subjects).toContain(cable.subject);
    expect(await row.getAttribute('class')).toContain('unread');
    expect(await row.textContent()).toContain(sender.name);
    expect(await row.textContent()).toContain('SECRET');
    expect(await unnamedControls(pageB)).toEqual([]);
    await shot(pageB, 'inbox');

    // Keyboard only: focus the subject link and press Enter.
    await row.getByRole('link', { name: cable.subject }).focus();
    await pageB.keyboard.press('Enter');
    await pageB.getByRole('heading', { name: cable.subject }).waitFor();
    const banners = pageB.locator('.classification-banner');
    expect(await banners.count()).toBe(2);
    const [top, bottom] = [banners.nth(0), banners.nth(1)];
    expect(await top.getAttribute('data-position')).toBe('top');
    expect(await bottom.getAttribute('data-position')).toBe('bottom');
    // The banner colours are the label policy's (the demo's default policy here; labels.test.ts
    // proves they follow a policy of the organisation's own).
    const secret = levelStyle(DEFAULT_LABEL_POLICY, cable.label);
    await waitFor('the label policy colours', async () => ((await top.getAttribute('data-colours')) === 'policy' ? true : undefined));
    for (const b of [top, bottom]) {
      expect(await b.textContent()).toBe(`Classification: ${cable.label}`);
      expect(await coloursOf(b)).toEqual({ background: cssRgb(secret.colour), color: cssRgb(secret.textColour) });
    }
    // The top banner is above everything else in the cable, the bottom one below.
    const [topBox, bodyBox, bottomBox] = await Promise.all([
      top.boundingBox(),
      pageB.locator('.cable-body').boundingBox(),
      bottom.boundingBox(),
    ]);
    expect(topBox!.y).toBeLessThan(bodyBox!.y);
    expect(bottomBox!.y).toBeGreaterThan(bodyBox!.y + bodyBox!.height - 1);
    expect(await pageB.locator('.cable-body').textContent()).toBe(cable.body);
    const fields = (await pageB.locator('.cable-fields').textContent()) ?? '';
    expect(fields).toContain(sender.name);
    expect(fields).toContain(recipient.handle);
    expect(fields).toContain('IMMEDIATE');
    expect(await unnamedControls(pageB)).toEqual([]);
    await shot(pageB, 'reading');

    const [download] = await Promise.all([
      pageB.waitForEvent('download'),
      pageB.getByRole('button', { name: `Download ${cable.attachment.name}` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(cable.attachment.name);
    expect(await readFile((await download.path())!, 'utf8')).toBe(cable.attachment.text);

    await pageB.getByRole('link', { name: /Back to the inbox/ }).click();
    await pageB.getByRole('heading', { name: /^Inbox/ }).waitFor();
    await waitFor('the cable to show as read', async () =>
      (await pageB.locator('tr.message-row', { hasText: cable.subject }).getAttribute('class'))?.includes(' read') ? true : undefined,
    );
    expect(pageErrors).toEqual([]);
  });

  it('restores the device from IndexedDB after a reload, with a non-extractable key and nothing readable stored', async () => {
    await pageB.reload();
    await pageB.locator('tr.message-row', { hasText: cable.subject }).waitFor({ timeout: 30_000 });
    expect(await pageB.locator('.app-header').textContent()).toContain(recipient.name);

    const stored = await pageB.evaluate(
      async (needles: string[]) => {
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const r = indexedDB.open('valise-profile-default');
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
        const all = <T>(store: string, what: 'getAll' | 'getAllKeys') =>
          new Promise<T[]>((resolve, reject) => {
            const r = db.transaction(store, 'readonly').objectStore(store)[what]();
            r.onsuccess = () => resolve(r.result as T[]);
            r.onerror = () => reject(r.error);
          });
        const [key] = await all<CryptoKey>('keys', 'getAll');
        let exported = true;
        try {
          await crypto.subtle.exportKey('raw', key!);
        } catch {
          exported = false;
        }
        const values = await all<Uint8Array>('values', 'getAll');
        const keys = await all<string>('values', 'getAllKeys');
        const latin1 = values.map((v) => Array.from(v, (b) => String.fromCharCode(b)).join('')).join('\n');
        db.close();
        return {
          algorithm: key?.algorithm.name,
          extractable: key?.extractable,
          exported,
          keys,
          leaked: needles.filter((n) => latin1.includes(n)),
        };
      },
      ['maritime boundary', 'Points to make', 'identitySecretKey', recipient.handle],
    );
    expect(stored.algorithm).toBe('AES-GCM');
    expect(stored.extractable).toBe(false);
    expect(stored.exported).toBe(false);
    expect(stored.keys).toContain('identity');
    expect(stored.keys.some((k) => k.startsWith('conv/'))).toBe(true);
    expect(stored.leaked).toEqual([]);
  });

  it('reflows at 200% zoom (640 CSS pixels wide) and shows the sent cable to its author', async () => {
    await pageB.setViewportSize({ width: 640, height: 900 });
    await pageB.locator('tr.message-row').first().waitFor();
    const overflow = await pageB.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(pageB, 'inbox-200-percent');
    await openCompose(pageB);
    // The label picker offers nothing above the writer's clearance.
    expect(await offeredLevels(pageB)).toEqual(RANK.slice(0, RANK.indexOf(recipient.clearance) + 1));
    await pageB.getByLabel('Classification level', { exact: true }).selectOption(recipient.clearance);
    expect(await pageB.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await shot(pageB, 'compose-200-percent');

    await pageA.getByRole('link', { name: 'Sent', exact: true }).click();
    await pageA.locator('tr.message-row', { hasText: cable.subject }).waitFor();
    await waitFor('addressees in the Sent list', async () =>
      (await pageA.locator('tr.message-row', { hasText: cable.subject }).textContent())?.includes(recipient.name) ? true : undefined,
    );
    await shot(pageA, 'sent');
    expect(pageErrors).toEqual([]);
  });
});
