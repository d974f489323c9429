import { defineConfig } from 'vitest/config';

// One run for every package: unit tests beside the code, end-to-end tests in test/.
// Browser tests live in test/browser and drive Debian's Chromium through playwright-core.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: heavy post-quantum and browser suites would starve each other.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
