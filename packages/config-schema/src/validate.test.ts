import { describe, expect, it } from 'vitest';
import { everyOptionConfig } from '../test/helpers';
import { formatIssue } from './issues';
import { toDottedPath, validate } from './validate';

interface InvalidCase {
  name: string;
  config: unknown;
  path: string;
  message: RegExp;
}

const invalidConfigs: InvalidCase[] = [
  // Schema: types, enums, formats, ranges, unknown keys.
  {
    name: 'unknown top-level key with a close match',
    config: { imagee: {} },
    path: 'imagee',
    message: /unknown key "imagee"; did you mean "image"\?/,
  },
  { name: 'unknown nested key', config: { ports: { htpp: 80 } }, path: 'ports.htpp', message: /did you mean "http"/ },
  {
    name: 'unknown key with no close match',
    config: { runtime: { zzzzzzzzzz: 1 } },
    path: 'runtime.zzzzzzzzzz',
    message: /^unknown key "zzzzzzzzzz"$/,
  },
  {
    name: 'port of the wrong type',
    config: { ports: { http: '7432' } },
    path: 'ports.http',
    message: /must be integer/,
  },
  { name: 'port out of range', config: { ports: { grpc: 70000 } }, path: 'ports.grpc', message: /out of range/ },
  {
    name: 'pull policy not an enum value',
    config: { image: { pullPolicy: 'Sometimes' } },
    path: 'image.pullPolicy',
    message: /not an allowed value/,
  },
  {
    name: 'log level not an enum value',
    config: { runtime: { logLevel: 'verbose' } },
    path: 'runtime.logLevel',
    message: /not an allowed value/,
  },
  {
    name: 'bad memory space id',
    config: { engram: { memorySpaces: { bootstrapSpaces: ['default', 'My_Space'] } } },
    path: 'engram.memorySpaces.bootstrapSpaces[1]',
    message: /wrong format/,
  },
  {
    name: 'memory space id too short',
    config: { engram: { memorySpaces: { defaultSpace: 'ab', bootstrapSpaces: ['ab'] } } },
    path: 'engram.memorySpaces.defaultSpace',
    message: /wrong format/,
  },
  {
    name: 'memory space id with a character Engram refuses',
    config: { engram: { memorySpaces: { defaultSpace: 'team.a', bootstrapSpaces: ['team.a'] } } },
    path: 'engram.memorySpaces.defaultSpace',
    message: /wrong format/,
  },
  {
    name: 'memory space id longer than 64',
    config: { engram: { memorySpaces: { defaultSpace: 'a'.repeat(65), bootstrapSpaces: ['a'.repeat(65)] } } },
    path: 'engram.memorySpaces.defaultSpace',
    message: /wrong format/,
  },
  {
    name: 'a build without the default features, which Engram 0.1.x cannot compile',
    config: { build: { defaultFeatures: false } },
    path: 'build.defaultFeatures',
    message: /does not compile with --no-default-features/,
  },
  {
    name: 'a cargo feature engram-cli does not have',
    config: { build: { cargoFeatures: ['spreading-extras'] } },
    path: 'build.cargoFeatures[0]',
    message: /allowed value/,
  },
  {
    name: 'relative data dir',
    config: { runtime: { dataDir: 'data' } },
    path: 'runtime.dataDir',
    message: /wrong format/,
  },
  {
    name: 'bad memory quantity',
    config: { resources: { limits: { memory: '4GB' } } },
    path: 'resources.limits.memory',
    message: /wrong format/,
  },
  {
    name: 'bad image digest',
    config: { image: { digest: 'sha256:xyz' } },
    path: 'image.digest',
    message: /wrong format/,
  },
  { name: 'root user', config: { security: { runAsUser: 0 } }, path: 'security.runAsUser', message: /out of range/ },
  {
    name: 'duplicate bootstrap spaces',
    config: { engram: { memorySpaces: { bootstrapSpaces: ['default', 'default'] } } },
    path: 'engram.memorySpaces.bootstrapSpaces',
    message: /duplicate items/,
  },
  {
    name: 'empty start command',
    config: { runtime: { startCommand: [] } },
    path: 'runtime.startCommand',
    message: /too few items/,
  },
  { name: 'model that is not an object', config: ['engram'], path: '(root)', message: /must be object/ },
  {
    name: 'ingress host without host',
    config: { ingress: { hosts: [{ paths: [] }] } },
    path: 'ingress.hosts[0].host',
    message: /required key "host" is missing/,
  },
  // Rules the schema cannot express.
  {
    name: 'same HTTP and gRPC port',
    config: { ports: { http: 7000, grpc: 7000 } },
    path: 'ports.grpc',
    message: /already used by ports\.http/,
  },
  {
    name: 'monitoring port clashes with Engram',
    config: { compose: { monitoring: { prometheusPort: 7432 } } },
    path: 'compose.monitoring.prometheusPort',
    message: /already used by ports\.http/,
  },
  {
    name: 'CPU request above limit',
    config: { resources: { requests: { cpu: '3' }, limits: { cpu: '2000m' } } },
    path: 'resources.requests.cpu',
    message: /above the limit/,
  },
  {
    name: 'memory request above limit',
    config: { resources: { requests: { memory: '8Gi' } } },
    path: 'resources.requests.memory',
    message: /cannot exceed its limit/,
  },
  {
    name: 'ephemeral storage request above limit',
    config: { resources: { requests: { ephemeralStorage: '3Gi' } } },
    path: 'resources.requests.ephemeralStorage',
    message: /above the limit/,
  },
  {
    name: 'more than one replica',
    config: { statefulset: { replicas: 3 } },
    path: 'statefulset.replicas',
    message: /single-writer/,
  },
  {
    name: 'autoscaling enabled',
    config: { autoscaling: { enabled: true } },
    path: 'autoscaling.enabled',
    message: /fork the database/,
  },
  {
    name: 'default space not bootstrapped',
    config: { engram: { memorySpaces: { defaultSpace: 'other', bootstrapSpaces: ['default'] } } },
    path: 'engram.memorySpaces.defaultSpace',
    message: /bootstrap spaces/,
  },
  {
    name: 'existing claim with persistence off',
    config: { persistence: { enabled: false, existingClaim: 'data-engram' } },
    path: 'persistence.existingClaim',
    message: /needs persistence\.enabled/,
  },
  {
    name: 'existing claim with a claim retention policy',
    config: { persistence: { existingClaim: 'data-engram', retentionPolicy: { whenDeleted: 'Delete' } } },
    path: 'persistence.retentionPolicy',
    message: /existingClaim replaces/,
  },
  {
    name: 'compose host path with persistence off',
    config: { persistence: { enabled: false }, compose: { dataVolume: { hostPath: '/srv/engram' } } },
    path: 'compose.dataVolume.hostPath',
    message: /needs persistence\.enabled/,
  },
  {
    name: 'api_key auth, which Engram 0.1.x cannot make safe',
    config: { engram: { security: { authMode: 'api_key', apiKeysStoragePath: '/var/lib/engram-keys/keys.db' } } },
    path: 'engram.security.authMode',
    message: /no way to create an API key.*\/shutdown included.*NetworkPolicy.*127\.0\.0\.1.*TLS and authentication at an ingress or proxy/,
  },
  {
    name: 'key file inside the data root',
    config: { engram: { security: { apiKeysStoragePath: '/data/keys' } } },
    path: 'engram.security.apiKeysStoragePath',
    message: /taken as a memory space/,
  },
  {
    name: 'config home inside the data dir',
    config: { runtime: { configHome: '/data/config' } },
    path: 'runtime.configHome',
    message: /overlaps runtime\.dataDir/,
  },
  {
    name: 'PID file in the data root',
    config: { runtime: { pidPath: '/data/engram.pid' } },
    path: 'runtime.pidPath',
    message: /nothing but memory spaces/,
  },
  {
    name: 'PID file on the read-only root',
    config: { runtime: { pidPath: '/var/run/engram.pid' } },
    path: 'runtime.pidPath',
    message: /root filesystem is read-only/,
  },
  {
    name: 'startup probe shorter than the gRPC wait',
    config: { probes: { startup: { initialDelaySeconds: 0, periodSeconds: 1, failureThreshold: 5 } } },
    path: 'probes.startup',
    message: /less than Engram's start-up/,
  },
  {
    name: 'liveness without startup probe too short',
    config: { probes: { startup: { enabled: false }, liveness: { periodSeconds: 2 } } },
    path: 'probes.liveness',
    message: /startup probe is disabled/,
  },
  {
    name: 'liveness success threshold above 1',
    config: { probes: { liveness: { successThreshold: 2 } } },
    path: 'probes.liveness.successThreshold',
    message: /Kubernetes rejects/,
  },
  {
    name: 'grace period shorter than shutdown',
    config: { runtime: { stopGracePeriodSeconds: 5 } },
    path: 'runtime.stopGracePeriodSeconds',
    message: /SIGKILL/,
  },
  {
    name: 'health check timeout above interval',
    config: { runtime: { healthCheck: { timeoutSeconds: 20 } } },
    path: 'runtime.healthCheck.timeoutSeconds',
    message: /overlap/,
  },
  {
    name: 'open LoadBalancer without source ranges',
    config: { service: { type: 'LoadBalancer' } },
    path: 'service.loadBalancerSourceRanges',
    message: /unauthenticated \/shutdown/,
  },
  {
    name: 'source ranges on ClusterIP',
    config: { service: { loadBalancerSourceRanges: ['10.0.0.0/8'] } },
    path: 'service.loadBalancerSourceRanges',
    message: /no effect on a ClusterIP/,
  },
  {
    name: 'node ports on ClusterIP',
    config: { service: { nodePorts: { http: 30432 } } },
    path: 'service.nodePorts',
    message: /no effect on a ClusterIP/,
  },
  {
    name: 'same node port twice',
    config: { service: { type: 'NodePort', nodePorts: { http: 30432, grpc: 30432 } } },
    path: 'service.nodePorts.grpc',
    message: /same node port/,
  },
  {
    name: 'ingress without hosts',
    config: { ingress: { enabled: true } },
    path: 'ingress.hosts',
    message: /at least one host/,
  },
  {
    name: 'TLS host not routed',
    config: {
      ingress: {
        enabled: true,
        hosts: [{ host: 'a.example.com' }],
        tls: [{ secretName: 'tls', hosts: ['b.example.com'] }],
      },
    },
    path: 'ingress.tls[0].hosts[0]',
    message: /not one of ingress\.hosts/,
  },
  {
    name: 'scrape timeout above interval',
    config: { monitoring: { serviceMonitor: { interval: '10s', scrapeTimeout: '1m' } } },
    path: 'monitoring.serviceMonitor.scrapeTimeout',
    message: /Prometheus rejects/,
  },
  {
    name: 'PDB with both bounds',
    config: { podDisruptionBudget: { minAvailable: 0 } },
    path: 'podDisruptionBudget.minAvailable',
    message: /only one/,
  },
  {
    name: 'PDB that blocks drains',
    config: { podDisruptionBudget: { maxUnavailable: null, minAvailable: 1 } },
    path: 'podDisruptionBudget.minAvailable',
    message: /no node drain/,
  },
  {
    name: 'PDB with maxUnavailable 0%',
    config: { podDisruptionBudget: { maxUnavailable: '0%' } },
    path: 'podDisruptionBudget.maxUnavailable',
    message: /blocks every node drain/,
  },
  {
    name: 'capabilities not dropped',
    config: { security: { capabilities: { drop: ['NET_RAW'] } } },
    path: 'security.capabilities.drop',
    message: /must include ALL/,
  },
  {
    name: 'capability added beyond restricted',
    config: { security: { capabilities: { add: ['SYS_ADMIN'] } } },
    path: 'security.capabilities.add[0]',
    message: /Pod Security "restricted"/,
  },
  {
    name: 'privilege escalation allowed',
    config: { security: { allowPrivilegeEscalation: true } },
    path: 'security.allowPrivilegeEscalation',
    message: /restricted/,
  },
  {
    name: 'unconfined seccomp',
    config: { security: { seccompProfile: 'Unconfined' } },
    path: 'security.seccompProfile',
    message: /seccomp filter/,
  },
  {
    name: 'Localhost seccomp without a profile',
    config: { security: { seccompProfile: 'Localhost' } },
    path: 'security.seccompLocalhostProfile',
    message: /required with seccompProfile "Localhost"/,
  },
  {
    name: 'extra TOML sets a modelled key',
    config: { engram: { extra: { server: { http_bind: '127.0.0.1' } } } },
    path: 'engram.extra.server.http_bind',
    message: /use engram\.server\.httpBind instead/,
  },
  {
    name: 'extra TOML with null',
    config: { engram: { extra: { cluster: { seed: null } } } },
    path: 'engram.extra.cluster.seed',
    message: /TOML cannot express/,
  },
  {
    name: 'extra env overrides the model',
    config: { kubernetes: { extraEnv: [{ name: 'ENGRAM_DATA_DIR', value: '/x' }] } },
    path: 'kubernetes.extraEnv[0].name',
    message: /use runtime\.dataDir instead/,
  },
  {
    name: 'extra volume named like a built-in one',
    config: { kubernetes: { extraVolumes: [{ name: 'data', emptyDir: {} }] } },
    path: 'kubernetes.extraVolumes[0].name',
    message: /volume the model creates/,
  },
  {
    name: 'extra mount of an unknown volume',
    config: { kubernetes: { extraVolumeMounts: [{ name: 'nowhere', mountPath: '/opt/x' }] } },
    path: 'kubernetes.extraVolumeMounts[0].name',
    message: /names no volume/,
  },
  {
    name: 'extra mount over the data dir',
    config: {
      kubernetes: {
        extraVolumes: [{ name: 'x', emptyDir: {} }],
        extraVolumeMounts: [{ name: 'x', mountPath: '/data/x' }],
      },
    },
    path: 'kubernetes.extraVolumeMounts[0].mountPath',
    message: /overlaps runtime\.dataDir/,
  },
  {
    name: 'Ingress with a closed NetworkPolicy and no controller named',
    config: {
      ingress: { enabled: true, hosts: [{ host: 'a.example.com' }], tls: [{ secretName: 'tls', hosts: ['a.example.com'] }] },
    },
    path: 'networkPolicy.ingressController.namespace',
    message: /refuses the controller/,
  },
  {
    name: 'Ingress host without TLS while plain HTTP is refused',
    config: { ingress: { enabled: true, hosts: [{ host: 'a.example.com' }] } },
    path: 'ingress.hosts[0].host',
    message: /no certificate in ingress\.tls/,
  },
  {
    name: 'cert-manager without a TLS entry',
    config: { ingress: { certManager: { clusterIssuer: 'letsencrypt' } } },
    path: 'ingress.tls',
    message: /one per ingress\.tls entry/,
  },
  {
    name: 'cert-manager issuer and cluster issuer together',
    config: { ingress: { certManager: { clusterIssuer: 'a', issuer: 'b' } } },
    path: 'ingress.certManager.issuer',
    message: /takes one/,
  },
  {
    name: 'Ingress path with controller-specific matching',
    config: { ingress: { hosts: [{ host: 'a.example.com', paths: [{ path: '/api/v1/memories', pathType: 'ImplementationSpecific' }] }] } },
    path: 'ingress.hosts[0].paths[0].pathType',
    message: /could route \/shutdown or \/metrics/,
  },
];

/** Ingress paths that would reach /shutdown or /metrics, each refused whatever its pathType. */
const adminRoutingPaths: [string, RegExp][] = [
  ['/', /routes every path/],
  ['/shutdown', /is \/shutdown or below it/],
  ['/shutdown/now', /is \/shutdown or below it/],
  ['/metrics', /is \/metrics or below it/],
  ['/metrics/prometheus', /is \/metrics or below it/],
  ['/shut', /prefix of \/shutdown/],
  ['/s', /prefix of \/shutdown/],
  ['/metric', /prefix of \/metrics/],
  ['/m', /prefix of \/metrics/],
];

/** API paths the Ingress may route. */
const apiPaths = ['/api/v1/memories', '/api/v1/spaces', '/api/v1/system/health', '/health', '/health/alive', '/metricsx'];

const withIngressPath = (path: string, pathType = 'Prefix') => ({
  ingress: { hosts: [{ host: 'a.example.com', paths: [{ path: '/api/v1/spaces', pathType: 'Exact' }, { path, pathType }] }] },
});

describe('the Ingress path rule', () => {
  it.each(adminRoutingPaths)('refuses %s as Prefix and as Exact, naming the path and saying why', (path, reason) => {
    for (const pathType of ['Prefix', 'Exact']) {
      const result = validate(withIngressPath(path, pathType));
      expect(result.ok).toBe(false);
      expect(result.issues).toEqual([
        {
          path: 'ingress.hosts[0].paths[1].path',
          message: expect.stringMatching(reason),
          expected: 'an API path such as /api/v1/memories, not /, not under /shutdown or /metrics, and no prefix of any',
          given: JSON.stringify(path),
        },
      ]);
      expect(result.issues[0]?.message).toMatch(/never routes \/shutdown/);
    }
  });

  it.each(apiPaths)('accepts the API path %s', (path) => {
    expect(validate(withIngressPath(path)).issues).toEqual([]);
  });

  it('accepts the default allow-list of an enabled Ingress', () => {
    const result = validate({
      ingress: { enabled: true, hosts: [{ host: 'a.example.com' }], tls: [{ secretName: 'tls', hosts: ['a.example.com'] }] },
      networkPolicy: { ingressController: { namespace: 'traefik' } },
    });
    expect(result.issues).toEqual([]);
  });
});

describe('the refused api_key auth mode', () => {
  it('is refused with or without a key store, and none is accepted', () => {
    for (const security of [{ authMode: 'api_key' }, { authMode: 'api_key', apiKeysStoragePath: '/keys/k.db' }]) {
      const result = validate({ engram: { security } });
      expect(result.issues.map((issue) => [issue.path, issue.expected, issue.given])).toEqual([
        ['engram.security.authMode', '"none"', '"api_key"'],
      ]);
    }
    expect(validate({ engram: { security: { authMode: 'none' } } }).issues).toEqual([]);
  });
});


describe('validate', () => {
  it("accepts every space id Engram's rule allows", () => {
    for (const id of ['abc', 'tenant-a', 'team_1', 'a'.repeat(64)]) {
      expect(validate({ engram: { memorySpaces: { defaultSpace: id, bootstrapSpaces: [id] } } }).issues).toEqual([]);
    }
  });

  it('accepts the empty model and the model that sets every option', () => {
    expect(validate({})).toEqual({ ok: true, config: {}, issues: [] });
    const result = validate(everyOptionConfig());
    expect(result.issues.map(formatIssue)).toEqual([]);
  });

  it('holds at least 30 invalid models, one per rule or schema constraint', () => {
    expect(invalidConfigs.length).toBeGreaterThanOrEqual(30);
  });

  it.each(invalidConfigs)('rejects: $name', ({ config, path, message }) => {
    const result = validate(config);
    expect(result.ok).toBe(false);
    const atPath = result.issues.filter((issue) => issue.path === path);
    expect(atPath.map(formatIssue), `issues: ${result.issues.map(formatIssue).join('\n')}`).not.toEqual([]);
    expect(atPath.some((issue) => message.test(issue.message))).toBe(true);
    for (const issue of result.issues) {
      expect(issue.expected).not.toBe('');
      expect(issue.given).not.toBe('');
    }
  });

  it('reports every issue at once', () => {
    const result = validate({ ports: { http: 'x', grpc: 70000 }, image: { pullPolicy: 'Sometimes' }, nope: 1 });
    expect(result.issues.map((issue) => issue.path).sort()).toEqual([
      'image.pullPolicy',
      'nope',
      'ports.grpc',
      'ports.http',
    ]);
  });

  it('says what was expected and what was given', () => {
    const result = validate({ image: { pullPolicy: 'Sometimes' } });
    expect(result.issues).toEqual([
      {
        path: 'image.pullPolicy',
        message: 'is not an allowed value',
        expected: 'one of "Always", "IfNotPresent", "Never"',
        given: '"Sometimes"',
      },
    ]);
    const format = validate({ engram: { memorySpaces: { bootstrapSpaces: ['AB'] } } });
    expect(format.issues[0]?.expected).toBe(
      "a memory space id: 3-64 characters of lowercase letters, digits, '_' and '-' (Engram's MemorySpaceId rule)",
    );
  });
});

describe('toDottedPath', () => {
  it('turns JSON pointers into readable paths', () => {
    expect(toDottedPath('')).toBe('(root)');
    expect(toDottedPath('/a/b/0/c')).toBe('a.b[0].c');
    expect(toDottedPath('/service/annotations', 'example.com/x')).toBe('service.annotations["example.com/x"]');
  });
});
