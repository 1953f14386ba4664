import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const resultsRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '.test-results');

/**
 * The reporters of every vitest run in the workspace: the console, and a JSON report that
 * tools/test-summary.mjs sums. ENGRAM_TEST_RESULTS_DIR (tools/node-line.mjs sets it) keeps the
 * reports of a run on another Node.js line apart from those of the default one.
 */
export function reporting(project: string) {
  return {
    reporters: ['default', 'json'],
    outputFile: { json: join(resultsRoot, process.env.ENGRAM_TEST_RESULTS_DIR ?? '', `${project}.json`) },
  };
}
