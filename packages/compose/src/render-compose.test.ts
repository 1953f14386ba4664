import { loadConfig, normalize } from '@engram/config-schema';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  composeVariables,
  dockerCpus,
  dockerMemory,
  exposureWarnings,
  renderComposeFile,
  renderEnvExample,
} from './render-compose';

const everyOption = loadConfig(join(__dirname, '../../config-schema/test/fixtures/every-option.yaml'));
const defaults = normalize({});

function interpolated(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Z0-9_]+)(?::-[^}]*)?\}/g)].map((m) => m[1] as string))].sort();
}

describe('renderComposeFile', () => {
  const file = parse(renderComposeFile(defaults));
  const engram = file.services.engram;

  it('follows the Compose Specification: no version key, a project name, three services', () => {
    expect(file.version).toBeUndefined();
    expect(file.name).toBe('engram');
    expect(Object.keys(file.services)).toEqual(['engram', 'prometheus', 'grafana']);
  });

  it('builds from the generated Dockerfile with the repository root as context', () => {
    expect(engram.build).toMatchObject({ context: '../..', dockerfile: 'deployments/docker/Dockerfile' });
    expect(engram.build.args.RUNTIME_IMAGE).toBe('${ENGRAM_RUNTIME_IMAGE:-gcr.io/distroless/cc-debian13:nonroot}');
  });

  it('hardens the engram service', () => {
    expect(engram.read_only).toBe(true);
    expect(engram.tmpfs).toEqual(['/tmp:size=100m,mode=1777,noexec,nosuid,nodev']);
    expect(engram.cap_drop).toEqual(['ALL']);
    expect(engram.cap_add).toBeUndefined();
    expect(engram.security_opt).toEqual(['no-new-privileges:true']);
    expect(engram.user).toBe('65534:65534');
  });

  it('publishes on 127.0.0.1 by default and starts with the real flags', () => {
    expect(engram.ports).toEqual([
      '${ENGRAM_PUBLISH_ADDRESS:-127.0.0.1}:${ENGRAM_HOST_HTTP_PORT:-7432}:7432',
      '${ENGRAM_PUBLISH_ADDRESS:-127.0.0.1}:${ENGRAM_HOST_GRPC_PORT:-50051}:50051',
    ]);
    expect(engram.command).toEqual([
      '--log-level=${ENGRAM_LOG_LEVEL:-info}',
      'start',
      '--port=7432',
      '--grpc-port=50051',
    ]);
  });

  it('keeps data in a named volume and mounts config.toml read-only where Engram reads it', () => {
    expect(engram.volumes).toEqual([
      { type: 'volume', source: 'engram-data', target: '/data' },
      { type: 'bind', source: './config/engram/config.toml', target: '/config/engram/config.toml', read_only: true },
    ]);
    expect(Object.keys(file.volumes)).toContain('engram-data');
    expect(file.volumes['engram-data']).toEqual({});
  });

  it('sets limits and reservations from the shared resources', () => {
    expect(engram.deploy.resources).toEqual({
      limits: { cpus: '2', memory: '4g' },
      reservations: { cpus: '1', memory: '2g' },
    });
  });

  it('checks health with the exec command and stops with SIGTERM inside the grace period', () => {
    expect(engram.healthcheck).toEqual({
      test: ['CMD', '/usr/local/bin/engram', 'space', 'list'],
      interval: '5s',
      timeout: '3s',
      start_period: '15s',
      retries: 3,
    });
    expect(engram.stop_signal).toBe('SIGTERM');
    expect(engram.stop_grace_period).toBe('30s');
    expect(engram.restart).toBe('unless-stopped');
    expect(engram.logging).toEqual({
      driver: 'json-file',
      options: { 'max-size': '10m', 'max-file': '3', compress: 'true' },
    });
  });

  it('sets only environment Engram reads', () => {
    expect(Object.keys(engram.environment)).toEqual([
      'ENGRAM_DATA_DIR',
      'ENGRAM_HTTP_BIND',
      'ENGRAM_PID_PATH',
      'ENGRAM_CONSOLIDATION_ALERT_LOG',
      'XDG_CONFIG_HOME',
      'TMPDIR',
    ]);
  });

  it('has no default Grafana admin password: Grafana refuses to start without one, Engram alone still starts', () => {
    const grafana = file.services.grafana;
    expect(grafana.environment.GF_SECURITY_ADMIN_PASSWORD).toBe('${GRAFANA_ADMIN_PASSWORD:-}');
    expect(renderComposeFile(defaults)).not.toContain(':-admin}');
    // The guard as the container runs it: Compose turns $$ into $, and /run.sh is Grafana's entry point.
    const [shell, flag, script, name] = grafana.entrypoint as string[];
    expect([shell, flag, name]).toEqual(['/bin/sh', '-c', 'grafana']);
    const guard = (script as string).replaceAll('$$', '$');
    const run = (password: string) =>
      spawnSync('sh', ['-c', guard, 'grafana'], {
        env: { PATH: process.env.PATH, GF_SECURITY_ADMIN_PASSWORD: password },
        encoding: 'utf8',
      });
    const refused = run('');
    expect(refused.status).toBe(78);
    expect(refused.stderr).toContain('no admin password: set GRAFANA_ADMIN_PASSWORD in .env');
    const started = run('s3cret-from-env');
    expect(started.stderr).not.toContain('no admin password');
    expect(started.stderr).toMatch(/\/run\.sh/); // it went on to exec Grafana's entry point
  });

  it('warns about nothing by default and about a publish address beyond this host', () => {
    expect(exposureWarnings(defaults)).toEqual([]);
    expect(exposureWarnings(normalize({ compose: { publishAddress: '::1' } }))).toEqual([]);
    expect(
      exposureWarnings(normalize({ compose: { publishAddress: '192.168.1.20' } })).map((w) => [w.path, w.given]),
    ).toEqual([['compose.publishAddress', '"192.168.1.20"']]);
  });

  it('puts Prometheus and Grafana behind the monitoring profile', () => {
    expect(file.services.prometheus.profiles).toEqual(['monitoring']);
    expect(file.services.grafana.profiles).toEqual(['monitoring']);
    expect(engram.profiles).toBeUndefined();
  });

  it('writes NEL, LS and PS as escapes, which a Go YAML reader does not fold into line breaks', () => {
    const text = renderComposeFile(normalize({ runtime: { extraArgs: ['a\u0085b\u2028c\u2029d'] } } as never));
    expect(text).not.toMatch(/[\u0085\u2028\u2029]/);
    expect(text).toContain('"a\\Nb\\Lc\\Pd"');
    expect(parse(text).services.engram.command).toContain('a\u0085b\u2028c\u2029d');
  });

  it('sets no fixed subnet, MTU or AppArmor profile by default', () => {
    expect(file.networks).toEqual({ 'engram-net': { driver: 'bridge' } });
    expect(JSON.stringify(file)).not.toMatch(/apparmor|subnet|mtu/);
    expect(engram.networks).toEqual({ 'engram-net': { aliases: ['engram-db'] } });
  });

  it('adds subnet, MTU, AppArmor, a host data path and other values only when the model asks', () => {
    const custom = parse(renderComposeFile(everyOption));
    const service = custom.services.engram;
    expect(custom.networks['engram-prod-net']).toEqual({
      driver: 'bridge',
      driver_opts: { 'com.docker.network.driver.mtu': '9000' },
      ipam: { config: [{ subnet: '172.30.0.0/16' }] },
    });
    expect(service.security_opt).toEqual(['no-new-privileges:true', 'apparmor:docker-default']);
    expect(service.volumes[0]).toEqual({
      type: 'bind',
      source: '${ENGRAM_DATA_PATH:-/srv/engram}',
      target: '/var/lib/engram',
    });
    expect(custom.volumes['engram-prod-data']).toBeUndefined();
    expect(service.deploy.resources).toEqual({
      limits: { cpus: '4', memory: '8g' },
      reservations: { cpus: '2', memory: '4g' },
    });
    expect(service.cap_add).toEqual(['NET_BIND_SERVICE']);
    expect(service.stop_grace_period).toBe('45s');
    expect(service.environment.MIMALLOC_RESERVE_HUGE_OS_PAGES).toBe('2');
    expect(custom.services.prometheus.image).toBe('mirror.internal:5000/prom/prometheus:v3.5.0');
  });

  it('uses an anonymous volume when persistence is off', () => {
    const file = parse(renderComposeFile(normalize({ persistence: { enabled: false } })));
    expect(file.services.engram.volumes[0]).toEqual({ type: 'volume', target: '/data' });
    expect(file.volumes['engram-data']).toBeUndefined();
  });
});

describe('renderEnvExample', () => {
  it.each([
    ['default', defaults],
    ['every option', everyOption],
  ])('lists exactly the variables the Compose file interpolates, with defaults (%s model)', (_name, model) => {
    const example = renderEnvExample(model);
    const listed = [...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(interpolated(renderComposeFile(model)));
    for (const variable of composeVariables(model)) {
      expect(example).toContain(`${variable.name}=${variable.default}\n`);
      expect(variable.description.length).toBeGreaterThan(10);
    }
  });
});

describe('unit conversion', () => {
  it('turns Kubernetes quantities into Docker values', () => {
    expect(dockerMemory('4Gi')).toBe('4g');
    expect(dockerMemory('512Mi')).toBe('512m');
    expect(dockerMemory('1G')).toBe('1000000000');
    expect(dockerCpus('1500m')).toBe('1.5');
    expect(dockerCpus('2')).toBe('2');
  });
});
