import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One test file at a time. The emulated micro:bit drops input bytes when its guest falls
    // behind, as a real board does when busy, and beside chromium on a 2-core machine it falls
    // behind the host's pacing: starved, it lost a line of a long exec (seen in the full suite).
    maxWorkers: 1,
  },
});
