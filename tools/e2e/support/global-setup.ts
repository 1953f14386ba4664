import { spawn } from 'node:child_process';
import { workspaceRoot } from './process';

/** Runs a harness script, resolving with its output or rejecting with its exit code and output. */
function script(path: string, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path, ...args], { cwd: workspaceRoot, env: process.env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`bash ${path} exited ${code}\n${output}`)),
    );
  });
}

/**
 * Brings the harness up once per run: the Docker engine with BuildKit and the local base images,
 * the scanners and the kube-apiserver builds. The three are independent (only the first uses apt),
 * so on a new machine their builds overlap; the Prometheus test image needs the engine first.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const started = performance.now();
  // Start from no running kube-apiserver: one left by an earlier, interrupted run would be reused.
  await script('tools/kube/apiserver.sh', ['stop-all']);
  const outputs = await Promise.all([
    script('tools/docker/ensure.sh'),
    script('tools/scanners/install.sh'),
    script('tools/kube/build.sh'),
  ]);
  outputs.push(await script('tools/docker/build-monitoring-images.sh'));
  process.stdout.write(`${outputs.join('')}harness ready in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  // Whatever an interrupted file left running.
  return async () => {
    await script('tools/kube/apiserver.sh', ['stop-all']);
  };
}
