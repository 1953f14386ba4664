#!/usr/bin/env node
// Prints the closing lines of the whole test command, summed over the JSON reports every vitest
// run writes to .test-results/: one line per Node.js line the tests ran on (reports of a run on
// another line sit in a folder of their own, e.g. node24/), then the total.
//   node tools/test-summary.mjs           print the summary; exit 1 if any test failed
//   node tools/test-summary.mjs --reset   delete the reports of earlier runs
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const results = join(dirname(fileURLToPath(import.meta.url)), '..', '.test-results');
if (process.argv.includes('--reset')) {
  rmSync(results, { recursive: true, force: true });
  process.exit(0);
}
const defaultLine = `node${process.versions.node.split('.')[0]}`;

function sum(dir) {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) {
    const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + report.numTodoTests;
  }
  return totals;
}

const format = ({ passed, failed, skipped }) =>
  `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;

const runs = [[defaultLine, sum(results)]];
for (const entry of readdirSync(results, { withFileTypes: true }))
  if (entry.isDirectory()) runs.push([entry.name, sum(join(results, entry.name))]);
const total = { passed: 0, failed: 0, skipped: 0 };
for (const [line, totals] of runs) {
  console.log(`tests on ${line.replace('node', 'Node.js ')}: ${format(totals)}`);
  for (const key of Object.keys(total)) total[key] += totals[key];
}
console.log(`tests: ${format(total)}`);
process.exit(total.failed ? 1 : 0);
