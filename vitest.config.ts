import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Engines and the emulated board are real processes; keep parallelism modest on 2-core machines.
    maxWorkers: 2,
  },
});
