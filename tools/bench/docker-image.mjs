#!/usr/bin/env node
// Benchmark (not a test) of the generated Dockerfile with the stand-in Engram and the local base
// images of tools/docker: cold build, unchanged rebuild, rebuild after a one-file change in
// engram-cli, the image size split, and start-up overhead. Needs the Docker harness:
//   bash tools/docker/ensure.sh && node tools/bench/docker-image.mjs
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const workspaceRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dockerfile = join(workspaceRoot, 'deployments/docker/Dockerfile');
const builderImage = 'localhost/engram-rust-builder:trixie';
const runtimeImage = 'localhost/engram-runtime-base:trixie';
const tag = 'localhost/engram:bench';

function sh(command, args, { allowFailure = false } = {}) {
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0 && !allowFailure) {
    throw new Error(`${command} ${args.join(' ')} failed\n${result.stdout}\n${result.stderr}`);
  }
  return { ...result, seconds };
}

function build(context) {
  return sh('docker', [
    'buildx',
    'build',
    '--load',
    '--progress=plain',
    '-f',
    dockerfile,
    '-t',
    tag,
    '--build-arg',
    `BUILDER_IMAGE=${builderImage}`,
    '--build-arg',
    `RUNTIME_IMAGE=${runtimeImage}`,
    context,
  ]).seconds;
}

const size = (image) => Number(sh('docker', ['image', 'inspect', '--format', '{{.Size}}', image]).stdout.trim());
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

const context = mkdtempSync(join(tmpdir(), 'engram-bench-'));
cpSync(join(workspaceRoot, 'tools/engram-standin'), context, {
  recursive: true,
  filter: (path) => !path.includes('/target'),
});
try {
  sh('docker', ['image', 'rm', '--force', tag], { allowFailure: true });
  sh('docker', ['buildx', 'prune', '--all', '--force']);
  const cold = build(context);
  const unchanged = build(context);
  appendFileSync(join(context, 'engram-cli/src/main.rs'), '\n// benchmark: one changed source file\n');
  const oneFile = build(context);

  const total = size(tag);
  const base = size(runtimeImage);
  const layers = sh('docker', ['history', '--no-trunc', '--format', '{{.Size}}\t{{.CreatedBy}}', tag]).stdout;
  const rootfsLayer = layers.split('\n').find((line) => line.includes('/out/rootfs/'));
  const parseSize = (text) => {
    const match = /^([0-9.]+)\s*([kMG]?B)/.exec(text);
    const unit = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[match[2]];
    return Number(match[1]) * unit;
  };
  const binaryAndLibraries = rootfsLayer ? parseSize(rootfsLayer) : Number.NaN;

  // Start-up: the binary's own readiness (its "HTTP server listening" log line after the container
  // started) against the first 200 from readiness seen from the host.
  const name = 'engram-bench-startup';
  sh('docker', ['rm', '--force', name], { allowFailure: true });
  const runStarted = Date.now();
  sh('docker', [
    'run',
    '--detach',
    '--name',
    name,
    '--read-only',
    '--tmpfs',
    '/tmp',
    '--publish',
    '127.0.0.1::7432',
    tag,
  ]);
  const port = sh('docker', ['port', name, '7432/tcp']).stdout.trim().split(':').pop();
  let readyAt = 0;
  // fetch's sockets and AbortSignal.timeout's timer do not keep node alive on their own.
  const keepAlive = setInterval(() => {}, 1000);
  for (let attempt = 0; attempt < 600 && !readyAt; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/system/health`, {
        signal: AbortSignal.timeout(1000),
      });
      if (response.status === 200) readyAt = Date.now();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  clearInterval(keepAlive);
  const startedAt = Date.parse(sh('docker', ['inspect', '--format', '{{.State.StartedAt}}', name]).stdout.trim());
  const logs = sh('docker', ['logs', '--timestamps', name]).stdout;
  const listening = logs.split('\n').find((line) => /HTTP server listening/.test(line));
  const listeningAt = listening ? Date.parse(listening.split(' ')[0]) : Number.NaN;
  sh('docker', ['rm', '--force', name]);

  console.table({
    'cold build (s)': cold.toFixed(1),
    'unchanged rebuild (s)': unchanged.toFixed(2),
    'one-file change rebuild (s)': oneFile.toFixed(1),
    'one-file / cold': (oneFile / cold).toFixed(2),
    'image total': mib(total),
    'runtime base': mib(base),
    'binary + copied libraries': mib(binaryAndLibraries),
    'everything else we add': mib(total - base - binaryAndLibraries),
    'docker run to ready (s)': ((readyAt - runStarted) / 1000).toFixed(2),
    'binary start to HTTP listening (s)': ((listeningAt - startedAt) / 1000).toFixed(2),
    'ready after HTTP listening (s)': ((readyAt - listeningAt) / 1000).toFixed(2),
  });
} finally {
  rmSync(context, { recursive: true, force: true });
}
