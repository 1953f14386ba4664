import { defineConfig } from 'vitest/config';
import { reporting } from '../vitest-reports.mjs';
import { besideOthers, BesideOthersFirst } from './support/lanes.js';

// End-to-end tests drive real tools (Docker engine, BuildKit, scanners, a cluster), with long
// timeouts. The files listed in support/lanes.ts run beside the others, and
// every other file holds the harness alone, one after another (support/exclusive-file.ts).
export default defineConfig({
  test: {
    include: ['**/*.e2e.test.ts'],
    environment: 'node',
    ...reporting('e2e'),
    // One worker for each file that runs beside the others, and one for the rest in turn.
    maxWorkers: besideOthers.length + 1,
    sequence: { sequencer: BesideOthersFirst },
    setupFiles: ['support/exclusive-file.ts'],
    testTimeout: 300_000,
    hookTimeout: 1_200_000,
    globalSetup: ['support/global-setup.ts'],
  },
});
