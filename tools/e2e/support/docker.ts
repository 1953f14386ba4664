import { join } from 'node:path';
import { run, runOk, waitFor, workspaceRoot, type Result } from './process';

/** Local stand-ins for the public base images, built by tools/docker/build-base-images.sh. */
export const localBuilderImage = 'localhost/engram-rust-builder:trixie';
export const localRuntimeImage = 'localhost/engram-runtime-base:trixie';
export const standinContext = join(workspaceRoot, 'tools/engram-standin');
export const generatedDockerfile = join(workspaceRoot, 'deployments/docker/Dockerfile');

export function docker(...args: string[]): Result {
  return runOk('docker', args);
}

export interface BuildOptions {
  tag: string;
  context?: string;
  dockerfile?: string;
  target?: string;
  buildArgs?: Record<string, string>;
}

/** Builds with BuildKit (buildx, docker driver) and loads the image into the engine. */
export function buildImage({
  tag,
  context = standinContext,
  dockerfile = generatedDockerfile,
  target,
  buildArgs = {},
}: BuildOptions): Result {
  const args = ['buildx', 'build', '--load', '--progress=plain', '-f', dockerfile, '-t', tag];
  const allArgs: Record<string, string> = {
    BUILDER_IMAGE: localBuilderImage,
    RUNTIME_IMAGE: localRuntimeImage,
    ...buildArgs,
  };
  for (const [name, value] of Object.entries(allArgs)) args.push('--build-arg', `${name}=${value}`);
  if (target) args.push('--target', target);
  args.push(context);
  return runOk('docker', args, { timeoutSeconds: 1200 });
}

/** Host port that a container port is published on (always 127.0.0.1). */
export function publishedPort(container: string, containerPort: number): number {
  const line = docker('port', container, `${containerPort}/tcp`)
    .stdout.split('\n')
    .find((l) => l.startsWith('127.0.0.1:'));
  if (!line) throw new Error(`${container} publishes ${containerPort} on no 127.0.0.1 port`);
  return Number(line.split(':')[1]);
}

export function inspect<T = any>(name: string, format = '{{json .}}'): T {
  return JSON.parse(docker('inspect', '--format', format, name).stdout);
}

export function removeContainers(...names: string[]): void {
  for (const name of names) run('docker', ['rm', '--force', '--volumes', name]);
}

export function removeVolumes(...names: string[]): void {
  for (const name of names) run('docker', ['volume', 'rm', '--force', name]);
}

/** Waits for an HTTP 200 from a URL on 127.0.0.1. */
export async function waitForHttp200(url: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  await waitFor(
    `200 from ${url}`,
    async () => ((await fetch(url, { signal: AbortSignal.timeout(2000) })).status === 200 ? true : undefined),
    timeoutMs,
    100,
  );
  return (performance.now() - started) / 1000;
}

export function containerLogs(name: string): string {
  const result = run('docker', ['logs', name]);
  return result.stdout + result.stderr;
}
