import { defineConfig } from 'vitest/config';
import { reporting } from '../vitest-reports.mjs';

// End-to-end tests drive real tools (Docker engine, BuildKit, scanners): one file at a time, long timeouts.
export default defineConfig({
  test: {
    include: ['**/*.e2e.test.ts'],
    environment: 'node',
    ...reporting('e2e'),
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 1_200_000,
    globalSetup: ['support/global-setup.ts'],
  },
});
