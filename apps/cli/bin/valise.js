#!/usr/bin/env node
// Plain JavaScript on purpose: it must run (and explain itself) even on an old Node.js that
// cannot load the TypeScript sources.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `valise needs Node.js 24 or newer (this is ${process.version}).\n` +
      'Install it, e.g.: npm install --prefix ~/.node24 node@24 && export PATH=~/.node24/node_modules/.bin:$PATH\n',
  );
  process.exit(1);
}
await import('../src/main.ts');
