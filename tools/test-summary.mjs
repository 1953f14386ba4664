#!/usr/bin/env node
// Prints one closing line for the whole test command, summed over the JSON reports every vitest
// run writes to .test-results/ (unit tests of each project, and the end-to-end tests).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const results = join(dirname(fileURLToPath(import.meta.url)), '..', '.test-results');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of readdirSync(results).filter((name) => name.endsWith('.json'))) {
  const report = JSON.parse(readFileSync(join(results, file), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
