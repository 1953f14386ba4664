import {
  normalize,
  renderEngramToml,
  type EngramDeployConfig,
} from '@engram/config-schema';
import { chartFiles, chartSections } from '@engram/helm';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { admits, closedByDefault, verdicts } from '../../../packages/k8s/test/network-policy';
import { restrictedViolations } from '../../../packages/k8s/test/pod-security';
import { modelVariants } from '../../../packages/k8s/test/variants';
import { chartDirectory, helm, kubeVersion } from '../support/helm';
import { run } from '../support/process';
import { checkovCounts, scan } from '../support/scanners';

const scratch = mkdtempSync(join(tmpdir(), 'engram-helm-'));
afterAll(() => {
  run('bash', ['tools/kube/apiserver.sh', 'stop-all']);
  rmSync(scratch, { recursive: true, force: true });
});

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; namespace?: string };
  [key: string]: any;
};

/** The seed's test-values.yaml, as the original task wrote it. */
const seedTestValues = {
  statefulset: { replicaCount: 1 },
  resources: { requests: { cpu: '2000m', memory: '4Gi' } },
  persistence: { size: '50Gi', storageClass: 'fast-ssd' },
  monitoring: { prometheus: { enabled: true, serviceMonitor: { enabled: true } } },
};

/** engram.extra holding an integer, a float, a string, a boolean, arrays and nested tables. */
const everyTomlTypeExtra = {
  cache: {
    size_mb: 2048,
    ratio: 0.75,
    name: 'hot tier "a"',
    compress: true,
    tiers: [1, 2, 3],
    mixed: [7, 2.5, 'x', [4, 5]],
  },
  limits: { max_connections: 512, negative: -40, zero: 0, nested: { depth: 3, factor: 1.5, deeper: { id: 9 } } },
  jobs: [
    { name: 'compact', every_seconds: 60 },
    { name: 'flush', every_seconds: 30, jitter: 0.1 },
  ],
  top_level_integer: 7,
  huge_number: 1e20,
};

/** Chart values for a model variant: the same keys, minus what the chart does not take. */
function chartValuesOf(config: EngramDeployConfig): Record<string, unknown> {
  const values: Record<string, any> = Object.fromEntries(
    Object.entries(config).filter(([key]) => (chartSections as readonly string[]).includes(key)),
  );
  if (values.kubernetes) delete values.kubernetes.namespace;
  return values;
}

const valueSets: Record<string, Record<string, unknown>> = {
  'seed test-values.yaml': seedTestValues,
  ...Object.fromEntries(
    Object.entries(modelVariants).map(([name, config]) => [name, chartValuesOf(structuredClone(config))]),
  ),
  'global registry and digest': {
    global: { imageRegistry: 'mirror.internal:5000' },
    image: { digest: `sha256:${'a'.repeat(64)}` },
  },
  'global pull secrets and storage class': {
    global: { imagePullSecrets: ['regcred', { name: 'mirror.pull' }], storageClass: 'standard' },
    image: { pullSecrets: ['regcred', 'engram-pull'] },
    tests: { pullSecrets: ['test-pull'] },
  },
  'global storage class with an existing claim': {
    global: { storageClass: 'standard' },
    persistence: { existingClaim: 'engram-data' },
  },
  'engram.extra of every TOML type': { engram: { extra: structuredClone(everyTomlTypeExtra) } },
};

function valuesFile(name: string, values: unknown): string {
  const path = join(scratch, `${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.yaml`);
  writeFileSync(path, stringify(values));
  return path;
}

function template(chart: string, ...args: string[]) {
  return helm('template', 'engram', chart, '--namespace', 'engram', '--kube-version', kubeVersion, ...args);
}

function objects(yaml: string): K8sObject[] {
  return parseAllDocuments(yaml, { version: '1.1' })
    .map((doc) => doc.toJS() as K8sObject)
    .filter((object) => object && object.kind);
}

/** The values.yaml of the original task, key by key (its defaults, transcribed). */
const seedValuesYaml = {
  global: { imagePullSecrets: [], storageClass: 'fast-ssd' },
  statefulset: { replicaCount: 1, updateStrategy: 'OnDelete' },
  image: { repository: 'engram/engram', pullPolicy: 'IfNotPresent', tag: '' },
  serviceAccount: { create: true, annotations: {}, name: '' },
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 65534,
    runAsGroup: 65534,
    fsGroup: 65534,
    fsGroupChangePolicy: 'OnRootMismatch',
  },
  containerSecurityContext: {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
    readOnlyRootFilesystem: true,
    seccompProfile: { type: 'RuntimeDefault' },
  },
  service: {
    type: 'ClusterIP',
    httpPort: 7432,
    grpcPort: 50051,
    loadBalancerIP: '',
    loadBalancerSourceRanges: [],
    annotations: {},
    sessionAffinity: 'ClientIP',
    sessionAffinityTimeoutSeconds: 10800,
  },
  ingress: {
    enabled: false,
    className: 'nginx',
    annotations: {},
    hosts: [{ host: 'engram.example.com', paths: [{ path: '/', pathType: 'Prefix' }] }],
    tls: [],
  },
  resources: {
    limits: { cpu: '2000m', memory: '4Gi', 'ephemeral-storage': '2Gi' },
    requests: { cpu: '1000m', memory: '2Gi', 'ephemeral-storage': '1Gi' },
  },
  autoscaling: {
    enabled: false,
    minReplicas: 1,
    maxReplicas: 10,
    targetCPUUtilizationPercentage: 80,
    targetMemoryUtilizationPercentage: 80,
  },
  persistence: {
    enabled: true,
    storageClass: '',
    accessMode: 'ReadWriteOnce',
    size: '20Gi',
    annotations: {},
    existingClaim: '',
    dataSource: {},
  },
  probes: {
    startup: {
      enabled: true,
      initialDelaySeconds: 5,
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 12,
      successThreshold: 1,
    },
    liveness: {
      enabled: true,
      initialDelaySeconds: 0,
      periodSeconds: 30,
      timeoutSeconds: 3,
      failureThreshold: 3,
      successThreshold: 1,
    },
    readiness: {
      enabled: true,
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
      successThreshold: 1,
    },
  },
  nodeSelector: {},
  tolerations: [],
  affinity: {
    podAntiAffinity: { enabled: true, topologyKey: 'kubernetes.io/hostname' },
    nodeAffinity: { enabled: false, matchExpressions: [] },
  },
  priorityClassName: '',
  topologySpreadConstraints: [],
  config: { dataDir: '/data', logLevel: 'info', featureFlags: { spreadingApiBeta: true }, cache: { sizeMb: 2048 } },
  env: [],
  extraVolumes: [],
  extraVolumeMounts: [],
  monitoring: {
    prometheus: {
      enabled: false,
      serviceMonitor: { enabled: false, interval: '30s', scrapeTimeout: '10s', labels: {} },
    },
    grafana: { enabled: false, dashboards: { enabled: false, labels: { grafana_dashboard: '1' } } },
  },
  backup: { enabled: false, schedule: '0 2 * * *', retention: 7, storageClass: 'slow-disk', size: '50Gi' },
  networkPolicy: { enabled: false, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] },
  podDisruptionBudget: { enabled: false, minAvailable: 1 },
  extraManifests: [],
};

/** Keys of that file the chart rejects by name (each with its reason in values.schema.json). */
const seedRejected = [
  '/serviceAccount',
  '/securityContext',
  '/containerSecurityContext',
  '/service/httpPort',
  '/service/grpcPort',
  '/service/loadBalancerIP',
  '/service/sessionAffinityTimeoutSeconds',
  '/resources/limits',
  '/resources/requests',
  '/autoscaling/minReplicas',
  '/autoscaling/maxReplicas',
  '/autoscaling/targetCPUUtilizationPercentage',
  '/autoscaling/targetMemoryUtilizationPercentage',
  '/persistence/accessMode',
  '/persistence/dataSource',
  '/nodeSelector',
  '/tolerations',
  '/affinity',
  '/priorityClassName',
  '/topologySpreadConstraints',
  '/config',
  '/env',
  '/extraVolumes',
  '/extraVolumeMounts',
  '/monitoring/prometheus/serviceMonitor/interval',
  '/monitoring/prometheus/serviceMonitor/scrapeTimeout',
  '/monitoring/prometheus/serviceMonitor/labels',
  '/monitoring/grafana',
  '/backup',
  '/networkPolicy/policyTypes',
  '/networkPolicy/ingress',
  '/networkPolicy/egress',
  '/extraManifests',
];

function withoutPaths(values: unknown, paths: string[]): unknown {
  const copy = structuredClone(values) as Record<string, any>;
  for (const path of paths) {
    const keys = path.split('/').slice(1);
    const last = keys.pop() as string;
    let node = copy;
    for (const key of keys) node = node?.[key];
    if (node) delete node[last];
  }
  return copy;
}

describe('the generated Helm chart with the real helm', () => {
  it('honours or rejects by name every value of the original values.yaml', () => {
    const all = template(chartDirectory, '-f', valuesFile('seed-values-yaml', seedValuesYaml));
    expect(all.status).not.toBe(0);
    for (const path of seedRejected) expect(all.stderr, path).toContain(`at '${path}'`);
    const rejectedCount = (all.stderr.match(/^- at '/gm) ?? []).length;
    // ephemeral-storage under resources is reported once per block; every other rejection is listed above.
    expect(rejectedCount).toBeLessThanOrEqual(seedRejected.length);
    const honoured = template(
      chartDirectory,
      '-f',
      valuesFile('seed-values-honoured', withoutPaths(seedValuesYaml, seedRejected)),
    );
    expect(honoured.status, honoured.stderr).toBe(0);
    const statefulSet = objects(honoured.stdout).find((o) => o.kind === 'StatefulSet')!;
    expect(statefulSet.spec.updateStrategy.type).toBe('OnDelete');
    // global.storageClass is honoured: the seed's persistence.storageClass is empty, so the global one applies.
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('fast-ssd');
    expect(statefulSet.spec.template.spec.imagePullSecrets).toBeUndefined();
    expect(statefulSet.spec.template.spec.containers[0].startupProbe).toMatchObject({
      periodSeconds: 5,
      failureThreshold: 12,
    });
  });

  it('passes helm lint --strict for default values and every value set', () => {
    const lint = helm('lint', '--strict', chartDirectory, '--kube-version', kubeVersion);
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stdout).not.toMatch(/\[(WARNING|ERROR|INFO)\]/);
    for (const [name, values] of Object.entries(valueSets)) {
      const result = helm(
        'lint',
        '--strict',
        chartDirectory,
        '--kube-version',
        kubeVersion,
        '-f',
        valuesFile(name, values),
      );
      expect(result.status, `${name}: ${result.stdout}${result.stderr}`).toBe(0);
      expect(result.stdout, name).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
  });

  it('renders at least 12 value sets that the real Kubernetes API accepts under Pod Security "restricted"', () => {
    expect(Object.keys(valueSets).length).toBeGreaterThanOrEqual(12);
    const rendered = join(scratch, 'rendered');
    mkdirSync(rendered, { recursive: true });
    for (const [name, values] of Object.entries(valueSets)) {
      const result = template(
        chartDirectory,
        '-f',
        valuesFile(name, values),
        '--api-versions',
        'monitoring.coreos.com/v1/ServiceMonitor',
      );
      expect(result.status, `${name}: ${result.stderr}`).toBe(0);
      const all = objects(result.stdout);
      const statefulSet = all.find((o) => o.kind === 'StatefulSet');
      expect(restrictedViolations(statefulSet!.spec.template.spec), name).toEqual([]);
      // The test hook runs in the cluster too: it must be just as compliant.
      const testPod = all.find((o) => o.kind === 'Pod');
      expect(restrictedViolations(testPod!.spec), `${name} test pod`).toEqual([]);
      writeFileSync(join(rendered, `${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.yaml`), result.stdout);
    }
    const seed = objects(
      template(
        chartDirectory,
        '-f',
        valuesFile('seed', seedTestValues),
        '--api-versions',
        'monitoring.coreos.com/v1/ServiceMonitor',
      ).stdout,
    );
    expect(seed.find((o) => o.kind === 'ServiceMonitor')?.spec.endpoints[0].path).toBe('/metrics/prometheus');
    expect(seed.find((o) => o.kind === 'StatefulSet')?.spec.volumeClaimTemplates[0].spec).toMatchObject({
      storageClassName: 'fast-ssd',
      resources: { requests: { storage: '50Gi' } },
    });

    const files = readdirSync(rendered).map((file) => join(rendered, file));
    const validation = run('bash', ['tools/kube/validate.sh', '--with-crds', '--keep-running', ...files], {
      timeoutSeconds: 1800,
    });
    expect(validation.status, validation.stdout + validation.stderr).toBe(0);
  });

  it('skips the ServiceMonitor when the cluster lacks monitoring.coreos.com/v1', () => {
    const result = template(chartDirectory, '-f', valuesFile('seed', seedTestValues));
    expect(result.status).toBe(0);
    expect(objects(result.stdout).map((o) => o.kind)).not.toContain('ServiceMonitor');
  });

  it('rejects at least 10 bad value files through values.schema.json, naming the value', () => {
    const bad: [string, unknown, RegExp][] = [
      ['two replicas', { statefulset: { replicas: 2 } }, /statefulset\/replicas/],
      ['replicaCount 3 (seed name)', { statefulset: { replicaCount: 3 } }, /statefulset\/replicaCount/],
      ['autoscaling on', { autoscaling: { enabled: true } }, /autoscaling\/enabled/],
      ['unknown value', { imagee: { tag: 'x' } }, /imagee/],
      ['pull policy', { image: { pullPolicy: 'Sometimes' } }, /image\/pullPolicy/],
      ['HTTP port as text', { ports: { http: 'web' } }, /ports\/http/],
      ['port out of range', { ports: { grpc: 70000 } }, /ports\/grpc/],
      ['root user', { security: { runAsUser: 0 } }, /security\/runAsUser/],
      ['service type', { service: { type: 'ExternalName' } }, /service\/type/],
      [
        'memory space id',
        { engram: { memorySpaces: { bootstrapSpaces: ['Not_Valid'] } } },
        /engram\/memorySpaces\/bootstrapSpaces\/0/,
      ],
      ['storage size', { persistence: { size: 'twenty gigs' } }, /persistence\/size/],
      ['log level', { runtime: { logLevel: 'loud' } }, /runtime\/logLevel/],
      ['global storage class as a number', { global: { storageClass: 42 } }, /global\/storageClass/],
      ['global pull secrets as a string', { global: { imagePullSecrets: 'regcred' } }, /global\/imagePullSecrets/],
      ['api_key auth', { engram: { security: { authMode: 'api_key' } } }, /engram\/security\/authMode/],
      [
        'controller-specific ingress path',
        {
          ingress: {
            hosts: [{ host: 'a.example.com', paths: [{ path: '/api', pathType: 'ImplementationSpecific' }] }],
          },
        },
        /ingress\/hosts\/0\/paths\/0\/pathType/,
      ],
    ];
    for (const [name, values, path] of bad) {
      const result = template(chartDirectory, '-f', valuesFile(`bad-${name}`, values));
      expect(result.status, name).not.toBe(0);
      expect(result.stderr, name).toMatch(/values don't meet the specifications of the schema/);
      expect(result.stderr, name).toMatch(path);
    }
  });

  it('rejects a wrong type of global.storageClass and global.imagePullSecrets, naming each with what it got', () => {
    const result = template(
      chartDirectory,
      '-f',
      valuesFile('bad-global', { global: { storageClass: 42, imagePullSecrets: 'regcred' } }),
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(result.stderr).toContain("at '/global/storageClass': got number, want string");
    expect(result.stderr).toContain("at '/global/imagePullSecrets': got string, want array");
  });

  it('merges global.imagePullSecrets into the pods and lets persistence.storageClass win over global.storageClass', () => {
    const render = (values: unknown) => {
      const result = template(chartDirectory, '-f', valuesFile('globals', values));
      expect(result.status, result.stderr).toBe(0);
      return objects(result.stdout);
    };
    const withGlobals = render(valueSets['global pull secrets and storage class']);
    const statefulSet = withGlobals.find((o) => o.kind === 'StatefulSet')!;
    expect(statefulSet.spec.template.spec.imagePullSecrets).toEqual([
      { name: 'regcred' },
      { name: 'engram-pull' },
      { name: 'mirror.pull' },
    ]);
    expect(withGlobals.find((o) => o.kind === 'Pod')!.spec.imagePullSecrets).toEqual([
      { name: 'test-pull' },
      { name: 'regcred' },
      { name: 'mirror.pull' },
    ]);
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('standard');

    const claimClass = (values: unknown) =>
      render(values).find((o) => o.kind === 'StatefulSet')!.spec.volumeClaimTemplates[0].spec.storageClassName;
    expect(claimClass({ global: { storageClass: 'standard' }, persistence: { storageClass: 'fast-ssd' } })).toBe(
      'fast-ssd',
    );
    expect(claimClass({ global: { storageClass: '-' } })).toBe('');
    expect(claimClass({ global: { storageClass: 'standard' }, persistence: { storageClass: '-' } })).toBe('');
    expect(claimClass({})).toBeUndefined();

    const existing = render(valueSets['global storage class with an existing claim']);
    expect(existing.find((o) => o.kind === 'PersistentVolumeClaim')!.spec.storageClassName).toBe('standard');
    expect(existing.find((o) => o.kind === 'StatefulSet')!.spec.volumeClaimTemplates).toBeUndefined();
  });

  it("writes engram.extra to config.toml as @engram/config-schema's renderEngramToml does, whole numbers as integers", () => {
    const result = template(
      chartDirectory,
      '-f',
      valuesFile('toml-types', valueSets['engram.extra of every TOML type']),
    );
    expect(result.status, result.stderr).toBe(0);
    const configMap = objects(result.stdout).find((o) => o.kind === 'ConfigMap')!;
    // Integers parse as bigint and floats as number, so 5 and 5.0 differ.
    const fromChart = parseToml(configMap.data['engram.toml'], { integersAsBigInt: true });
    const fromModel = parseToml(
      renderEngramToml(normalize({ engram: { extra: structuredClone(everyTomlTypeExtra) } })),
      {
        integersAsBigInt: true,
      },
    );
    expect(fromChart).toEqual(fromModel);
    expect(fromChart).toMatchObject({
      cache: { size_mb: 2048n, ratio: 0.75, name: 'hot tier "a"', compress: true, tiers: [1n, 2n, 3n] },
      limits: { max_connections: 512n, negative: -40n, zero: 0n, nested: { depth: 3n, factor: 1.5 } },
      top_level_integer: 7n,
      huge_number: 1e20,
      persistence: { hot_capacity: 10000n },
    });
    expect(configMap.data['engram.toml']).not.toMatch(/= -?\d+\.0$/m);
  });

  it('closes the default NetworkPolicy: nothing unlabelled gets in, and the test pod carries the client label', () => {
    const result = template(chartDirectory);
    expect(result.status, result.stderr).toBe(0);
    const rendered = objects(result.stdout);
    const policy = rendered.find((o) => o.kind === 'NetworkPolicy') as unknown as Parameters<typeof admits>[0];
    const engramPod = rendered.find((o) => o.kind === 'StatefulSet')!.spec.template.metadata.labels;
    const clientLabel = { 'engram-client': 'true' };
    expect(verdicts(policy, 'engram', engramPod, clientLabel)).toEqual(closedByDefault);
    const testPod = rendered.find((o) => o.kind === 'Pod')!;
    const testClient = { namespace: 'engram', labels: testPod.metadata.labels };
    expect(admits(policy, 'engram', engramPod, testClient, { name: 'http', port: 7432 })).toBe(true);
  });

  it('never routes /shutdown or /metrics through the Ingress, whatever the values say', () => {
    for (const path of ['/', '/shutdown', '/metrics/prometheus', '/shut', '/metric']) {
      const values = {
        ingress: {
          enabled: true,
          hosts: [{ host: 'a.example.com', paths: [{ path, pathType: 'Prefix' }] }],
          tls: [{ secretName: 'a-tls', hosts: ['a.example.com'] }],
        },
      };
      const result = template(chartDirectory, '-f', valuesFile(`admin-path-${path}`, values));
      expect(result.status, path).not.toBe(0);
      expect(result.stderr, path).toContain(`"${path}" would route /shutdown or /metrics`);
    }
    const allowed = template(
      chartDirectory,
      '-f',
      valuesFile('api-paths', {
        ingress: {
          enabled: true,
          hosts: [{ host: 'a.example.com' }],
          tls: [{ secretName: 'a-tls', hosts: ['a.example.com'] }],
        },
      }),
    );
    expect(allowed.status, allowed.stderr).toBe(0);
    const ingress = objects(allowed.stdout).find((o) => o.kind === 'Ingress')!;
    expect(ingress.spec.rules[0].http.paths.map((p: { path: string }) => p.path)).toEqual([
      '/api/v1/memories',
      '/api/v1/spaces',
      '/api/v1/system/health',
      '/health',
    ]);
    expect(ingress.metadata.annotations?.['traefik.ingress.kubernetes.io/router.entrypoints']).toBe('websecure');
  });

  it('never changes an immutable StatefulSet field across chart versions, app versions and values', () => {
    const immutable = (yaml: string) => {
      const statefulSet = objects(yaml).find((o) => o.kind === 'StatefulSet')!;
      return {
        selector: statefulSet.spec.selector,
        serviceName: statefulSet.spec.serviceName,
        volumeClaimTemplates: statefulSet.spec.volumeClaimTemplates,
      };
    };
    const before = immutable(template(chartDirectory).stdout);
    expect(before.volumeClaimTemplates).toHaveLength(1);

    const next = join(scratch, 'next', 'engram');
    cpSync(chartDirectory, next, { recursive: true });
    const nextModel = normalize({ appVersion: '0.2.0' });
    for (const file of chartFiles(nextModel, next))
      if (file.path.endsWith('Chart.yaml')) writeFileSync(file.path, file.content);
    const changedValues = valuesFile('upgrade', {
      image: { tag: '0.2.0' },
      resources: { limits: { memory: '8Gi' } },
      runtime: { logLevel: 'debug' },
      kubernetes: { podLabels: { tier: 'db' } },
      global: { imageRegistry: 'mirror.internal:5000', imagePullSecrets: ['regcred'] },
      engram: { extra: { cache: { size_mb: 4096 } } },
    });
    const after = template(next, '-f', changedValues);
    expect(after.status, after.stderr).toBe(0);
    expect(
      objects(after.stdout).find((o) => o.kind === 'StatefulSet')!.metadata.labels!['app.kubernetes.io/version'],
    ).toBe('0.2.0');
    expect(immutable(after.stdout)).toEqual(before);

    // A release installed with its own storage class keeps it when a parent chart later sets a global one.
    const ownClass = { persistence: { storageClass: 'fast-ssd' } };
    const installedWithClass = immutable(template(chartDirectory, '-f', valuesFile('own-class', ownClass)).stdout);
    const upgradedWithGlobal = template(
      next,
      '-f',
      valuesFile('own-class-and-global', { ...ownClass, global: { storageClass: 'standard' } }),
    );
    expect(upgradedWithGlobal.status, upgradedWithGlobal.stderr).toBe(0);
    expect(immutable(upgradedWithGlobal.stdout)).toEqual(installedWithClass);
    // The storage class is an immutable field: the check sees it change (the chart README gives the path).
    const reclassed = template(next, '-f', valuesFile('reclassed', { global: { storageClass: 'standard' } }));
    expect(immutable(reclassed.stdout)).not.toEqual(before);

    // The check would catch a version label slipping into the claim template: the rendered upgrade with
    // that one label added, read back through the same check, no longer equals the installed release.
    const leaky = objects(after.stdout);
    leaky.find((o) => o.kind === 'StatefulSet')!.spec.volumeClaimTemplates[0].metadata.labels[
      'app.kubernetes.io/version'
    ] = '0.2.0';
    expect(immutable(leaky.map((o) => `---\n${stringify(o)}`).join(''))).not.toEqual(before);
  });

  it('passes checkov (helm framework) with no failed check', () => {
    const result = scan(`checkov -d ${chartDirectory} --framework helm --compact --quiet`);
    const counts = checkovCounts(result.stdout);
    expect(counts.failed, result.stdout).toBe(0);
    expect(counts.passed).toBeGreaterThan(50);
  });

  it('packages into a chart archive', () => {
    const result = helm('package', chartDirectory, '--destination', scratch);
    expect(result.status, result.stderr).toBe(0);
    expect(readdirSync(scratch)).toContain('engram-0.1.0.tgz');
  });
});
