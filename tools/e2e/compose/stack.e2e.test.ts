import Ajv2020 from 'ajv/dist/2020';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardPanels } from '@engram/compose';
import { parseMemoryQuantity } from '@engram/config-schema';
import {
  compose,
  composeOk,
  composeSpecSchemaPath,
  generatedComposeDirectory,
  regenerateDockerDirectory,
  testEnvironment,
  writeTestOverride,
  type ComposeProject,
} from '../support/compose';
import { containerLogs, inspect } from '../support/docker';
import { EngramApi } from '../support/engram-api';
import { run, runOk, waitFor } from '../support/process';

const project = 'engram-compose-e2e';
const image = 'localhost/engram:compose-e2e';
const prometheusImage = 'localhost/engram-prometheus:e2e';
const ports = { http: 17432, grpc: 15051, prometheus: 19090, grafana: 13000 };
const container = 'engram-db';
/** A memory limit below what Engram needs to start: seen OOM-killed at start under 256 MiB and 512 MiB, serving under 1 GiB. */
const tightMemoryLimit = '256Mi';
const api = new EngramApi(`http://127.0.0.1:${ports.http}`);
/** Ids of the memories written through Compose, read back one by one after each restart. */
const composeMemoryIds: string[] = [];
const storedCount = async () =>
  (await Promise.all(composeMemoryIds.map((id) => api.memory(id)))).filter((m) => m.status === 200).length;

const scratch = mkdtempSync(join(tmpdir(), 'engram-compose-'));
const generated: ComposeProject = {
  directory: generatedComposeDirectory,
  files: ['docker-compose.yml', writeTestOverride(scratch, prometheusImage)],
  env: testEnvironment(image, ports),
  project,
};

async function healthySeconds(p: ComposeProject): Promise<number> {
  const started = performance.now();
  composeOk(p, 'up', '--detach');
  await waitFor(
    'engram healthy',
    () => (inspect<{ Status: string }>(container, '{{json .State.Health}}').Status === 'healthy' ? true : undefined),
    60_000,
    200,
  );
  return (performance.now() - started) / 1000;
}

describe('the generated Compose file, statically', () => {
  it('passes docker compose config with no warning', () => {
    const result = compose({ ...generated, files: ['docker-compose.yml'] }, 'config', '--quiet');
    expect(result.status).toBe(0);
    expect(result.stderr.trim()).toBe('');
  });

  it('validates against the Compose Specification schema, as written and interpolated', () => {
    const schema = JSON.parse(readFileSync(composeSpecSchemaPath(), 'utf8'));
    const validateSpec = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    const written = parse(readFileSync(join(generatedComposeDirectory, 'docker-compose.yml'), 'utf8'));
    expect(validateSpec(written), JSON.stringify(validateSpec.errors)).toBe(true);
    const interpolated = JSON.parse(
      compose({ ...generated, files: ['docker-compose.yml'] }, 'config', '--format', 'json').stdout,
    );
    expect(validateSpec(interpolated), JSON.stringify(validateSpec.errors)).toBe(true);
  });
});

describe('the Compose stack with the real Engram', () => {
  beforeAll(() => {
    compose(generated, '--profile', 'monitoring', 'down', '--volumes', '--remove-orphans');
    const build = composeOk(generated, 'build');
    console.log(`docker compose build: ${build.seconds.toFixed(1)} s`);
  });

  afterAll(() => {
    compose(generated, '--profile', 'monitoring', 'down', '--volumes', '--remove-orphans');
    rmSync(scratch, { recursive: true, force: true });
  });

  it('is healthy within 20 s of docker compose up -d', async () => {
    const seconds = await healthySeconds(generated);
    console.log(`docker compose up -d to healthy: ${seconds.toFixed(2)} s`);
    expect(seconds).toBeLessThan(20);
  });

  it('keeps memories across docker compose down (without -v) and up', async () => {
    for (let i = 0; i < 50; i++) composeMemoryIds.push(await api.rememberConfirmed(`compose-memory-${i}`));
    composeOk(generated, 'down');
    await healthySeconds(generated);
    expect(await storedCount()).toBe(50);
  });

  it('enforces the CPU and memory limits of the model', () => {
    const host = inspect<{
      NanoCpus: number;
      Memory: number;
      ReadonlyRootfs: boolean;
      CapDrop: string[];
      SecurityOpt: string[];
    }>(container, '{{json .HostConfig}}');
    expect(host.NanoCpus).toBe(2e9);
    expect(host.Memory).toBe(4 * 2 ** 30);
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.CapDrop).toEqual(['ALL']);
    expect(host.SecurityOpt).toContain('no-new-privileges:true');
    expect(inspect<string>(container, '{{json .Config.User}}')).toBe('65534:65534');
  });

  it('stops well inside the grace period, logging a clean stop', () => {
    const stop = composeOk(generated, 'stop');
    console.log(`docker compose stop: ${stop.seconds.toFixed(2)} s (grace period 30 s)`);
    expect(stop.seconds).toBeLessThan(15);
    expect(inspect<number>(container, '{{json .State.ExitCode}}')).toBe(0);
    expect(containerLogs(container)).toContain('Server stopped gracefully');
  });

  it('applies a config change of the model after a restart, and OOM-kills past the memory limit', async () => {
    const changed = join(scratch, 'changed');
    regenerateDockerDirectory(
      {
        runtime: { logLevel: 'debug' },
        engram: { memorySpaces: { defaultSpace: 'default', bootstrapSpaces: ['default', 'agents'] } },
      },
      changed,
    );
    const changedProject: ComposeProject = {
      ...generated,
      directory: changed,
      files: ['docker-compose.yml', generated.files[1] as string],
    };
    await healthySeconds(changedProject);
    const health = (await api.json('/api/v1/system/health')).body;
    expect(JSON.stringify(health.spaces)).toContain('agents');
    // The log level took effect: the server now logs at debug.
    expect(containerLogs(container)).toContain('DEBUG');
    expect(await storedCount()).toBe(50);

    composeOk(changedProject, 'down');

    // Under a memory limit below what Engram needs, the kernel OOM-kills it: the limit is enforced.
    const tight = join(scratch, 'tight');
    regenerateDockerDirectory(
      { resources: { requests: { memory: '128Mi' }, limits: { memory: tightMemoryLimit } } },
      tight,
    );
    const tightProject: ComposeProject = { ...changedProject, directory: tight };
    const since = Math.floor(Date.now() / 1000) - 1;
    composeOk(tightProject, 'up', '--detach');
    const events = await waitFor(
      'an oom event',
      () => {
        const result = runOk('docker', [
          'events',
          '--since',
          String(since),
          '--until',
          String(Math.floor(Date.now() / 1000)),
          '--filter',
          `container=${container}`,
          '--filter',
          'event=oom',
          '--format',
          '{{.Action}}',
        ]);
        return result.stdout.includes('oom') ? result.stdout : undefined;
      },
      // Engram reaches its working set during start-up, which took 25 s and more on a loaded machine.
      120_000,
      1000,
    );
    expect(events).toContain('oom');
    expect(inspect<number>(container, '{{json .HostConfig.Memory}}')).toBe(parseMemoryQuantity(tightMemoryLimit));
    composeOk(tightProject, 'down');
  });

  it('with --profile monitoring, Prometheus scrapes the real Engram and every dashboard panel returns data', async () => {
    composeOk(generated, '--profile', 'monitoring', 'up', '--detach', 'engram', 'prometheus');
    await waitFor(
      'engram healthy',
      () => (inspect<{ Status: string }>(container, '{{json .State.Health}}').Status === 'healthy' ? true : undefined),
      60_000,
    );
    // The work the panels describe: writes and searches.
    for (let i = 0; i < 20; i++) await api.rememberConfirmed(`compose-monitoring-${i}`);
    for (let i = 0; i < 20; i++) await api.search(`compose-monitoring-${i}`);
    const prometheus = `http://127.0.0.1:${ports.prometheus}`;
    const target = await waitFor(
      'Engram target up',
      async () => {
        const body = (await (await fetch(`${prometheus}/api/v1/targets`)).json()) as any;
        return body.data.activeTargets.find((t: any) => t.labels.job === 'engram' && t.health === 'up');
      },
      60_000,
      1000,
    );
    expect(target.scrapeUrl).toMatch(/engram-db:7432\/metrics\/prometheus$/);
    for (const panel of dashboardPanels) {
      const result = await waitFor(
        `data for the panel "${panel.title}" (${panel.expr})`,
        async () => {
          const query = `${prometheus}/api/v1/query?query=${encodeURIComponent(panel.expr)}`;
          const body = (await (await fetch(query)).json()) as any;
          return body.data.result.length ? body.data.result : undefined;
        },
        90_000,
        2000,
      );
      expect(Number.isFinite(Number(result[0].value[1])), `${panel.title}: ${JSON.stringify(result)}`).toBe(true);
    }
  });
});

afterAll(() => {
  run('docker', ['image', 'rm', image]);
});
