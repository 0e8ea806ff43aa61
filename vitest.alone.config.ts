import { defineConfig } from 'vitest/config';

/** Tests that measure a whole load test, run one at a time after the suite, with the machine to themselves. */
export default defineConfig({
  test: {
    include: ['test/alone/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
