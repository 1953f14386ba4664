import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildCommand, engramImage, type BuildOptions } from './docker';
import { holdLock } from './lock';
import { harnessCache, workspaceRoot } from './process';

/** Runs a command, resolving with its output or rejecting with its exit code and output. */
function command(program: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: workspaceRoot, env: process.env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${program} ${args.join(' ')} exited ${code}\n${output}`)),
    );
  });
}

/** Runs a harness script. */
function script(path: string, args: string[] = []): Promise<string> {
  return command('bash', [path, ...args]);
}

/** Builds an image of the real Engram from the generated Dockerfile and says how long it took. */
async function buildEngram(options: BuildOptions): Promise<string> {
  const started = performance.now();
  const output = await command('docker', buildCommand(options));
  const received = output.match(/runtime image receives lib\S+/g) ?? [];
  return `built ${options.tag} from the generated Dockerfile in ${((performance.now() - started) / 1000).toFixed(1)} s (${received.join(', ') || 'from cache'})\n`;
}

export default async function setup(): Promise<() => Promise<void>> {
  // End-to-end runs share the Docker engine, the kube-apiservers and their ports, and each run stops
  // what an earlier one left: a second run waits here instead of stopping the first one's servers.
  const unlock = await holdLock(join(harnessCache, 'e2e.lock'), 'waiting for another end-to-end run to finish');
  const started = performance.now();
  // Start from no running kube-apiserver: one left by an earlier, interrupted run would be reused.
  await script('tools/kube/apiserver.sh', ['stop-all']);
  await script('tools/kube/cluster.sh', ['stop']);
  await script('tools/registry/oci.sh', ['stop']);
  const outputs = await Promise.all([
    // Cold, the release build is the longest step here; BuildKit's cache makes an unchanged one take
    // seconds.
    script('tools/docker/ensure.sh').then(
      async (ready) => ready + (await buildEngram({ tag: engramImage, buildArgs: { REVISION: 'e2e' } })),
    ),
    script('tools/scanners/install.sh'),
    // The cluster's binaries after the apiservers', then the OCI registry: one Go build at a time on two cores.
    script('tools/kube/build.sh')
      .then(async (built) => built + (await script('tools/kube/cluster.sh', ['prepare'])))
      .then(async (built) => built + (await script('tools/registry/oci.sh', ['build']))),
  ]);
  outputs.push(await script('tools/docker/build-monitoring-images.sh'));
  outputs.push(await script('tools/kube/images.sh'));
  process.stdout.write(`${outputs.join('')}harness ready in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  // Whatever an interrupted file left running.
  return async () => {
    await script('tools/kube/apiserver.sh', ['stop-all']);
    await script('tools/kube/cluster.sh', ['stop']);
    await script('tools/registry/oci.sh', ['stop']);
    unlock();
  };
}
