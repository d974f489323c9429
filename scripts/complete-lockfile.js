// The package registry reachable from our build machines carries only some of Biome's per-platform
// binary packages (linux ones), so `npm install` writes a lockfile without entries for the others,
// and `npm ci` then refuses it as out of sync. This adds the entries a full registry would have
// written: optional, platform-restricted, never fetched on a machine they do not match.
// Run after any change to dependencies: `node scripts/complete-lockfile.js`.
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORM = /cli-(android|darwin|linux|win32)-(x64|arm64)(-musl)?$/;
const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const added = [];
for (const [key, entry] of Object.entries(lock.packages)) {
  if (!key.endsWith('node_modules/@biomejs/biome')) continue;
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const target = `node_modules/${name}`;
    const m = PLATFORM.exec(name);
    if (lock.packages[target] || !m) continue;
    lock.packages[target] = {
      version,
      cpu: [m[2]],
      dev: true,
      license: 'MIT OR Apache-2.0',
      optional: true,
      os: [m[1]],
      ...(m[3] ? { libc: ['musl'] } : {}),
      engines: { node: '>=14.21.3' },
    };
    added.push(name);
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `lockfile: added ${added.join(', ')}` : 'lockfile: complete');
