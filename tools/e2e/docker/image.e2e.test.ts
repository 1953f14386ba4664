import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildImage,
  containerLogs,
  docker,
  inspect,
  publishedPort,
  removeContainers,
  removeVolumes,
  standinContext,
  waitForHttp200,
} from '../support/docker';
import { EngramApi } from '../support/engram-api';
import { run, waitFor } from '../support/process';

const image = 'localhost/engram:e2e';
const volume = 'engram-e2e-image-data';
const first = 'engram-e2e-image-1';
const second = 'engram-e2e-image-2';
const health = 'engram-e2e-image-health';

/** The hardening an operator applies: read-only root, scratch tmpfs, no capabilities, no privilege gain. */
const hardened = ['--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];

function startHardened(name: string): EngramApi {
  docker(
    'run',
    '--detach',
    '--name',
    name,
    ...hardened,
    '--volume',
    `${volume}:/data`,
    '--publish',
    '127.0.0.1::7432',
    image,
  );
  return new EngramApi(`http://127.0.0.1:${publishedPort(name, 7432)}`);
}

describe('the image built from the generated Dockerfile', () => {
  beforeAll(() => {
    removeContainers(first, second, health);
    removeVolumes(volume);
    const build = buildImage({ tag: image, buildArgs: { REVISION: 'e2e' } });
    console.log(`built ${image} in ${build.seconds.toFixed(1)} s`);
  });

  afterAll(() => {
    removeContainers(first, second, health);
    removeVolumes(volume);
  });

  it('serves hardened: ready, 100 concurrent remembers all 201, and search finds them', async () => {
    const api = startHardened(first);
    const seconds = await waitForHttp200(`${api.baseUrl}/api/v1/system/health`, 30_000);
    console.log(`readiness answered 200 ${seconds.toFixed(2)} s after docker run returned`);

    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => api.remember(`e2e-image-memory-${i}`)));
    expect(results.map((r) => r.status)).toEqual(Array(100).fill(201));
    const found = await api.search('e2e-image-memory-');
    expect(new Set(found)).toEqual(new Set(Array.from({ length: 100 }, (_, i) => `e2e-image-memory-${i}`)));
  });

  it('stops cleanly on docker stop and keeps every memory for the next container', async () => {
    const stop = run('docker', ['stop', '--time', '30', first]);
    expect(stop.status).toBe(0);
    console.log(`docker stop took ${stop.seconds.toFixed(2)} s`);
    expect(stop.seconds).toBeLessThan(15);
    expect(inspect<number>(first, '{{json .State.ExitCode}}')).toBe(0);
    expect(containerLogs(first)).toContain('Server stopped gracefully');

    const api = startHardened(second);
    await waitForHttp200(`${api.baseUrl}/api/v1/system/health`, 30_000);
    expect((await api.search('e2e-image-memory-')).length).toBe(100);
    removeContainers(second);
  });

  it('runs as 65534:65534 with no shell and no setuid or setgid file', () => {
    expect(inspect<string>(image, '{{json .Config.User}}')).toBe('65534:65534');
    const shell = run('docker', ['run', '--rm', '--entrypoint', 'sh', image, '-c', 'true']);
    expect(shell.status).not.toBe(0);
    expect(shell.stderr).toMatch(/executable file not found|no such file/i);

    const created = docker('create', image).stdout.trim();
    try {
      const listing = run('bash', ['-c', `set -o pipefail; docker export ${created} | tar -tvf -`]);
      expect(listing.status).toBe(0);
      const special = listing.stdout.split('\n').filter((line) => /^[-d]..[sS]|^[-d].....[sS]/.test(line));
      expect(special).toEqual([]);
      expect(listing.stdout).toMatch(/root\/root .* usr\/local\/bin\/engram/);
      // The default build links libhwloc (and libudev through it), which the runtime base lacks.
      expect(listing.stdout).toMatch(/usr\/lib\/x86_64-linux-gnu\/libhwloc\.so\.15\n/);
      expect(listing.stdout).toMatch(/libudev\.so\.1\n/);
    } finally {
      run('docker', ['rm', created]);
    }
  });

  it('has a health check that turns healthy, then unhealthy when the API stops answering', async () => {
    // The image's own check command; only its timing is shortened so the test stays fast.
    docker(
      'run',
      '--detach',
      '--name',
      health,
      ...hardened,
      '--publish',
      '127.0.0.1::7432',
      '--health-interval',
      '2s',
      '--health-timeout',
      '2s',
      '--health-retries',
      '2',
      '--health-start-period',
      '10s',
      image,
    );
    const status = () => inspect<{ Status: string }>(health, '{{json .State.Health}}').Status;
    await waitFor('healthy', () => (status() === 'healthy' ? true : undefined), 40_000);
    expect(inspect<string[]>(health, '{{json .Config.Healthcheck.Test}}')).toEqual([
      'CMD',
      '/usr/local/bin/engram',
      'space',
      'list',
    ]);

    const port = publishedPort(health, 7432);
    // Fixture-only knob of the stand-in: every later request hangs, like a wedged server.
    await fetch(`http://127.0.0.1:${port}/standin/stall`, { method: 'POST', signal: AbortSignal.timeout(5000) });
    await waitFor('unhealthy', () => (status() === 'unhealthy' ? true : undefined), 40_000);
  });

  it('keeps ignored paths out of the build context', () => {
    const context = mkdtempSync(join(tmpdir(), 'engram-context-'));
    try {
      cpSync(standinContext, context, { recursive: true, filter: (path) => !path.includes('/target') });
      for (const dir of ['target', '.git', 'node_modules', 'engram-core/target']) {
        mkdirSync(join(context, dir), { recursive: true });
        writeFileSync(join(context, dir, 'SENTINEL'), 'must not reach the build context\n');
      }
      writeFileSync(join(context, '.env'), 'SECRET=SENTINEL\n');
      buildImage({ tag: 'localhost/engram-context-probe:e2e', context, target: 'builder' });
      const found = run('docker', [
        'run',
        '--rm',
        '--entrypoint',
        'find',
        'localhost/engram-context-probe:e2e',
        '/build',
        '-name',
        'SENTINEL',
        '-o',
        '-name',
        '.env',
        '-o',
        '-name',
        '.git',
      ]);
      expect(found.status).toBe(0);
      expect(found.stdout.trim()).toBe('');
      const sources = run('docker', [
        'run',
        '--rm',
        '--entrypoint',
        'ls',
        'localhost/engram-context-probe:e2e',
        '/build/proto',
        '/build/engram-cli/src/main.rs',
      ]);
      expect(sources.status).toBe(0);
    } finally {
      rmSync(context, { recursive: true, force: true });
      run('docker', ['image', 'rm', 'localhost/engram-context-probe:e2e']);
    }
  });

  it('builds with other cargo features and another target CPU', async () => {
    const variant = 'localhost/engram:e2e-variant';
    const name = 'engram-e2e-image-variant';
    buildImage({
      tag: variant,
      buildArgs: { DEFAULT_FEATURES: 'false', CARGO_FEATURES: 'spreading-extras', TARGET_CPU: 'x86-64' },
    });
    try {
      docker('run', '--detach', '--name', name, ...hardened, '--publish', '127.0.0.1::7432', variant);
      const api = new EngramApi(`http://127.0.0.1:${publishedPort(name, 7432)}`);
      await waitForHttp200(`${api.baseUrl}/health/alive`, 30_000);
      const variantHealth = (await api.json('/health')).body;
      const files = run('bash', [
        '-c',
        `set -o pipefail; id=$(docker create ${variant}); docker export "$id" | tar -tf -; docker rm "$id" >/dev/null`,
      ]);
      expect(files.status).toBe(0);
      expect(files.stdout).not.toMatch(/libhwloc/);
      expect(variantHealth.features).toEqual(['spreading-extras']);

      docker('run', '--detach', '--name', `${name}-default`, ...hardened, '--publish', '127.0.0.1::7432', image);
      const defaultApi = new EngramApi(`http://127.0.0.1:${publishedPort(`${name}-default`, 7432)}`);
      await waitForHttp200(`${defaultApi.baseUrl}/health/alive`, 30_000);
      const defaultHealth = (await defaultApi.json('/health')).body;
      expect(defaultHealth.features).toEqual(['monitoring']);
      // x86-64-v2 (the default) enables SSE4.2 at compile time; plain x86-64 does not.
      expect(defaultHealth.target_cpu.sse4_2).toBe(true);
      expect(variantHealth.target_cpu.sse4_2).toBe(false);
    } finally {
      removeContainers(name, `${name}-default`);
      run('docker', ['image', 'rm', variant]);
    }
  });
});
