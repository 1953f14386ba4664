import { defineConfig } from 'vitest/config';
import { reporting } from '../../tools/vitest-reports.mjs';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    ...reporting('systemd'),
  },
});
