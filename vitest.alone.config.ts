import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/** Tests that measure a whole load test, run one at a time after the suite, with the machine to themselves. */
export default mergeConfig(base, defineConfig({ test: { include: ['test/alone/**/*.test.ts'], exclude: [], fileParallelism: false, maxWorkers: 1 } }));
