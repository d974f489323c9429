// Type-checks every package with its own tsconfig (protocol has no Node types, web has the DOM).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const tsc = join(import.meta.dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc');
const projects = [
  'packages/protocol/tsconfig.json',
  'packages/protocol/tsconfig.node.json',
  'packages/sdk/tsconfig.json',
  'apps/server/tsconfig.json',
  'apps/cli/tsconfig.json',
  'apps/web/tsconfig.json',
  'test/tsconfig.json',
  'bench/tsconfig.json',
].filter((p) => existsSync(p));
let failed = false;
for (const project of projects) {
  const r = spawnSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`typecheck failed: ${project}`);
    failed = true;
  }
}
if (failed) process.exit(1);
console.log(`typecheck: ${projects.length} projects clean`);
