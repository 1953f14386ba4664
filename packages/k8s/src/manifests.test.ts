import { loadConfig, normalize, validate, type EngramDeployConfig } from '@engram/config-schema';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatefulSet } from 'kubernetes-types/apps/v1';
import type { Secret, Service } from 'kubernetes-types/core/v1';
import type { Ingress, NetworkPolicy } from 'kubernetes-types/networking/v1';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { admits, closedByDefault, verdicts, type Source } from '../test/network-policy';
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
      if (object.kind !== 'Namespace') expect(object.metadata.namespace).toBe(normalize(config).kubernetes.namespace);
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

  it('probes over HTTP and mounts no API key store (api_key auth is refused)', () => {
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/api/v1/system/health', port: 'http' });
    expect(container.volumeMounts?.map((m) => m.name)).toEqual(['data', 'config', 'tmp']);
    expect(pod.volumes?.map((v) => v.name)).toEqual(['config', 'tmp']);
  });

  it('claims storage through a template with selector labels only, and rolls out by default', () => {
    const template = statefulSet.spec!.volumeClaimTemplates![0]!;
    expect(template.metadata?.labels).toEqual(statefulSet.spec!.selector.matchLabels);
    expect(JSON.stringify(template)).not.toMatch(/version|helm/);
    expect(template.spec?.storageClassName).toBeUndefined();
    expect(statefulSet.spec!.updateStrategy).toEqual({ type: 'RollingUpdate' });
  });

  it("stops inside the model's grace period, longer than Engram's shutdown budget", () => {
    const defaults = normalize({}).runtime;
    expect(pod.terminationGracePeriodSeconds).toBe(defaults.stopGracePeriodSeconds);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(defaults.shutdownBudgetSeconds);
    const longer = find<StatefulSet>(objectsOf({ runtime: { stopGracePeriodSeconds: 45 } }), 'StatefulSet');
    expect(longer.spec!.template.spec!.terminationGracePeriodSeconds).toBe(45);
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
    const pod = find<StatefulSet>(objects, 'StatefulSet').spec!.template.spec!;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0]!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(objects.filter((o) => /Role/.test(o.kind ?? ''))).toEqual([]);
  });

  it('lets Engram reach DNS only, and does not block drains', () => {
    const policy = find<any>(objects, 'NetworkPolicy');
    expect(policy.spec.egress).toEqual([
      {
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
    ]);
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

describe('the NetworkPolicy', () => {
  const policyOf = (config: EngramDeployConfig) => find<NetworkPolicy>(objectsOf(config), 'NetworkPolicy');
  const engramPod = find<StatefulSet>(objectsOf({}), 'StatefulSet').spec!.template.metadata!.labels!;
  const http = { name: 'http', port: 7432 };
  const grpc = { name: 'grpc', port: 50051 };
  const clientLabel = { 'engram-client': 'true' };

  it('selects the Engram pod and, by default, admits nothing unlabelled: only labelled clients and Prometheus', () => {
    expect(verdicts(policyOf({}), 'engram', engramPod, clientLabel)).toEqual(closedByDefault);
  });

  it('stops admitting Prometheus when nothing scrapes', () => {
    const quiet = policyOf({ monitoring: { scrapeAnnotations: false } });
    const prometheus: Source = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };
    expect(admits(quiet, 'engram', engramPod, prometheus, http)).toBe(false);
    expect(admits(quiet, 'engram', engramPod, { namespace: 'engram', labels: clientLabel }, http)).toBe(true);
  });

  it('admits labelled clients of the listed namespaces, and the extra peers, and still nothing unlabelled', () => {
    const policy = policyOf(modelVariants['client namespaces and extra peers with PDB minAvailable 0']!);
    const at = (source: Source) => [http, grpc].map((port) => admits(policy, 'engram', engramPod, source, port));
    expect(at({ namespace: 'apps', labels: clientLabel })).toEqual([true, true]);
    expect(at({ namespace: 'apps', labels: {} })).toEqual([false, false]);
    expect(at({ namespace: 'other', labels: clientLabel })).toEqual([false, false]);
    expect(at({ namespace: 'engram', labels: { role: 'engram-client' } })).toEqual([true, true]);
    expect(at({ namespace: 'engram', labels: {} })).toEqual([false, false]);
  });

  it('names its own client label and its own namespaces', () => {
    const policy = policyOf({
      name: 'memory',
      networkPolicy: { clientLabel: { key: 'example.com/engram', value: 'yes' } },
    });
    const memoryPod = { 'app.kubernetes.io/name': 'engram', 'app.kubernetes.io/instance': 'memory' };
    const source = (labels: Record<string, string>): Source => ({ namespace: 'engram', labels });
    expect(admits(policy, 'engram', memoryPod, source({ 'example.com/engram': 'yes' }), grpc)).toBe(true);
    expect(admits(policy, 'engram', memoryPod, source({ 'memory-client': 'true' }), grpc)).toBe(false);
    const derived = policyOf({ name: 'memory' });
    expect(admits(derived, 'engram', memoryPod, source({ 'memory-client': 'true' }), grpc)).toBe(true);
    expect(admits(derived, 'engram', memoryPod, source({ 'engram-client': 'true' }), grpc)).toBe(false);
  });

  it('admits the ingress controller to the HTTP port only when the Ingress is enabled', () => {
    const controller: Source = { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } };
    const policy = policyOf(modelVariants['ingress with TLS']!);
    expect(admits(policy, 'engram', engramPod, controller, http)).toBe(true);
    expect(admits(policy, 'engram', engramPod, controller, grpc)).toBe(false);
    expect(admits(policyOf({}), 'engram', engramPod, controller, http)).toBe(false);
  });

  it('opens both ports to every source only when the model says allowExternal', () => {
    const open = verdicts(policyOf(modelVariants['network policy open to every source']!), 'engram', engramPod, clientLabel);
    expect(Object.values(open).every((v) => v.http && v.grpc)).toBe(true);
  });
});

describe('the evaluator of NetworkPolicy rules', () => {
  const target = { app: 'db' };
  const base = (ingress: NetworkPolicy['spec'] extends infer S ? S extends { ingress?: infer I } ? I : never : never) =>
    ({ spec: { podSelector: { matchLabels: target }, policyTypes: ['Ingress'], ingress } }) as NetworkPolicy;
  const port = { name: 'http', port: 80 };

  it('follows the Kubernetes semantics of empty lists, peers and ports', () => {
    const inNs = (labels: Record<string, string>, namespace = 'ns'): Source => ({ namespace, labels });
    expect(admits(base([]), 'ns', target, inNs({}), port)).toBe(false);
    expect(admits(base([{}]), 'ns', target, { ip: '198.51.100.1' }, port)).toBe(true);
    const podOnly = base([{ from: [{ podSelector: { matchLabels: { a: '1' } } }] }]);
    expect(admits(podOnly, 'ns', target, inNs({ a: '1' }), port)).toBe(true);
    expect(admits(podOnly, 'ns', target, inNs({ a: '1' }, 'other'), port)).toBe(false);
    const anyPodOf = base([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } } }] }]);
    expect(admits(anyPodOf, 'ns', target, inNs({}, 'other'), port)).toBe(true);
    expect(admits(anyPodOf, 'ns', target, inNs({}), port)).toBe(false);
    const ports = base([{ ports: [{ port: 'grpc' }] }]);
    expect(admits(ports, 'ns', target, inNs({}), port)).toBe(false);
    expect(admits(ports, 'ns', target, inNs({}), { name: 'grpc', port: 90 })).toBe(true);
    const block = base([{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }]);
    expect(admits(block, 'ns', target, { ip: '10.2.3.4' }, port)).toBe(true);
    expect(admits(block, 'ns', target, { ip: '10.1.3.4' }, port)).toBe(false);
    expect(() => admits(podOnly, 'ns', { app: 'other' }, inNs({}), port)).toThrow(/does not select/);
  });
});

describe('the Ingress', () => {
  it('routes only the API allow-list, over TLS, with the Traefik entry point and cert-manager on request', () => {
    const ingress = find<Ingress>(
      objectsOf({
        ingress: {
          enabled: true,
          hosts: [{ host: 'engram.example.com' }],
          tls: [{ secretName: 'engram-tls', hosts: ['engram.example.com'] }],
          certManager: { clusterIssuer: 'letsencrypt' },
        },
        networkPolicy: { ingressController: { namespace: 'traefik' } },
      }),
      'Ingress',
    );
    expect(ingress.metadata?.annotations).toEqual({
      'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure',
      'traefik.ingress.kubernetes.io/router.tls': 'true',
      'cert-manager.io/cluster-issuer': 'letsencrypt',
    });
    expect(ingress.spec?.tls).toEqual([{ secretName: 'engram-tls', hosts: ['engram.example.com'] }]);
    const paths = ingress.spec!.rules![0]!.http!.paths.map((p) => [p.path, p.pathType]);
    expect(paths).toEqual([
      ['/api/v1/memories', 'Prefix'],
      ['/api/v1/spaces', 'Prefix'],
      ['/api/v1/system/health', 'Exact'],
      ['/health', 'Exact'],
    ]);
  });

  it('writes the redirect annotations of ingress-nginx, and none for plain HTTP allowed', () => {
    const nginx = find<Ingress>(objectsOf(modelVariants['ingress with TLS']!), 'Ingress');
    expect(nginx.metadata?.annotations).toEqual({
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'cert-manager.io/cluster-issuer': 'letsencrypt',
    });
    const plain = find<Ingress>(
      objectsOf({
        ingress: { enabled: true, plainHttp: 'allow', hosts: [{ host: 'engram.example.com' }] },
        networkPolicy: { allowExternal: true },
      }),
      'Ingress',
    );
    expect(plain.metadata?.annotations).toBeUndefined();
  });

  it('redirects plain HTTP with Traefik through a Middleware on a second Ingress of the plain entry point', () => {
    const objects = objectsOf(modelVariants['Traefik ingress redirecting plain HTTP']!);
    const secure = find<Ingress>(objects, 'Ingress', 'engram');
    expect(secure.metadata?.annotations).toEqual({
      'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure',
      'traefik.ingress.kubernetes.io/router.tls': 'true',
      'example.com/owner': 'storage',
    });
    const redirect = find<Ingress>(objects, 'Ingress', 'engram-http-redirect');
    expect(redirect.metadata?.annotations).toEqual({
      'traefik.ingress.kubernetes.io/router.entrypoints': 'web',
      'traefik.ingress.kubernetes.io/router.middlewares': 'memory-engram-https-redirect@kubernetescrd',
      'example.com/owner': 'storage',
    });
    // The same hosts and paths, without TLS: every API path is redirected, nothing else is routed.
    expect(redirect.spec?.rules).toEqual(secure.spec?.rules);
    expect(redirect.spec?.tls).toBeUndefined();
    expect(find(objects, 'Middleware', 'engram-https-redirect')).toMatchObject({
      apiVersion: 'traefik.io/v1alpha1',
      spec: { redirectScheme: { scheme: 'https', permanent: true } },
    });
    // Refuse and allow need no Middleware, nor does another controller's redirect.
    for (const config of [
      {
        ...modelVariants['Traefik ingress redirecting plain HTTP']!,
        ingress: { ...modelVariants['Traefik ingress redirecting plain HTTP']!.ingress, plainHttp: 'refuse' as const },
      },
      modelVariants['ingress with TLS']!,
    ]) {
      const kinds = objectsOf(config).map((o) => `${o.kind}/${o.metadata?.name}`);
      expect(kinds.filter((k) => k.startsWith('Ingress/') || k.startsWith('Middleware/'))).toEqual(['Ingress/engram']);
    }
  });

  it('ships an example TLS Secret instead of an API key file', () => {
    const secret = renderSlices(normalize(modelVariants['ingress with TLS']!)).secret.objects[0] as Secret;
    expect(secret).toMatchObject({ type: 'kubernetes.io/tls', metadata: { name: 'engram-tls' } });
    expect(Object.keys(secret.stringData ?? {})).toEqual(['tls.crt', 'tls.key']);
  });
});

describe('the committed deployments/kubernetes tree (golden files)', () => {
  it('is exactly what the default model renders', () => {
    const model = loadConfig(join(workspaceRoot, 'deployments/engram.deploy.yaml'));
    for (const file of kubernetesFiles(model, 'deployments/kubernetes')) {
      if (file.content === null) continue;
      expect(readFileSync(join(workspaceRoot, file.path), 'utf8'), file.path).toBe(file.content);
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
