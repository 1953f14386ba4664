import { loadConfig, normalize, validate, type EngramDeployConfig } from '@engram/config-schema';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatefulSet } from 'kubernetes-types/apps/v1';
import type { Service } from 'kubernetes-types/core/v1';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { restrictedViolations } from '../test/pod-security';
import { modelVariants } from '../test/variants';
import { kubernetesFiles, renderSlices, type Manifest } from './manifests';

const workspaceRoot = join(__dirname, '..', '..', '..');

function objectsOf(config: EngramDeployConfig): Manifest[] {
  return Object.values(renderSlices(normalize(config))).flatMap((slice) => slice.objects);
}

function find<T>(objects: Manifest[], kind: string, name?: string): T {
  const found = objects.find((o) => o.kind === kind && (!name || o.metadata?.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''}`);
  return found as T;
}

describe('model variants', () => {
  it('has at least 10 valid variants', () => {
    expect(Object.keys(modelVariants).length).toBeGreaterThanOrEqual(10);
    for (const [name, config] of Object.entries(modelVariants)) expect(validate(config).issues, name).toEqual([]);
  });

  it.each(Object.entries(modelVariants))(
    '%s: the pod meets Pod Security "restricted" field by field',
    (_name, config) => {
      const statefulSet = find<StatefulSet>(objectsOf(config), 'StatefulSet');
      expect(restrictedViolations(statefulSet.spec!.template.spec!)).toEqual([]);
    },
  );

  it.each(Object.entries(modelVariants))('%s: kubectl kustomize renders the set', (_name, config) => {
    const directory = mkdtempSync(join(tmpdir(), 'engram-k8s-'));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    for (const file of kubernetesFiles(normalize(config), directory)) {
      if (file.content !== null) writeFileSync(file.path, file.content);
    }
    const rendered = execFileSync('kubectl', ['kustomize', directory], { encoding: 'utf8' });
    const kinds = parseAllDocuments(rendered).map((doc) => doc.toJS().kind);
    expect(kinds).toContain('StatefulSet');
    for (const doc of parseAllDocuments(rendered)) {
      const object = doc.toJS();
      if (object.kind !== 'Namespace') expect(object.metadata.namespace).toBe('engram');
    }
  });
});

describe('the StatefulSet', () => {
  const objects = objectsOf({});
  const statefulSet = find<StatefulSet>(objects, 'StatefulSet');
  const pod = statefulSet.spec!.template.spec!;
  const container = pod.containers[0]!;

  it('starts Engram with the real flags and env, config where Engram reads it', () => {
    expect(container.command).toEqual(['/usr/local/bin/engram']);
    expect(container.args).toEqual(['--log-level=info', 'start', '--port=7432', '--grpc-port=50051']);
    expect(container.env?.map((e) => e.name)).toEqual([
      'ENGRAM_DATA_DIR',
      'ENGRAM_HTTP_BIND',
      'ENGRAM_PID_PATH',
      'ENGRAM_CONSOLIDATION_ALERT_LOG',
      'XDG_CONFIG_HOME',
      'TMPDIR',
    ]);
    expect(container.volumeMounts).toContainEqual({ name: 'config', mountPath: '/config', readOnly: true });
    expect(pod.volumes).toContainEqual({
      name: 'config',
      configMap: {
        name: 'engram-config',
        defaultMode: 0o444,
        items: [{ key: 'engram.toml', path: 'engram/config.toml' }],
      },
    });
  });

  it('probes the real endpoints, with a startup budget for the gRPC wait', () => {
    expect(container.startupProbe?.httpGet?.path).toBe('/health/alive');
    expect(container.livenessProbe?.httpGet?.path).toBe('/health/alive');
    expect(container.readinessProbe?.httpGet?.path).toBe('/api/v1/system/health');
    const startup = container.startupProbe!;
    expect(
      (startup.initialDelaySeconds ?? 0) + startup.periodSeconds! * startup.failureThreshold!,
    ).toBeGreaterThanOrEqual(10);
  });

  it('uses TCP probes when every HTTP route needs an API key', () => {
    const keyed = find<StatefulSet>(objectsOf(modelVariants['api key auth and ingress']!), 'StatefulSet');
    const c = keyed.spec!.template.spec!.containers[0]!;
    expect(c.readinessProbe?.tcpSocket).toEqual({ port: 'http' });
    expect(c.readinessProbe?.httpGet).toBeUndefined();
    expect(c.volumeMounts).toContainEqual({ name: 'api-keys', mountPath: '/secrets/engram', readOnly: true });
  });

  it('claims storage through a template with selector labels only, and rolls out by default', () => {
    const template = statefulSet.spec!.volumeClaimTemplates![0]!;
    expect(template.metadata?.labels).toEqual(statefulSet.spec!.selector.matchLabels);
    expect(JSON.stringify(template)).not.toMatch(/version|helm/);
    expect(template.spec?.storageClassName).toBeUndefined();
    expect(statefulSet.spec!.updateStrategy).toEqual({ type: 'RollingUpdate' });
  });

  it('stops inside a grace period longer than Engram shutdown', () => {
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(10);
  });

  it('rolls the pod when the config changes, not otherwise', () => {
    const checksum = (config: EngramDeployConfig) =>
      find<StatefulSet>(objectsOf(config), 'StatefulSet').spec!.template.metadata!.annotations!['checksum/config'];
    expect(checksum({})).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum({ resources: { limits: { cpu: '3' } } })).toBe(checksum({}));
    expect(checksum({ engram: { memorySpaces: { defaultSpace: 'main', bootstrapSpaces: ['main'] } } })).not.toBe(
      checksum({}),
    );
    expect(checksum({ runtime: { logLevel: 'debug' } })).toBe(checksum({}));
  });

  it('carries recommended labels, the app label and scrape annotations on /metrics/prometheus', () => {
    expect(statefulSet.metadata?.labels).toMatchObject({
      app: 'engram',
      'app.kubernetes.io/name': 'engram',
      'app.kubernetes.io/instance': 'engram',
      'app.kubernetes.io/version': '0.1.0',
    });
    expect(statefulSet.spec!.template.metadata!.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/path': '/metrics/prometheus',
      'prometheus.io/port': '7432',
    });
  });

  it('follows the variants: no claim template without persistence or with an existing claim', () => {
    const off = find<StatefulSet>(objectsOf({ persistence: { enabled: false } }), 'StatefulSet');
    expect(off.spec!.volumeClaimTemplates).toBeUndefined();
    expect(off.spec!.template.spec!.volumes).toContainEqual({ name: 'data', emptyDir: {} });
    const existing = objectsOf(modelVariants['existing claim']!);
    const withClaim = find<StatefulSet>(existing, 'StatefulSet');
    expect(withClaim.spec!.volumeClaimTemplates).toBeUndefined();
    expect(withClaim.spec!.template.spec!.volumes).toContainEqual({
      name: 'data',
      persistentVolumeClaim: { claimName: 'engram-data' },
    });
    expect(find(existing, 'PersistentVolumeClaim', 'engram-data')).toMatchObject({
      spec: { storageClassName: 'standard', resources: { requests: { storage: '50Gi' } } },
    });
  });
});

describe('the other objects', () => {
  const objects = objectsOf({});

  it('has a headless Service that publishes not-ready addresses and a ClusterIP client Service', () => {
    const headless = find<Service>(objects, 'Service', 'engram-headless');
    expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    const client = find<Service>(objects, 'Service', 'engram');
    expect(client.spec?.type).toBe('ClusterIP');
    expect(client.spec?.loadBalancerSourceRanges).toBeUndefined();
    const lb = find<Service>(objectsOf(modelVariants['LoadBalancer with source ranges']!), 'Service', 'engram');
    expect(lb.spec).toMatchObject({ type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8'] });
    expect(lb.spec?.ports?.[0]?.nodePort).toBe(30432);
  });

  it('has a ServiceAccount without token automount and no role binding', () => {
    expect(find(objects, 'ServiceAccount')).toMatchObject({ automountServiceAccountToken: false });
    expect(objects.filter((o) => /Role/.test(o.kind ?? ''))).toEqual([]);
  });

  it('does not cut a single replica off, nor block drains', () => {
    const policy = find<any>(objects, 'NetworkPolicy');
    expect(policy.spec.ingress).toEqual([
      {
        ports: [
          { port: 'http', protocol: 'TCP' },
          { port: 'grpc', protocol: 'TCP' },
        ],
      },
    ]);
    expect(policy.spec.egress[0].ports).toContainEqual({ port: 53, protocol: 'UDP' });
    expect(find<any>(objects, 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1 });
  });

  it('writes pvc.yaml only in existing-claim mode, and a ServiceMonitor only when enabled', () => {
    expect(renderSlices(normalize({})).pvc.objects).toEqual([]);
    expect(renderSlices(normalize(modelVariants['existing claim']!)).pvc.objects.length).toBe(1);
    expect(renderSlices(normalize({})).servicemonitor.objects).toEqual([]);
    const monitor = renderSlices(normalize(modelVariants['monitoring on']!)).servicemonitor.objects[0] as any;
    expect(monitor.spec.endpoints).toEqual([
      { port: 'http', path: '/metrics/prometheus', interval: '30s', scrapeTimeout: '10s' },
    ]);
    expect(monitor.metadata.labels.release).toBe('prometheus');
  });
});

describe('the committed deployments/kubernetes tree (golden files)', () => {
  it('is exactly what the default model renders', () => {
    const model = loadConfig(join(workspaceRoot, 'deployments/engram.deploy.yaml'));
    for (const file of kubernetesFiles(model, join(workspaceRoot, 'deployments/kubernetes'))) {
      if (file.content === null) continue;
      expect(readFileSync(file.path, 'utf8'), file.path).toBe(file.content);
    }
  });
});

describe('file removal', () => {
  it('marks the files of disabled slices for removal', () => {
    const directory = mkdtempSync(join(tmpdir(), 'engram-k8s-'));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    mkdirSync(directory, { recursive: true });
    const files = kubernetesFiles(normalize({ networkPolicy: { enabled: false } }), directory);
    expect(files.find((f) => f.path.endsWith('/networkpolicy.yaml'))?.content).toBeNull();
    expect(files.find((f) => f.path.endsWith('/kustomization.yaml'))?.content).not.toMatch(/networkpolicy/);
  });
});
