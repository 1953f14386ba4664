import { describe, expect, it } from 'vitest';
import { everyOptionConfig } from '../test/helpers';
import { normalize } from './normalize';

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
