import { defineConfig } from 'vitest/config';
import { reporting } from './vitest-reports.mjs';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    ...reporting('workspace'),
    testTimeout: 60_000,
  },
});
