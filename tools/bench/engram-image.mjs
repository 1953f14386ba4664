#!/usr/bin/env node
// Benchmark (not a test) of the generated Dockerfile with the real Engram workspace and the local
// base images of tools/docker, all measured in one run:
//   - cold build (BuildKit cache pruned first), unchanged rebuild, and a one-line change in
//     engram-cli and in engram-core, as ratios of the cold build;
//   - the image size split into runtime base, binary, copied libraries and anything else;
//   - docker run to readiness, and readiness minus the binary's own time to listen;
//   - remember and search throughput in the hardened container, through its published port and on
//     its bridge address, against the same binary run with none of the container's isolation or
//     limits (host network, no cgroup limits), same client; medians of BENCH_ROUNDS rounds (3).
// Needs the Docker harness and an Engram workspace (ENGRAM_SOURCE_DIR, or ../shared/engram-upstream):
//   bash tools/docker/ensure.sh && node tools/bench/engram-image.mjs [--keep-cache | --runtime-only]
// --keep-cache skips the prune (the "cold" figure is then whatever the cache holds). The prune
// empties the cargo cache mounts too: the next build of any Engram image is cold once.
// --runtime-only builds once from the cache and measures the image and the server, no rebuild figures.
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const workspaceRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const builderImage = 'localhost/engram-rust-builder:trixie';
const runtimeImage = 'localhost/engram-runtime-base:trixie';
const tag = 'localhost/engram:bench';
const caBundle = process.env.ENGRAM_BUILD_CA ?? '/etc/ssl/certs/ca-certificates.crt';
const keepCache = process.argv.includes('--keep-cache');
/** Measure the image and the running server only: one build (from whatever the cache holds), no rebuilds. */
const runtimeOnly = process.argv.includes('--runtime-only');
/** Bounded client load: operations per phase and requests in flight. */
const operations = Number(process.env.BENCH_OPERATIONS ?? 2000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
/** Rounds of the throughput comparison; each runs every setup once, in a rotated order. */
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

function sh(command, args, { allowFailure = false } = {}) {
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0 && !allowFailure) {
    throw new Error(
      `${command} ${args.join(' ')} failed\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`,
    );
  }
  return { ...result, seconds };
}

function engramSource() {
  const candidates = [process.env.ENGRAM_SOURCE_DIR, join(workspaceRoot, '..', 'shared', 'engram-upstream')];
  const found = candidates.find((dir) => dir && existsSync(join(dir, 'engram-cli')));
  if (!found) throw new Error(`no Engram workspace in ${candidates.filter(Boolean).join(', ')}: set ENGRAM_SOURCE_DIR`);
  return found;
}

function build(context) {
  const result = sh('docker', [
    'buildx',
    'build',
    '--load',
    '--progress=plain',
    '-f',
    join(context, 'deployments/docker/Dockerfile'),
    '-t',
    tag,
    '--secret',
    `id=build-ca,src=${caBundle}`,
    '--build-arg',
    `BUILDER_IMAGE=${builderImage}`,
    '--build-arg',
    `RUNTIME_IMAGE=${runtimeImage}`,
    context,
  ]);
  return { seconds: result.seconds, log: result.stderr };
}

/** Appends one line to a source file, builds, and puts the file back as it was (content and time). */
function oneLineChange(context, file) {
  const path = join(context, file);
  const original = readFileSync(path);
  const { atime, mtime } = statSync(path);
  appendFileSync(path, '\n// benchmark: one changed line\n');
  try {
    return build(context).seconds;
  } finally {
    writeFileSync(path, original);
    utimesSync(path, atime, mtime);
  }
}

const size = (image) => Number(sh('docker', ['image', 'inspect', '--format', '{{.Size}}', image]).stdout.trim());
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

/** The regular files of an image and their sizes, from its exported file system (the container never runs). */
function regularFiles(image) {
  const id = sh('docker', ['create', image, 'none']).stdout.trim();
  try {
    const listing = sh('bash', ['-c', `set -o pipefail; docker export ${id} | tar -tvf -`]).stdout;
    const files = new Map();
    for (const row of listing.split('\n')) {
      const fields = row.trim().split(/\s+/);
      if (!row.startsWith('-') || fields.length < 6) continue;
      files.set(`/${fields.slice(5).join(' ')}`, Number(fields[2]));
    }
    return files;
  } finally {
    sh('docker', ['rm', id]);
  }
}

function embedding(seed) {
  let state = seed + 1;
  const vector = Array.from({ length: 768 }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 0xffffffff - 0.5;
  });
  return vector.map((value) => Number(value.toFixed(6)));
}

/** `operations` requests, `concurrency` at a time; returns operations per second. */
async function throughput(baseUrl, label) {
  const run = async (request) => {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < operations) {
          const index = next++;
          const response = await request(index);
          if (!response.ok) throw new Error(`${label}: ${response.status} for operation ${index}`);
          await response.arrayBuffer();
        }
      }),
    );
    return operations / ((performance.now() - started) / 1000);
  };
  const prefix = `bench-${label}-${Date.now()}`;
  const remember = await run((index) =>
    fetch(`${baseUrl}/api/v1/memories/remember`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: `${prefix} ${index}`, confidence: 0.9, embedding: embedding(index) }),
      signal: AbortSignal.timeout(30_000),
    }),
  );
  const search = await run((index) =>
    fetch(`${baseUrl}/api/v1/memories/search?query=${encodeURIComponent(`${prefix} ${index}`)}&limit=10`, {
      signal: AbortSignal.timeout(30_000),
    }),
  );
  return { remember, search };
}

async function waitReady(url) {
  // Engram itself takes about 8 s to listen; a busy machine can double that.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).status === 200) return Date.now();
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${url} never answered 200 within 120 s`);
}

const context = mkdtempSync(join(tmpdir(), 'engram-bench-'));
cpSync(engramSource(), context, {
  recursive: true,
  preserveTimestamps: true,
  filter: (p) => !/\/target(\/|$)/.test(p),
});
cpSync(join(workspaceRoot, 'deployments'), join(context, 'deployments'), { recursive: true });
const containers = ['engram-bench-hardened', 'engram-bench-bridged', 'engram-bench-host'];

/** Starts the image hardened as the generated docker run does; returns its published port and bridge address. */
function startHardened(name) {
  sh('docker', [
    'run',
    '--detach',
    '--name',
    name,
    '--read-only',
    '--tmpfs',
    '/tmp',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--cpus',
    '2',
    '--memory',
    '4g',
    '--publish',
    '127.0.0.1::7432',
    tag,
  ]);
  return {
    port: sh('docker', ['port', name, '7432/tcp']).stdout.trim().split(':').pop(),
    address: sh('docker', [
      'inspect',
      '--format',
      '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
      name,
    ]).stdout.trim(),
  };
}
const percent = (a, b) => `${((100 * a) / b).toFixed(1)} %`;

/** Rebuild figures as ratios of the first build, which is cold unless the cache was kept. */
function buildFigures(context, coldSeconds) {
  const unchanged = build(context).seconds;
  const cliChange = oneLineChange(context, 'engram-cli/src/main.rs');
  const coreChange = oneLineChange(context, 'engram-core/src/lib.rs');
  // Back to the original sources: the image that is measured afterwards is the default one.
  build(context);
  return {
    'cold build (s)': coldSeconds.toFixed(1),
    'unchanged rebuild (s)': `${unchanged.toFixed(2)} (${percent(unchanged, coldSeconds)} of cold)`,
    'one-line change in engram-cli (s)': `${cliChange.toFixed(1)} (${percent(cliChange, coldSeconds)} of cold)`,
    'one-line change in engram-core (s)': `${coreChange.toFixed(1)} (${percent(coreChange, coldSeconds)} of cold)`,
  };
}

// fetch's sockets and AbortSignal.timeout's timer do not keep node alive on their own.
const keepAlive = setInterval(() => {}, 1000);
try {
  sh('docker', ['rm', '--force', ...containers], { allowFailure: true });
  sh('docker', ['image', 'rm', '--force', tag], { allowFailure: true });
  if (!keepCache && !runtimeOnly) sh('docker', ['buildx', 'prune', '--all', '--force']);
  const cold = build(context);
  const builds = runtimeOnly ? {} : buildFigures(context, cold.seconds);

  const binary = '/usr/local/bin/engram';
  // What the build adds to the runtime base: the binary, the shared libraries it copies, anything else.
  const baseFiles = regularFiles(runtimeImage);
  const added = [...regularFiles(tag)].filter(([path, bytes]) => baseFiles.get(path) !== bytes);
  const binaryBytes = added.find(([path]) => path === binary)?.[1] ?? Number.NaN;
  const libraryFiles = added.filter(([path]) => /\.so(\.\d+)*$/.test(path));
  const libraries = libraryFiles.map(([path]) => path.split('/').pop());
  const librariesTotal = libraryFiles.reduce((sum, [, bytes]) => sum + bytes, 0);
  const total = size(tag);
  const base = size(runtimeImage);

  // Start-up: the first 200 from readiness seen from the host, against the binary's own "HTTP
  // server listening" log line (both after docker run returned).
  const [hardened, bridged, host] = containers;
  const runStarted = Date.now();
  const { port } = startHardened(hardened);
  const readyAt = await waitReady(`http://127.0.0.1:${port}/api/v1/system/health`);
  const startedAt = Date.parse(sh('docker', ['inspect', '--format', '{{.State.StartedAt}}', hardened]).stdout.trim());
  const logs = sh('docker', ['logs', '--timestamps', hardened]);
  const listening = `${logs.stdout}${logs.stderr}`.split('\n').find((line) => /listening|Listening|serving/.test(line));
  const listeningAt = listening ? Date.parse(listening.split(' ')[0]) : Number.NaN;
  sh('docker', ['rm', '--force', hardened]);

  // Throughput, in rounds: each round starts every setup afresh, in a rotated order, so that
  // neither the order nor a slow moment of the disk favours one of them; medians are compared.
  const setups = {
    // The hardened container through its published port, as clients on the host reach it.
    hardened: async () => {
      const started = startHardened(hardened);
      await waitReady(`http://127.0.0.1:${started.port}/api/v1/system/health`);
      const result = await throughput(`http://127.0.0.1:${started.port}`, 'hardened');
      sh('docker', ['rm', '--force', hardened]);
      return result;
    },
    // The same, on its bridge address: the difference from the above is the engine's port
    // forwarding (docker-proxy), not the container.
    bridged: async () => {
      const started = startHardened(bridged);
      await waitReady(`http://${started.address}:7432/api/v1/system/health`);
      const result = await throughput(`http://${started.address}:7432`, 'bridged');
      sh('docker', ['rm', '--force', bridged]);
      return result;
    },
    // The same binary with none of the isolation: host network, no seccomp, no limits.
    host: async () => {
      sh('docker', [
        'run',
        '--detach',
        '--name',
        host,
        '--network',
        'host',
        '--security-opt',
        'seccomp=unconfined',
        // A fresh named volume takes the ownership of the image's /data, as in the hardened run.
        '--volume',
        `${host}-data:/data`,
        tag,
        '--log-level=info',
        'start',
        '--port=27432',
        '--grpc-port=27051',
      ]);
      await waitReady('http://127.0.0.1:27432/api/v1/system/health');
      const result = await throughput('http://127.0.0.1:27432', 'host');
      sh('docker', ['rm', '--force', host]);
      sh('docker', ['volume', 'rm', `${host}-data`]);
      return result;
    },
  };
  const names = Object.keys(setups);
  const samples = Object.fromEntries(names.map((name) => [name, { remember: [], search: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      const result = await setups[name]();
      samples[name].remember.push(result.remember);
      samples[name].search.push(result.search);
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const compare = (name, phase) => {
    const mine = median(samples[name][phase]);
    const base = median(samples.host[phase]);
    const spread = (values) => values.map((v) => v.toFixed(0)).join('/');
    return `${mine.toFixed(0)} vs ${base.toFixed(0)} (${percent(mine, base)}; rounds ${spread(samples[name][phase])} vs ${spread(samples.host[phase])})`;
  };

  console.table({
    ...builds,
    'image total': mib(total),
    'runtime base': mib(base),
    binary: mib(binaryBytes),
    [`copied libraries (${libraries.join(', ')})`]: mib(librariesTotal),
    'anything else': mib(total - base - binaryBytes - librariesTotal),
    'docker run to ready (s)': ((readyAt - runStarted) / 1000).toFixed(2),
    'container start to binary listening (s)': ((listeningAt - startedAt) / 1000).toFixed(2),
    'ready after the binary listens (s)': ((readyAt - listeningAt) / 1000).toFixed(2),
    'remember/s hardened (published port) vs host, median': compare('hardened', 'remember'),
    'search/s hardened (published port) vs host, median': compare('hardened', 'search'),
    'remember/s hardened (bridge address) vs host, median': compare('bridged', 'remember'),
    'search/s hardened (bridge address) vs host, median': compare('bridged', 'search'),
  });
  console.log(
    `client: ${operations} operations per phase, ${concurrency} in flight, ${rounds} rounds; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
} finally {
  clearInterval(keepAlive);
  sh('docker', ['rm', '--force', ...containers], { allowFailure: true });
  rmSync(context, { recursive: true, force: true });
}
