/**
 * The web app: bundle size (what the first load fetches, gzipped, and the whole dist) and time to
 * interactive on loopback against the real demo server, in Debian's Chromium (playwright-core):
 * - cold: a fresh browser profile opens the app until the enrolment form can be typed into;
 * - enrolled: an enrolled browser reloads until its inbox is shown (the device key unwrapped from
 *   IndexedDB, the stored state decrypted, the live connection opened).
 *
 *   node bench/web.ts [--runs 10]
 * Prints one JSON line per figure.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, enrol, ensureWebBuilt, findChromium, repoRoot, serveWebApp } from '../test/browser/web-app.ts';
import { startDemoServer } from '../test/helpers/server.ts';

const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 10;
const dist = join(repoRoot, 'apps', 'web', 'dist');

const gz = (bytes: Buffer) => gzipSync(bytes, { level: 9 }).length;
const kB = (n: number) => +(n / 1000).toFixed(1);
const print = (line: object) => process.stdout.write(`${JSON.stringify({ bench: 'web', ...line })}\n`);

function bundleSizes(): void {
  const html = readFileSync(join(dist, 'index.html'));
  // The first load: index.html and what it references (entry script, its preloads, the CSS).
  const refs = [...html.toString('utf8').matchAll(/(?:src|href)="\/?(assets\/[^"]+)"/g)].map((m) => m[1] as string);
  const firstLoad = [html, ...refs.map((r) => readFileSync(join(dist, r)))];
  let allRaw = 0;
  let allGz = 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const b = readFileSync(p);
        allRaw += b.length;
        allGz += gz(b);
      }
    }
  };
  walk(dist);
  print({
    figure: 'bundle',
    firstLoadFiles: firstLoad.length,
    firstLoadKB: kB(firstLoad.reduce((n, b) => n + b.length, 0)),
    firstLoadGzipKB: kB(firstLoad.reduce((n, b) => n + gz(b), 0)),
    distKB: kB(allRaw),
    distGzipKB: kB(allGz),
  });
}

function stats(name: string, ms: number[]): void {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] as number);
  print({ figure: name, runs: s.length, p50Ms: at(0.5), p90Ms: at(0.9), minMs: Math.round(s[0] as number) });
}

async function main(): Promise<void> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('Chromium is needed: apt-get install -y chromium');
  ensureWebBuilt();
  bundleSizes();
  const server = await startDemoServer();
  const web = await serveWebApp(server.url);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const cold: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const t = performance.now();
      await page.goto(web.url);
      await page.getByLabel('Enrolment code', { exact: true }).waitFor({ state: 'visible' });
      await page.getByLabel('Enrolment code', { exact: true }).fill('x'); // it takes input: interactive
      cold.push(performance.now() - t);
      await context.close();
    }
    stats('cold-to-enrolment-form', cold);

    const person = server.people.find((p) => p.roles.includes('user') && !p.roles.includes('security-officer'));
    if (!person) throw new Error('no demo person');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(web.url);
    await enrol(page, person, 'bench-browser');
    const warm: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t = performance.now();
      await page.reload();
      await page.getByRole('heading', { name: /^Inbox/ }).waitFor();
      await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'visible' });
      warm.push(performance.now() - t);
    }
    stats('enrolled-reload-to-inbox', warm);
    await context.close();
  } finally {
    await browser.close();
    await web.close();
    await server.stop();
  }
}

await main();
