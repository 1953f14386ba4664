#!/usr/bin/env node
// Benchmark (not a test): load + validate + normalize of the default model and of the model that
// sets every option, through the built @engram/config-schema. Run: pnpm bench
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';

const require = createRequire(import.meta.url);
const workspaceRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { loadConfig, modelFromText, normalize, validate, parseConfigText } = require('@engram/config-schema');

const models = {
  default: join(workspaceRoot, 'deployments/engram.deploy.yaml'),
  'every option': join(workspaceRoot, 'packages/config-schema/test/fixtures/every-option.yaml'),
};

const bench = new Bench({ time: 1000, warmupTime: 200 });
for (const [name, path] of Object.entries(models)) {
  const text = readFileSync(path, 'utf8');
  const data = parseConfigText(text).data;
  bench
    .add(`${name}: loadConfig (read + parse + validate + normalize)`, () => loadConfig(path))
    .add(`${name}: parse + validate + normalize`, () => modelFromText(text, path))
    .add(`${name}: validate`, () => validate(data))
    .add(`${name}: normalize`, () => normalize(data));
}
await bench.run();
console.table(
  bench.tasks.map((task) => ({
    task: task.name,
    'mean (µs)': (task.result.latency.mean * 1000).toFixed(1),
    'p99 (µs)': (task.result.latency.p99 * 1000).toFixed(1),
    'ops/s': Math.round(task.result.throughput.mean),
    samples: task.result.latency.samplesCount,
  })),
);
