/**
 * Diplomatic pouches in two browsers, the real server: Alice at headquarters drops two documents on
 * the send page (one by a real drag-and-drop DataTransfer, one through the file chooser), seals them
 * SECRET to the embassy in Sylvania and sends; the upload is cut off half way and resumes where the
 * server is. Bob at the embassy sees the pouch arrive live, signs for receipt, opens it and downloads
 * byte-identical documents; the custody timeline shows the verified hand-over, and Alice's sent list
 * follows live. axe-core scans every pouch view; each is photographed (test-results/screenshots/pouch-*.png)
 * and checked at 200% zoom.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoPerson, type RunningServer, startDemoServer } from '../helpers/server.ts';
import {
  axeViolations,
  CHROMIUM_ARGS,
  chromiumForTests,
  enrol,
  ensureWebBuilt,
  horizontalOverflow,
  openTestPage,
  SCREENSHOTS,
  type ServedWebApp,
  screenshot,
  serveWebApp,
  unnamedControls,
} from './web-app.ts';

const chromiumPath = chromiumForTests();

const screenshots = SCREENSHOTS;

let server: RunningServer;
let web: ServedWebApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
let alice: DemoPerson;
let bob: DemoPerson;
let pageA: Page;
let pageB: Page;
let sealNumber: string;

const memo = { name: 'démarche-maritime.txt', text: 'Non-paper: maritime boundary — points of agreement.\n' };
// Larger than one upload request (1 MiB), so that the upload can be cut off half way and resumed.
const annex = { name: 'annex-charts.bin', bytes: Buffer.from(Array.from({ length: 1_600_000 }, (_, i) => (i * 7919 + (i >> 9)) & 255)) };

function shot(page: Page, name: string): Promise<void> {
  return screenshot(page, `pouch-${name}`);
}

function newPage(): Promise<Page> {
  return openTestPage(browser, contexts, pageErrors);
}

async function expectAccessible(page: Page): Promise<void> {
  expect(await axeViolations(page)).toEqual([]);
  expect(await unnamedControls(page)).toEqual([]);
}

describe.skipIf(!chromiumPath)('pouches in two browsers', () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    ensureWebBuilt();
    server = await startDemoServer();
    web = await serveWebApp(server.url);
    alice = server.people.find((p) => p.handle.startsWith('alice@'))!;
    bob = server.people.find((p) => p.handle.startsWith('bob@'))!;
    expect(alice.unit).toMatch(/^hq@/);
    expect(bob.unit).toMatch(/^embassy-sylvania@/);
    browser = await chromium.launch({ executablePath: chromiumPath!, headless: true, args: CHROMIUM_ARGS });
    pageA = await newPage();
    pageB = await newPage();
    await Promise.all([pageA.goto(web.url), pageB.goto(web.url)]);
    await Promise.all([enrol(pageA, alice, 'HQ registry — Chromium'), enrol(pageB, bob, 'Embassy registry — Chromium')]);
  }, 150_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await web?.close();
    await server?.stop();
  });

  it('seals two dropped documents SECRET to the embassy, showing who can open it, and resumes an interrupted upload', async () => {
    // Bob watches his pouch inbox: the pouch must arrive without a reload.
    await pageB.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pouches' }).click();
    await pageB.getByRole('heading', { level: 1, name: /^Pouches/ }).waitFor();
    await pageB.getByText('No pouches for your unit yet.').waitFor();

    await pageA.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pouches' }).click();
    await pageA.getByRole('link', { name: 'Send a pouch' }).click();
    await pageA.getByRole('heading', { level: 1, name: 'Send a pouch' }).waitFor();
    await pageA.getByLabel('Classification level', { exact: true }).waitFor({ timeout: 30_000 });

    // A real drop: a DataTransfer holding a File, dispatched on the drop zone.
    const transfer = await pageA.evaluateHandle(({ name, text }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], name, { type: 'text/plain' }));
      return dt;
    }, memo);
    await pageA.dispatchEvent('[data-testid="drop-zone"]', 'dragenter', { dataTransfer: transfer });
    await pageA.dispatchEvent('[data-testid="drop-zone"]', 'drop', { dataTransfer: transfer });
    // The keyboard's way: the "Choose files…" button opens the (hidden) file input.
    const chooser = pageA.waitForEvent('filechooser');
    await pageA.getByRole('button', { name: 'Choose files…' }).focus();
    await pageA.keyboard.press('Enter');
    await (await chooser).setFiles({ name: annex.name, mimeType: 'application/octet-stream', buffer: annex.bytes });
    const list = pageA.getByRole('list', { name: 'Documents in the pouch' });
    await list.getByText(annex.name).waitFor();
    expect(await list.getByRole('listitem').count()).toBe(2);

    await pageA.getByLabel('Consignee unit', { exact: true }).selectOption({ label: 'Embassy of Freedonia in Sylvania' });
    await pageA.getByLabel('Classification level', { exact: true }).selectOption('SECRET');
    await pageA.getByLabel('Expected hand-over within (hours)', { exact: true }).fill('48');
    // The SDK's answer: Bob's device; Dave (RESTRICTED) left out; Heidi cleared but without a device.
    const summary = pageA.locator('.recipients-summary');
    await summary.waitFor({ timeout: 30_000 });
    expect(await summary.textContent()).toContain('1 device of 1 person');
    expect(await summary.getByRole('list', { name: 'Cleared people' }).textContent()).toContain('Bob Marx');
    expect(await summary.getByRole('list', { name: 'People left out' }).textContent()).toContain('Dave Trentino');
    expect(await summary.textContent()).toContain('Heidi Brown');
    await expectAccessible(pageA);
    await shot(pageA, 'send');

    // Cut the connection on the second upload request: the sealed pouch stays in the page and
    // "Resume sending" continues where the server is.
    let puts = 0;
    await pageA.route('**/api/v1/pouches/*/content', async (route) => {
      if (route.request().method() === 'PUT' && ++puts === 2) return route.abort('connectionreset');
      return route.continue();
    });
    await pageA.getByRole('button', { name: 'Seal and send' }).click();
    await pageA.getByRole('button', { name: 'Resume sending' }).waitFor({ timeout: 60_000 });
    expect(await pageA.getByRole('alert').textContent()).toMatch(/Code:/);
    await shot(pageA, 'send-interrupted');
    await pageA.unroute('**/api/v1/pouches/*/content');
    await pageA.getByRole('button', { name: 'Resume sending' }).click();
    const sent = pageA.locator('.pouch-sent');
    await sent.getByText('Pouch sent:').waitFor({ timeout: 60_000 });
    expect(await sent.textContent()).toMatch(/The upload continued from 1\.0 MB/);
    sealNumber = (await sent.locator('.seal-number').textContent()) ?? '';
    expect(sealNumber).toMatch(/^HQ-\d{4}-[0-9A-Z]{26}$/);
    await shot(pageA, 'sent');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('arrives live in the embassy’s list with its marks', async () => {
    const row = pageB.locator('tr.pouch-row', { hasText: sealNumber });
    await row.waitFor({ timeout: 30_000 });
    const text = (await row.textContent()) ?? '';
    for (const expected of [
      'Headquarters, Freedonia City',
      'Alice Firefly',
      'Embassy of Freedonia in Sylvania',
      'SECRET',
      'Delivered, awaiting signature',
    ])
      expect(text).toContain(expected);
    expect(await row.locator('td[data-title="Items"]').textContent()).toBe('2');
    expect(
      await pageB
        .getByRole('status')
        .filter({ hasText: `Pouch ${sealNumber} arrived.` })
        .count(),
    ).toBe(1);
    await expectAccessible(pageB);
    await shot(pageB, 'list');
    // Alice watches her sent pouches: Bob's signature must show up there without a reload.
    await pageA.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pouches' }).click();
    await pageA.getByRole('button', { name: 'Sent', exact: true }).click();
    await pageA.locator('tr.pouch-row', { hasText: sealNumber }).getByText('Delivered, awaiting signature').waitFor();
  });

  it('signs for receipt, shows the verified hand-over on the timeline, opens and downloads identical bytes', async () => {
    await pageB.getByRole('link', { name: sealNumber }).click();
    await pageB.getByRole('heading', { level: 1, name: `Pouch ${sealNumber}` }).waitFor();
    await pageB.getByRole('list', { name: 'Custody timeline' }).getByText('Awaiting the next signature').waitFor();
    await pageB.getByLabel('Place of hand-over', { exact: true }).fill('Embassy registry, Sylvania');
    await pageB.getByRole('button', { name: 'Sign for receipt' }).click();
    await pageB.getByText(/^Signed for: hand-over 1 at Embassy registry, Sylvania/).waitFor({ timeout: 60_000 });
    const timeline = pageB.getByRole('list', { name: 'Custody timeline' });
    const hop = timeline.locator('li[data-sequence="1"]');
    await hop.getByText('✓ Signature verified on this device').waitFor({ timeout: 30_000 });
    expect(await hop.textContent()).toContain('Bob Marx');
    expect(await hop.textContent()).toContain('Embassy registry, Sylvania');
    expect(await timeline.textContent()).toContain('Seal and sender’s signature verified on this device');
    expect(await pageB.locator('.pouch-marks').textContent()).toContain('Signed for at destination');
    await expectAccessible(pageB);
    await shot(pageB, 'detail');

    await pageB.getByRole('button', { name: 'Open', exact: true }).click();
    const memoLink = pageB.getByRole('link', { name: `Download ${memo.name}` });
    await memoLink.waitFor({ timeout: 60_000 });
    expect(await pageB.locator('.opened').textContent()).toContain('1 signed hand-over');
    for (const [link, expected] of [
      [memoLink, Buffer.from(memo.text)],
      [pageB.getByRole('link', { name: `Download ${annex.name}` }), annex.bytes],
    ] as const) {
      const download = pageB.waitForEvent('download');
      await link.click();
      const file = await (await download).path();
      expect(Buffer.compare(await readFile(file), expected)).toBe(0);
    }
    await expectAccessible(pageB);
    await shot(pageB, 'opened');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('shows the hand-over live in the sender’s list, and reflows at 200% zoom', async () => {
    // Live: the server's "handover" push refreshed Alice's sent list.
    const row = pageA.locator('tr.pouch-row', { hasText: sealNumber });
    await row.getByText('Signed for at destination').waitFor({ timeout: 30_000 });
    expect(
      await pageA
        .getByRole('status')
        .filter({ hasText: `Pouch ${sealNumber} was signed for.` })
        .count(),
    ).toBe(1);
    expect(await row.locator('td[data-title="Holder"]').textContent()).toBe('Bob Marx');

    await pageB.setViewportSize({ width: 640, height: 900 });
    for (const [hash, heading] of [
      ['#/pouches', /^Pouches/],
      [`#/pouches/new`, 'Send a pouch'],
      [`#/pouches/${await row.getAttribute('data-pouch-id')}`, `Pouch ${sealNumber}`],
    ] as const) {
      await pageB.evaluate((h) => {
        window.location.hash = h;
      }, hash);
      await pageB.getByRole('heading', { level: 1, name: heading }).waitFor();
      expect(await horizontalOverflow(pageB), `horizontal scrolling in ${hash}`).toBeLessThanOrEqual(0);
    }
    await shot(pageB, 'detail-200-percent');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
