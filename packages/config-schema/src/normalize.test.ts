import { describe, expect, it } from 'vitest';
import { everyOptionConfig } from '../test/helpers';
import { normalize } from './normalize';
import { renderConfigurationReference } from './render-reference';
import { validate } from './validate';

describe('normalize', () => {
  it('fills every default of the empty model from the schema', () => {
    const model = normalize({});
    expect(model.ports).toEqual({ http: 7432, grpc: 50051 });
    expect(model.runtime.flags).toEqual({ logLevel: '--log-level', httpPort: '--port', grpcPort: '--grpc-port' });
    expect(model.runtime.health).toEqual({
      startupPath: '/health/alive',
      livenessPath: '/health/alive',
      readinessPath: '/api/v1/system/health',
    });
    expect(model.security).toMatchObject({
      runAsUser: 65534,
      runAsGroup: 65534,
      fsGroup: 65534,
      readOnlyRootFilesystem: true,
    });
    expect(model.resources.limits).toEqual({ cpu: '2000m', memory: '4Gi', ephemeralStorage: '2Gi' });
    expect(model.service.nodePorts).toEqual({ http: null, grpc: null });
    expect(model.podDisruptionBudget).toEqual({ enabled: true, maxUnavailable: 1, minAvailable: null });
    expect(model.statefulset.updateStrategy).toBe('RollingUpdate');
  });

  it('derives the values that default to other values', () => {
    const model = normalize({ appVersion: '0.3.0', name: 'memory', build: { rustVersion: '1.93' } });
    expect(model.image.tag).toBe('0.3.0');
    expect(model.build.builderImage.tag).toBe('1.93-slim-trixie');
    expect(model.kubernetes.serviceAccount.name).toBe('memory');
  });

  it('keeps defaults under a partly given structured object, but replaces maps', () => {
    const model = normalize({
      probes: { startup: { periodSeconds: 5 } },
      resources: { requests: { cpu: '500m' } },
      monitoring: { grafanaDashboards: { labels: { dashboards: 'engram' } } },
    });
    expect(model.probes.startup).toEqual({
      enabled: true,
      initialDelaySeconds: 2,
      periodSeconds: 5,
      timeoutSeconds: 2,
      successThreshold: 1,
      failureThreshold: 30,
    });
    expect(model.resources.requests).toEqual({ cpu: '500m', memory: '2Gi', ephemeralStorage: '1Gi' });
    expect(model.monitoring.grafanaDashboards.labels).toEqual({ dashboards: 'engram' });
  });

  it('keeps every given value', () => {
    const given = everyOptionConfig();
    expect(normalize(given)).toMatchObject(given as object);
  });

  it('returns a deeply frozen model and leaves its input alone', () => {
    const given = { ports: { http: 8000 } };
    const model = normalize(given);
    expect(Object.isFrozen(model.ports)).toBe(true);
    expect(Object.isFrozen(model.engram.memorySpaces.bootstrapSpaces)).toBe(true);
    expect(given).toEqual({ ports: { http: 8000 } });
  });
});

describe('defaults the user never wrote', () => {
  it('bring a default request down to a limit the user set lower', () => {
    const result = validate({ resources: { limits: { memory: '1Gi', cpu: '500m' } } });
    expect(result.issues).toEqual([]);
    const model = normalize({ resources: { limits: { memory: '1Gi', cpu: '500m' } } });
    expect(model.resources.requests).toMatchObject({ memory: '1Gi', cpu: '500m', ephemeralStorage: '1Gi' });
  });

  it('still refuse a request the user wrote above the limit', () => {
    const result = validate({ resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } });
    expect(result.issues.map((issue) => issue.path)).toEqual(['resources.requests.memory']);
  });

  it('are shown in the reference as the values normalize gives', () => {
    const model = normalize({}) as unknown as Record<string, unknown>;
    const rows = renderConfigurationReference('')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/^`|`$/g, '')));
    let compared = 0;
    for (const [, path, , shown] of rows) {
      const value = path!.split('.').reduce<any>((node, key) => node?.[key], model);
      if (value === undefined) continue;
      expect(JSON.parse(shown!.replace(/\\\|/g, '|')), path).toEqual(value);
      compared++;
    }
    expect(compared).toBeGreaterThan(150);
  });
});
