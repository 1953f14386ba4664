#!/usr/bin/env node
// Runs a command with a given Node.js major line first on PATH, so that it and every `node`
// it starts (Nx, vitest, npm, npx) run on that line.
//   node tools/node-line.mjs 24 pnpm exec nx run-many -t test
// A line other than the running Node's comes from the npm registry's `node` package
// (`npx --package node@24`), cached by npm after the first run. The command's test reports go
// to .test-results/node<major>/ (see tools/vitest-reports.mts).
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, delimiter } from 'node:path';

const [line, command, ...args] = process.argv.slice(2);
if (!/^\d+$/.test(line ?? '') || !command) {
  console.error('usage: node tools/node-line.mjs <major> <command> [args...]');
  process.exit(2);
}

function nodeFor(major) {
  if (process.versions.node.split('.')[0] === major) return process.execPath;
  return execFileSync('npx', ['--yes', '--package', `node@${major}`, 'node', '-p', 'process.execPath'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

const node = nodeFor(line);
const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
if (version.split('.')[0] !== `v${line}`) {
  console.error(`node-line: asked for Node.js ${line}, but ${node} is ${version}`);
  process.exit(1);
}
console.error(`node-line: running on Node.js ${version} (${node})`);
const result = spawnSync(command, args, {
  stdio: 'inherit',
  env: {
    ...process.env,
    PATH: `${dirname(node)}${delimiter}${process.env.PATH}`,
    ENGRAM_TEST_RESULTS_DIR: `node${line}`,
  },
});
if (result.error) throw result.error;
process.exit(result.status ?? 1);
