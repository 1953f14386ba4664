import { defineConfig } from 'vitest/config';

// End-to-end tests drive real tools (Docker engine, BuildKit, scanners): one file at a time, long timeouts.
export default defineConfig({
  test: {
    include: ['**/*.e2e.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 1_200_000,
    globalSetup: ['support/global-setup.ts'],
  },
});
