import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { harnessCache, run, runOk, waitFor, workspaceRoot, type Result } from './process';

/** Local equivalents of the public base images, built by tools/docker/build-base-images.sh. */
export const localBuilderImage = 'localhost/engram-rust-builder:trixie';
export const localRuntimeImage = 'localhost/engram-runtime-base:trixie';
export const generatedDockerfile = join(workspaceRoot, 'deployments/docker/Dockerfile');

/** The real Engram image, built once per run by the global setup from the generated Dockerfile. */
export const engramImage = 'localhost/engram:upstream';

/**
 * The Engram workspace the images are built from: ENGRAM_SOURCE_DIR, else the pinned upstream
 * checkout `shared/engram-upstream` beside this repository or beside one of its parent
 * directories (a clone in a scratch directory finds the one the development machines keep under
 * /work). It is only read: builds use a copy.
 */
export function engramSourceDir(): string {
  const parents: string[] = [];
  for (let dir = resolve(workspaceRoot, '..'); ; dir = dirname(dir)) {
    parents.push(join(dir, 'shared', 'engram-upstream'));
    if (dir === dirname(dir)) break;
  }
  const candidates = [process.env.ENGRAM_SOURCE_DIR, ...parents, '/work/shared/engram-upstream'].filter(
    (dir): dir is string => Boolean(dir),
  );
  const found = candidates.find((dir) => existsSync(join(dir, 'Cargo.toml')) && existsSync(join(dir, 'engram-cli')));
  if (!found) {
    throw new Error(
      `no Engram workspace found (looked in ${candidates.join(', ')}): set ENGRAM_SOURCE_DIR to an Engram checkout`,
    );
  }
  return resolve(found);
}

/**
 * A copy of the Engram workspace with this repository's generated deployments/ inside, as an
 * operator has it in an Engram checkout: the build context of every Engram image here.
 */
export function engramContext(name = 'engram-context'): string {
  const context = join(harnessCache, 'contexts', name);
  rmSync(context, { recursive: true, force: true });
  mkdirSync(context, { recursive: true });
  // Timestamps kept: cargo decides what to rebuild by comparing them with its cached artifacts.
  cpSync(engramSourceDir(), context, {
    recursive: true,
    preserveTimestamps: true,
    filter: (path) => !/\/target(\/|$)/.test(path),
  });
  cpSync(join(workspaceRoot, 'deployments'), join(context, 'deployments'), { recursive: true });
  return context;
}

/**
 * The CA bundle given to builds as the `build-ca` secret: the machine's own trust store, which
 * holds the CA of a TLS-intercepting proxy where there is one (ENGRAM_BUILD_CA overrides it).
 */
export const buildCaBundle = process.env.ENGRAM_BUILD_CA ?? '/etc/ssl/certs/ca-certificates.crt';

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

/** Builds with BuildKit (buildx, docker driver) and loads the image into the engine; throws on failure. */
export function buildImage(options: BuildOptions): Result {
  const result = tryBuildImage(options);
  if (result.status !== 0) {
    throw new Error(`docker buildx build ${options.tag} exited ${result.status}\n${result.stderr.slice(-6000)}`);
  }
  return result;
}

/** Builds like buildImage and returns the result whatever it is. */
export function tryBuildImage(options: BuildOptions): Result {
  // A cold release build of the real workspace takes tens of minutes on two cores.
  return run('docker', buildCommand(options), { timeoutSeconds: 3600 });
}

/**
 * The `docker` arguments of a BuildKit build (buildx, docker driver) that loads the image into the
 * engine: the local base images, the machine's CA bundle as the `build-ca` secret, and by default
 * a fresh copy of the Engram workspace as the context.
 */
export function buildCommand({ tag, context, dockerfile, target, buildArgs = {} }: BuildOptions): string[] {
  const buildContext = context ?? engramContext();
  const args = [
    'buildx',
    'build',
    '--load',
    '--progress=plain',
    '-f',
    dockerfile ?? join(buildContext, 'deployments/docker/Dockerfile'),
    '-t',
    tag,
  ];
  if (existsSync(buildCaBundle)) args.push('--secret', `id=build-ca,src=${buildCaBundle}`);
  const allArgs: Record<string, string> = {
    BUILDER_IMAGE: localBuilderImage,
    RUNTIME_IMAGE: localRuntimeImage,
    ...buildArgs,
  };
  for (const [name, value] of Object.entries(allArgs)) args.push('--build-arg', `${name}=${value}`);
  if (target) args.push('--target', target);
  args.push(buildContext);
  return args;
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
