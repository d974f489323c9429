/**
 * Labels in the web app, against the real server with a label policy of the organisation's own
 * (the demo's levels with colours no stylesheet knows, so a colour on screen can only have come
 * from the policy): the label picker offers only what the writer may write, an addressee who may
 * not read the chosen label blocks sending before anything leaves the browser, and banners and
 * list chips wear the policy's colours.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LABEL_POLICY, type LabelPolicy, levelStyle } from '@valise/protocol';
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
  refreshInbox,
  SCREENSHOTS,
  type ServedWebApp,
  serveWebApp,
  unnamedControls,
} from './web-app.ts';

const chromiumPath = chromiumForTests();

const screenshots = SCREENSHOTS;

// The demo's policy with colours of its own: purple CONFIDENTIAL, maroon SECRET on cream.
const policy: LabelPolicy = JSON.parse(JSON.stringify(DEFAULT_LABEL_POLICY));
const repaint: Record<string, { colour: string; textColour: string }> = {
  CONFIDENTIAL: { colour: '#6a1b9a', textColour: '#ffffff' },
  SECRET: { colour: '#7a0019', textColour: '#fff8dc' },
};
policy.levels = policy.levels.map((l) => ({ ...l, ...repaint[l.name] }));
const LEVELS = policy.levels.map((l) => l.name);
const upTo = (level: string) => LEVELS.slice(0, LEVELS.indexOf(level) + 1);
const expected = (level: string) => {
  const s = levelStyle(policy, level);
  return { background: cssRgb(s.colour), color: cssRgb(s.textColour) };
};

let server: RunningServer;
let web: ServedWebApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
let topSecret: DemoPerson;
let confidential: DemoPerson;
let writer: Page;
let reader: Page;

const cable = {
  subject: 'Fisheries talks: our fallback position',
  body: 'Our fallback on quotas is 12 per cent. Do not table it before the second round.',
};

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  return page;
}

describe.skipIf(!chromiumPath)('security labels in the web app', () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    ensureWebBuilt();
    const dataDir = await mkdtemp(join(tmpdir(), 'valise-labels-'));
    writeFileSync(join(dataDir, 'label-policy.json'), `${JSON.stringify(policy, null, 2)}\n`);
    server = await startDemoServer({ dataDir });
    web = await serveWebApp(server.url);
    topSecret = server.people.find((p) => p.clearance === 'TOP SECRET')!;
    // Demo Grace (or Carol, in earlier demos): a plain CONFIDENTIAL clearance.
    const confidentials = server.people.filter((p) => p.clearance === 'CONFIDENTIAL');
    confidential = confidentials.find((p) => !p.roles.includes('admin')) ?? confidentials[0]!;
    expect(topSecret, 'a TOP SECRET person in the demo').toBeDefined();
    expect(confidential, 'a CONFIDENTIAL person in the demo').toBeDefined();
    browser = await chromium.launch({ executablePath: chromiumPath!, headless: true, args: CHROMIUM_ARGS });
    writer = await newPage();
    reader = await newPage();
    await Promise.all([writer.goto(web.url), reader.goto(web.url)]);
    await Promise.all([enrol(writer, topSecret, 'HQ desk — Chromium'), enrol(reader, confidential, 'Second desk — Chromium')]);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await web?.close();
    await server?.stop();
  });

  it('offers each writer only the levels up to their clearance', async () => {
    await Promise.all([openCompose(writer), openCompose(reader)]);
    expect(await offeredLevels(writer)).toEqual(upTo('TOP SECRET'));
    expect(await offeredLevels(reader)).toEqual(upTo('CONFIDENTIAL'));
    expect(await offeredLevels(reader)).not.toContain('SECRET');
  });

  it('builds the canonical label live, in the policy’s colours', async () => {
    const preview = writer.locator('.label-preview output');
    await writer.getByLabel('Classification level', { exact: true }).selectOption('SECRET');
    expect(await preview.textContent()).toBe('SECRET');
    // REL TO a country that is not the writer's: the writer's own is added (nobody writes what they may not read).
    await writer.getByLabel('Releasable to (REL TO)', { exact: true }).selectOption(['SYL']);
    expect(await preview.textContent()).toBe('SECRET//REL TO FRD, SYL');
    await writer.getByLabel('Releasable to (REL TO)', { exact: true }).selectOption(['NATO']);
    expect(await preview.textContent()).toBe('SECRET//REL TO NATO');
    // Compartments: only those the writer holds are offered (the demo's TOP SECRET diplomat holds CRYPTO).
    const compartments = writer.getByRole('group', { name: 'Compartments (need-to-know)' });
    await compartments.getByRole('checkbox', { name: /^CRYPTO/ }).check();
    expect(await preview.textContent()).toBe('SECRET//CRYPTO//REL TO NATO');
    expect(await compartments.getByRole('checkbox', { name: /^HUMINT/ }).count()).toBe(0);
    expect(await coloursOf(preview)).toEqual(expected('SECRET'));
    const banners = writer.locator('.classification-banner');
    expect(await banners.count()).toBe(2);
    for (const b of await banners.all()) {
      expect(await b.textContent()).toBe('Classification: SECRET//CRYPTO//REL TO NATO');
      expect(await coloursOf(b)).toEqual(expected('SECRET'));
    }
    expect(await unnamedControls(writer)).toEqual([]);
    await writer.screenshot({ path: join(screenshots, 'compose-label-picker.png'), fullPage: true });
    await compartments.getByRole('checkbox', { name: /^CRYPTO/ }).uncheck();
  });

  it('will not send a SECRET cable to a CONFIDENTIAL person, saying why', async () => {
    await writer.getByRole('button', { name: 'Clear REL TO' }).click();
    await addressee(writer, 'To', confidential.handle);
    await writer.getByLabel('Subject', { exact: true }).fill(cable.subject);
    await writer.getByLabel('Text', { exact: true }).fill(cable.body);

    const chip = writer.getByRole('list', { name: 'To addressees' }).getByRole('listitem').filter({ hasText: confidential.name });
    await chip.getByText('not cleared for SECRET').waitFor();
    const send = writer.getByRole('button', { name: 'Send cable' });
    expect(await send.isDisabled()).toBe(true);
    const why = writer.locator('.send-blocked');
    expect(await why.textContent()).toContain(`${confidential.name} is not cleared for SECRET`);
    // The disabled button points at its explanation.
    expect(await why.getAttribute('id')).toBe(await send.getAttribute('aria-describedby'));

    // A whole unit may be addressed: its members who are not cleared are left out, and it says so.
    const unit = confidential.unit;
    await addressee(writer, 'Info', unit);
    const unitChip = writer.getByRole('list', { name: 'Info addressees' }).getByRole('listitem');
    expect(await unitChip.textContent()).toMatch(new RegExp(`left out, not cleared for SECRET: .*${confidential.name}`));

    // Enter in a field submits a form only through an enabled button: still nothing is sent.
    await writer.getByLabel('Subject', { exact: true }).press('Enter');
    expect(await writer.locator('.sent-result').count()).toBe(0);
    expect(await unnamedControls(writer)).toEqual([]);
    await writer.screenshot({ path: join(screenshots, 'compose-not-cleared.png'), fullPage: true });

    // The recipient's inbox stays empty.
    await refreshInbox(reader);
    await reader.getByText(/No cables or messages yet/).waitFor();

    await unitChip.getByRole('button', { name: /^Remove / }).click();
    expect(pageErrors).toEqual([]);
  });

  it('sends at a level the recipient may read, who reads it between banners in the policy’s colours', async () => {
    await writer.getByLabel('Classification level', { exact: true }).selectOption('CONFIDENTIAL');
    const send = writer.getByRole('button', { name: 'Send cable' });
    await waitFor('the Send button to be enabled', async () => ((await send.isEnabled()) ? true : undefined));
    expect(await writer.getByText('not cleared for').count()).toBe(0);
    await send.click();
    await writer.locator('.sent-result').getByText('Cable sent:').waitFor({ timeout: 90_000 });

    const row = reader.locator('tr.message-row', { hasText: cable.subject });
    await row.waitFor({ timeout: 60_000 });
    // Only this cable ever reached the recipient: the SECRET one was never sent.
    expect(await reader.locator('tr.message-row').count()).toBe(1);
    const chip = row.locator('.label-chip');
    expect(await chip.textContent()).toBe('CONFIDENTIAL');
    expect(await coloursOf(chip)).toEqual(expected('CONFIDENTIAL'));

    await row.getByRole('link', { name: cable.subject }).click();
    await reader.getByRole('heading', { name: cable.subject }).waitFor();
    const banners = reader.locator('.classification-banner');
    expect(await banners.count()).toBe(2);
    for (const b of await banners.all()) {
      expect(await b.textContent()).toBe('Classification: CONFIDENTIAL');
      expect(await coloursOf(b)).toEqual(expected('CONFIDENTIAL'));
    }
    await reader.screenshot({ path: join(screenshots, 'reading-policy-colours.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('addressing a unit leaves out its members who may not read the label, and says so after sending', async () => {
    await openCompose(writer);
    await addressee(writer, 'To', confidential.unit);
    await writer.getByLabel('Subject', { exact: true }).fill('Staff movements: SECRET summary');
    await writer.getByLabel('Classification level', { exact: true }).selectOption('SECRET');
    await writer.getByLabel('Text', { exact: true }).fill('Summary for cleared staff only.');
    const send = writer.getByRole('button', { name: 'Send cable' });
    expect(await send.isEnabled()).toBe(true);
    await send.click();
    const result = writer.locator('.sent-result');
    await result.getByText('Cable sent:').waitFor({ timeout: 90_000 });
    expect(await result.textContent()).toContain(`Left out, not cleared for SECRET: ${confidential.name}`);
    // The CONFIDENTIAL member got nothing: still only the CONFIDENTIAL cable in their inbox.
    await refreshInbox(reader);
    expect(await reader.locator('tr.message-row').count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
