/**
 * Helpers for browser tests: find Debian's Chromium, make sure the web app is built, and serve it
 * next to a running server (the server's own static files when it serves them, otherwise Vite's
 * preview server proxying the API and its WebSocket, as in development).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const webDir = join(repoRoot, 'apps', 'web');
const distIndex = join(webDir, 'dist', 'index.html');

/** Chromium from Debian's package (or CHROMIUM_PATH), if installed. */
export function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH && existsSync(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
  const which = spawnSync('which', ['chromium'], { encoding: 'utf8' });
  const found = which.status === 0 ? which.stdout.trim() : '';
  if (found) return found;
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
}

/** Flags that keep Chromium quiet on a closed network and independent of the machine's profile. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--disable-default-apps',
  '--disable-extensions',
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Build apps/web when dist is missing or older than the sources it is made of. */
function webBuildIsFresh(): boolean {
  const sources = [
    join(webDir, 'src'),
    join(webDir, 'index.html'),
    join(repoRoot, 'packages', 'sdk', 'src'),
    join(repoRoot, 'packages', 'protocol', 'src'),
  ];
  const newest = Math.max(...sources.map((s) => (statSync(s).isDirectory() ? newestMtime(s) : statSync(s).mtimeMs)));
  return existsSync(distIndex) && statSync(distIndex).mtimeMs >= newest;
}

const BUILD_LOCK = join(webDir, '.build-lock');
const STALE_LOCK_MS = 5 * 60_000;

/**
 * Build the web app unless dist is newer than every source. Test files run in parallel and each
 * calls this: a lock directory (mkdir is atomic) makes one build while the others wait and then
 * find the build fresh, instead of several Vite builds writing dist at once.
 */
export function ensureWebBuilt(): void {
  if (webBuildIsFresh()) return;
  const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      // Another test file is building; a lock left by a killed run expires.
      if (existsSync(BUILD_LOCK) && Date.now() - statSync(BUILD_LOCK).mtimeMs > STALE_LOCK_MS)
        rmSync(BUILD_LOCK, { recursive: true, force: true });
      sleep(200);
    }
  }
  try {
    if (webBuildIsFresh()) return;
    const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
    // Vitest sets NODE_ENV=test, which would give React's development build.
    const env = { ...process.env, NODE_ENV: 'production' };
    const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: webDir, encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(`building the web app failed:\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

export interface ServedWebApp {
  url: string;
  how: 'server' | 'vite-preview';
  close: () => Promise<void>;
}

/** Where the browser should go: the server itself if it serves the app, else a Vite preview in front of it. */
export async function serveWebApp(serverUrl: string): Promise<ServedWebApp> {
  try {
    const res = await fetch(`${serverUrl}/`);
    const html = res.ok ? await res.text() : '';
    if (html.includes('<div id="root">')) return { url: serverUrl, how: 'server', close: async () => undefined };
  } catch {
    // fall through to the preview server
  }
  const { preview } = await import('vite');
  // vite.config.ts reads the API target from VALISE_SERVER when it is loaded.
  process.env.VALISE_SERVER = serverUrl;
  const server = await preview({
    configFile: join(webDir, 'vite.config.ts'),
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('the Vite preview server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    how: 'vite-preview',
    close: () => server.close(),
  };
}

// ---- driving the app ---------------------------------------------------------------------------

/** Enrol a browser with a person's one-time code and wait for the inbox. */
export async function enrol(page: Page, person: { code: string }, deviceName: string): Promise<void> {
  await page.getByLabel('Enrolment code', { exact: true }).fill(person.code);
  await page.getByLabel('Device name', { exact: true }).fill(deviceName);
  await page.getByRole('button', { name: 'Enrol this device' }).click();
  await page.getByRole('heading', { name: /^Inbox/ }).waitFor({ timeout: 90_000 });
}

/** Add a person or unit to the To or Info field. */
export async function addressee(page: Page, field: 'To' | 'Info', handle: string): Promise<void> {
  const input = page.getByLabel(field, { exact: true });
  await input.fill(handle);
  await input.press('Enter');
}

/** Open Compose and wait until the label picker has the policy and the writer's clearance. */
export async function openCompose(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Compose cable' }).click();
  await page.getByRole('heading', { name: 'Compose cable' }).waitFor();
  await page.getByLabel('Classification level', { exact: true }).waitFor({ timeout: 30_000 });
}

/** The levels the label picker offers (the "Choose a level…" prompt left out). */
export async function offeredLevels(page: Page): Promise<string[]> {
  return page
    .getByLabel('Classification level', { exact: true })
    .locator('option')
    .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
}

/** Every form control and button on the page has an accessible name (a light stand-in for axe-core). */
export async function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('input, select, textarea, button, a[href], output')]
      .filter((el) => {
        const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
        return !labelled && !(el.textContent ?? '').trim();
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

/** "#1f5fa8" as the browser reports a computed colour: "rgb(31, 95, 168)". */
export function cssRgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

/** The computed background and text colours of an element. */
export async function coloursOf(locator: Locator): Promise<{ background: string; color: string }> {
  return locator.evaluate((el) => {
    const style = getComputedStyle(el);
    return { background: style.backgroundColor, color: style.color };
  });
}

/** Sync the inbox by hand and wait until it is done (the button reads "Refreshing…" meanwhile). */
export async function refreshInbox(page: Page): Promise<void> {
  await page.getByRole('link', { name: /^Inbox/ }).click();
  await page.getByRole('heading', { name: /^Inbox/ }).waitFor();
  await page.getByRole('button', { name: 'Refresh', exact: true }).click();
  await page.getByRole('button', { name: 'Refresh', exact: true, disabled: false }).waitFor({ timeout: 60_000 });
}

// ---- accessibility and layout checks -----------------------------------------------------------

const axeSource = join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js');

/**
 * Run axe-core on the page and return its serious and critical violations, one line each (empty
 * when clean). The app's Content Security Policy forbids injected script tags, so axe is evaluated
 * through the DevTools protocol, which the page's CSP does not govern.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    const { readFile } = await import('node:fs/promises');
    await page.evaluate(await readFile(axeSource, 'utf8'));
  }
  const violations = await page.evaluate(async () => {
    interface AxeResult {
      violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
    }
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<AxeResult> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.join(', ')}`);
}

/** How many CSS pixels the page scrolls sideways (0 when the layout fits the viewport). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Press Tab until `locator` has focus (at most `max` presses); true when it got there. */
export async function tabTo(page: Page, locator: Locator, max = 60): Promise<boolean> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await locator.evaluate((el) => el === document.activeElement).catch(() => false)) return true;
  }
  return false;
}

// ---- shared set-up of the browser tests ---------------------------------------------------------

/** Chromium for the browser tests: required in CI; elsewhere, when missing, the tests are skipped with a warning. */
export function chromiumForTests(): string | undefined {
  const path = findChromium();
  if (!path && process.env.CI) {
    throw new Error('Chromium is required for the browser tests in CI: apt-get install -y chromium (or set CHROMIUM_PATH)');
  }
  if (!path) console.warn('SKIPPED browser tests: Chromium not found (apt-get install -y chromium, or set CHROMIUM_PATH)');
  return path;
}

export const SCREENSHOTS = join(repoRoot, 'test-results', 'screenshots');

/** Save a full-page screenshot as test-results/screenshots/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * A page in a fresh browser context (a laptop screen, en-GB, UTC, downloads accepted), whose
 * context goes into `contexts` (to close) and whose uncaught errors go into `pageErrors`.
 */
export async function openTestPage(
  browser: Browser,
  contexts: BrowserContext[],
  pageErrors: string[],
  options: BrowserContextOptions = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
    locale: 'en-GB',
    timezoneId: 'UTC',
    ...options,
  });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.log(`[browser console] ${msg.text()}`);
  });
  return page;
}
