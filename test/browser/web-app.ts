/**
 * Helpers for browser tests: find Debian's Chromium, make sure the web app is built, and serve it
 * next to a running server (the server's own static files when it serves them, otherwise Vite's
 * preview server proxying the API and its WebSocket, as in development).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
export function ensureWebBuilt(): void {
  const sources = [
    join(webDir, 'src'),
    join(webDir, 'index.html'),
    join(repoRoot, 'packages', 'sdk', 'src'),
    join(repoRoot, 'packages', 'protocol', 'src'),
  ];
  const newest = Math.max(...sources.map((s) => (statSync(s).isDirectory() ? newestMtime(s) : statSync(s).mtimeMs)));
  if (existsSync(distIndex) && statSync(distIndex).mtimeMs >= newest) return;
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  // Vitest sets NODE_ENV=test, which would give React's development build.
  const env = { ...process.env, NODE_ENV: 'production' };
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: webDir, encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`building the web app failed:\n${r.stdout}\n${r.stderr}`);
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
