#!/usr/bin/env node
// Benchmark (not a test): whole-tree generation on a warm workspace, one process from start to exit,
// Nx start-up included. Runs the command a few times after one warm-up run and prints each run and
// the median. Run: pnpm bench:generate            (times `nx sync`, what `pnpm generate` runs)
//                  node tools/bench/generate.mjs [--runs N] -- <command> [args...]   (any other command)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const workspaceRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const runsFlag = args.indexOf('--runs');
const runs = runsFlag === -1 ? 10 : Number(args[runsFlag + 1]);
const separator = args.indexOf('--');
const [command, ...commandArgs] =
  separator === -1 ? [join(workspaceRoot, 'node_modules/.bin/nx'), 'sync'] : args.slice(separator + 1);

function timeOnce() {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, commandArgs, { cwd: workspaceRoot, stdio: 'ignore', env: { ...process.env, NX_DAEMON: 'false', NX_ISOLATE_PLUGINS: 'false' } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} exited ${result.status ?? result.signal}`);
  return seconds;
}

timeOnce(); // warm-up: file-system cache, Nx project-graph cache
const times = Array.from({ length: runs }, timeOnce).sort((a, b) => a - b);
const format = (seconds) => `${seconds.toFixed(2)} s`;
console.log(`${command} ${commandArgs.join(' ')}`);
console.log(`runs: ${runs}  min ${format(times[0])}  median ${format(times[Math.floor(runs / 2)])}  max ${format(times.at(-1))}`);
