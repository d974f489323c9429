import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// The development server forwards the API (and its WebSocket) to a local Valise server.
const server = process.env.VALISE_SERVER ?? 'http://127.0.0.1:8080';
const proxy = {
  '/api': { target: server, ws: true },
  '/health': { target: server },
};

// A strict Content Security Policy for the built app: no inline or foreign script can run beside
// the code that holds the device's keys. Build only: the dev server injects an inline preamble.
// The server address is chosen at login, so connections may go to any http(s)/ws(s) origin.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self' http: https: ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'valise-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react(), contentSecurityPolicy()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The post-quantum MLS stack is large by nature; warn only beyond it.
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy },
  preview: { proxy },
});
