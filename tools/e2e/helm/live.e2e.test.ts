import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildEngramImage,
  diagnostics,
  engramRepository,
  engramStatus,
  expectedMemories,
  figure,
  helmLive,
  kubectl,
  kubectlJson,
  kubectlOk,
  pod,
  portForward,
  readMemories,
  restrictedNamespace,
  startCluster,
  stopCluster,
  testClientImage,
  waitForPodReady,
  waitInCluster,
  writeMemories,
  type PodView,
} from '../support/cluster';
import { chartDirectory } from '../support/helm';
import { workspaceRoot, type Result } from '../support/process';

// The generated chart on a real single-node cluster (tools/kube/cluster.sh): install, test, upgrade,
// roll back, uninstall. Images are the real Engram built from the generated Dockerfile and a
// local curl image for the test hook; nothing else differs from an operator's install.
const scratch = mkdtempSync(join(tmpdir(), 'engram-helm-live-'));
const firstTag = 'helm-e2e-1';
const nextTag = 'helm-e2e-2';
const namespace = 'engram-helm';
const seedNamespace = 'engram-helm-seed';
const memoryPrefix = `helm-live-${Date.now()}`;
const memoryCount = 200;

/** The seed's test-values.yaml, as the original task wrote it. */
const seedTestValues = {
  statefulset: { replicaCount: 1 },
  resources: { requests: { cpu: '2000m', memory: '4Gi' } },
  persistence: { size: '50Gi', storageClass: 'fast-ssd' },
  monitoring: { prometheus: { enabled: true, serviceMonitor: { enabled: true } } },
};

function valuesFile(name: string, values: unknown): string {
  const path = join(scratch, `${name}.yaml`);
  writeFileSync(path, stringify(values));
  return path;
}

/** Where this cluster finds its images: the only values that differ from the chart's defaults. */
function localImages(tag: string): string {
  return valuesFile(`images-${tag}`, {
    image: { repository: engramRepository, tag },
    tests: { image: testClientImage },
  });
}

/**
 * The seed values request 2000m of CPU, all this two-CPU node has: the test pod, which requests 10m
 * and limits 100m by default, fits beside Engram only without a CPU request (a limit alone would
 * become the request).
 */
function testPodWithoutCpu(): string {
  return valuesFile('test-pod-without-cpu', {
    tests: { resources: { requests: { cpu: null }, limits: { cpu: null } } },
  });
}

function helmOk(...args: string[]): Result {
  const result = helmLive(...args);
  if (result.status !== 0) {
    const namespaceIndex = args.indexOf('--namespace');
    const inNamespace = namespaceIndex >= 0 ? args[namespaceIndex + 1] : undefined;
    const where = inNamespace ? diagnostics(inNamespace) : '';
    throw new Error(`helm ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}\n${where}`);
  }
  return result;
}

function enginePod(inNamespace: string): PodView {
  const view = pod(inNamespace, 'engram-0');
  if (!view) throw new Error(`no pod engram-0\n${diagnostics(inNamespace)}`);
  return view;
}

async function withEngram<T>(inNamespace: string, use: (baseUrl: string) => Promise<T>): Promise<T> {
  const forward = await portForward(inNamespace, 'service/engram', 7432);
  try {
    return await use(forward.baseUrl);
  } finally {
    forward.close();
  }
}

function revisions(): { revision: number; status: string; chart: string; description: string }[] {
  return JSON.parse(helmOk('history', 'engram', '--namespace', namespace, '-o', 'json').stdout);
}

/** resourceVersion of every object of the release: any write by an upgrade changes one. */
function releaseObjectVersions(): Record<string, string> {
  const list = kubectlJson<{ items: any[] }>(
    'get',
    'statefulset,service,configmap,serviceaccount,poddisruptionbudget,networkpolicy',
    '-n',
    namespace,
    '-l',
    'app.kubernetes.io/instance=engram',
  );
  return Object.fromEntries(
    list.items.map((item) => [`${item.kind}/${item.metadata.name}`, item.metadata.resourceVersion as string]),
  );
}

beforeAll(() => {
  startCluster();
  buildEngramImage(firstTag, 'helm-e2e-1');
  buildEngramImage(nextTag, 'helm-e2e-2');
});

afterAll(() => {
  const stopped = stopCluster();
  rmSync(scratch, { recursive: true, force: true });
  if (stopped.status !== 0) throw new Error(`cluster.sh stop failed:\n${stopped.stderr}`);
});

describe('the generated Helm chart on a real single-node cluster', () => {
  it('7a. installs with the seed test-values.yaml and no ServiceMonitor CRD: the ServiceMonitor is skipped, not an error', async () => {
    restrictedNamespace(seedNamespace);
    const started = performance.now();
    const install = helmOk(
      'install',
      'engram',
      chartDirectory,
      '--namespace',
      seedNamespace,
      '-f',
      valuesFile('seed-test-values', seedTestValues),
      '-f',
      localImages(firstTag),
      '--wait',
      '--timeout',
      '5m',
    );
    figure('helm install --wait (seed test-values) to Ready', (performance.now() - started) / 1000);
    expect(install.stderr).not.toMatch(/error/i);
    expect(helmOk('get', 'manifest', 'engram', '--namespace', seedNamespace).stdout).not.toMatch(
      /kind: ServiceMonitor/,
    );
    const view = enginePod(seedNamespace);
    expect(view.spec.containers[0].resources.requests.cpu).toBe('2');
    const claim = kubectlJson('get', 'pvc', 'data-engram-0', '-n', seedNamespace);
    expect(claim.spec.storageClassName).toBe('fast-ssd');
    expect(claim.status.phase).toBe('Bound');
    await withEngram(seedNamespace, async (baseUrl) => {
      await writeMemories(baseUrl, `${memoryPrefix}-seed`, 10);
      expect(await readMemories(baseUrl, `${memoryPrefix}-seed`)).toEqual(expectedMemories(`${memoryPrefix}-seed`, 10));
    });
    helmOk('uninstall', 'engram', '--namespace', seedNamespace, '--wait', '--timeout', '2m');
  });

  it('7b. with the ServiceMonitor CRD installed first, the seed values create the ServiceMonitor, and helm test passes', async () => {
    kubectlOk('apply', '-f', join(workspaceRoot, 'tools/kube/crds/servicemonitor.yaml'));
    kubectlOk('wait', '--for=condition=Established', '--timeout=60s', 'crd/servicemonitors.monitoring.coreos.com');
    helmOk(
      'install',
      'engram',
      chartDirectory,
      '--namespace',
      seedNamespace,
      '-f',
      valuesFile('seed-test-values', seedTestValues),
      '-f',
      localImages(firstTag),
      '-f',
      testPodWithoutCpu(),
      '--wait',
      '--timeout',
      '5m',
    );
    const monitor = kubectlJson('get', 'servicemonitor', 'engram', '-n', seedNamespace);
    expect(monitor.spec.endpoints[0].path).toBe('/metrics/prometheus');
    // The claim the first install left behind is adopted again, with what was written into it.
    await withEngram(seedNamespace, async (baseUrl) => {
      expect(await readMemories(baseUrl, `${memoryPrefix}-seed`)).toEqual(expectedMemories(`${memoryPrefix}-seed`, 10));
    });
    const test = helmOk('test', 'engram', '--namespace', seedNamespace, '--timeout', '3m');
    expect(test.stdout).toMatch(/TEST SUITE:\s+engram-test[\s\S]*Phase:\s+Succeeded/);
    await withEngram(seedNamespace, async (baseUrl) => {
      expect([...(await readMemories(baseUrl, 'helm-test-'))].some((content) => /^helm-test-\d+-\d+$/.test(content))).toBe(
        true,
      );
    });
    // Engram holds both CPUs of the node: free it for the rest.
    helmOk('uninstall', 'engram', '--namespace', seedNamespace, '--wait', '--timeout', '2m');
    kubectlOk('delete', 'namespace', seedNamespace, '--wait=true', '--timeout=120s');
  });

  it('7c. installs with default values (--wait), and helm test passes', async () => {
    restrictedNamespace(namespace);
    const started = performance.now();
    helmOk(
      'install',
      'engram',
      chartDirectory,
      '--namespace',
      namespace,
      '-f',
      localImages(firstTag),
      '--wait',
      '--timeout',
      '5m',
    );
    figure('helm install --wait (default values) to Ready', (performance.now() - started) / 1000);
    // The hook pod is deleted once it succeeds (hook-delete-policy), so its logs are gone by then: the
    // memory it wrote is the proof that its round trip ran against this release.
    const test = helmOk('test', 'engram', '--namespace', namespace, '--timeout', '3m');
    expect(test.stdout).toMatch(/TEST SUITE:\s+engram-test[\s\S]*Phase:\s+Succeeded/);
    await withEngram(namespace, async (baseUrl) => {
      expect([...(await readMemories(baseUrl, 'helm-test-'))].some((content) => /^helm-test-\d+-\d+$/.test(content))).toBe(
        true,
      );
    });
  });

  it('8. helm upgrade to a new chart version and image tag rolls the pod and keeps data and config', async () => {
    await withEngram(namespace, async (baseUrl) => {
      await writeMemories(baseUrl, memoryPrefix, memoryCount);
      expect(await readMemories(baseUrl, memoryPrefix)).toEqual(expectedMemories(memoryPrefix, memoryCount));
    });
    const before = enginePod(namespace);
    const configBefore = kubectlJson('get', 'configmap', 'engram-config', '-n', namespace).data;

    const nextChart = join(scratch, 'chart-next');
    cpSync(chartDirectory, nextChart, { recursive: true });
    const chartYaml = readFileSync(join(nextChart, 'Chart.yaml'), 'utf8');
    expect(chartYaml).toMatch(/^version: 0\.1\.0$/m);
    writeFileSync(join(nextChart, 'Chart.yaml'), chartYaml.replace(/^version: 0\.1\.0$/m, 'version: 0.1.1'));

    const started = performance.now();
    const upgrade = helmOk(
      'upgrade',
      'engram',
      nextChart,
      '--namespace',
      namespace,
      '-f',
      localImages(nextTag),
      '--wait',
      '--timeout',
      '5m',
    );
    figure('helm upgrade --wait (new chart version and image)', (performance.now() - started) / 1000);
    expect(upgrade.stdout + upgrade.stderr).not.toMatch(/immutable|Forbidden/i);

    const { value: after } = await waitForPodReady(namespace, 'engram-0', 120, before.metadata.uid);
    expect(after.spec.containers[0].image).toBe(`${engramRepository}:${nextTag}`);
    expect(engramStatus(after).image).toBe(`${engramRepository}:${nextTag}`);
    expect(revisions().at(-1)).toMatchObject({ revision: 2, status: 'deployed', chart: 'engram-0.1.1' });
    expect(kubectlJson('get', 'configmap', 'engram-config', '-n', namespace).data).toEqual(configBefore);
    await withEngram(namespace, async (baseUrl) => {
      expect(await readMemories(baseUrl, memoryPrefix)).toEqual(expectedMemories(memoryPrefix, memoryCount));
    });
  });

  it('9. helm rollback to revision 1 brings the previous image and config back, data intact', async () => {
    const before = enginePod(namespace);
    const started = performance.now();
    helmOk('rollback', 'engram', '1', '--namespace', namespace, '--wait', '--timeout', '5m');
    figure('helm rollback --wait to revision 1', (performance.now() - started) / 1000);

    const { value: after } = await waitForPodReady(namespace, 'engram-0', 120, before.metadata.uid);
    expect(after.spec.containers[0].image).toBe(`${engramRepository}:${firstTag}`);
    expect(engramStatus(after).image).toBe(`${engramRepository}:${firstTag}`);
    expect(revisions().at(-1)).toMatchObject({ revision: 3, status: 'deployed', chart: 'engram-0.1.0' });
    const firstManifest = helmOk('get', 'manifest', 'engram', '--namespace', namespace, '--revision', '1').stdout;
    const currentManifest = helmOk('get', 'manifest', 'engram', '--namespace', namespace).stdout;
    expect(currentManifest).toBe(firstManifest);
    await withEngram(namespace, async (baseUrl) => {
      expect(await readMemories(baseUrl, memoryPrefix)).toEqual(expectedMemories(memoryPrefix, memoryCount));
    });
  });

  it('11. a values change Kubernetes cannot apply in place is refused whole, never half-applied', async () => {
    const before = enginePod(namespace);
    const objectsBefore = releaseObjectVersions();
    const history = revisions().length;

    // The chart's schema refuses a second replica before anything reaches the cluster.
    const replicas = helmLive(
      'upgrade',
      'engram',
      chartDirectory,
      '--namespace',
      namespace,
      '-f',
      localImages(firstTag),
      '--set',
      'statefulset.replicas=2',
      '--wait',
      '--timeout',
      '2m',
    );
    expect(replicas.status).not.toBe(0);
    expect(replicas.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(revisions().length).toBe(history);

    // A new claim size is a change to the StatefulSet's immutable claim template: the API refuses it
    // (the chart README's documented path is a claim migration), and no object of the release changes.
    const size = helmLive(
      'upgrade',
      'engram',
      chartDirectory,
      '--namespace',
      namespace,
      '-f',
      localImages(firstTag),
      '--set',
      'persistence.size=30Gi',
      '--wait',
      '--timeout',
      '2m',
    );
    expect(size.status).not.toBe(0);
    expect(size.stderr).toMatch(/Forbidden: updates to statefulset spec for fields other than/);
    expect(releaseObjectVersions()).toEqual(objectsBefore);
    expect(enginePod(namespace).metadata.uid).toBe(before.metadata.uid);
    const statefulSet = kubectlJson('get', 'statefulset', 'engram', '-n', namespace);
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');

    // The release is not stuck: the next upgrade with the installed values goes through.
    helmOk(
      'upgrade',
      'engram',
      chartDirectory,
      '--namespace',
      namespace,
      '-f',
      localImages(firstTag),
      '--wait',
      '--timeout',
      '5m',
    );
    expect(revisions().at(-1)).toMatchObject({ status: 'deployed' });
    await withEngram(namespace, async (baseUrl) => {
      expect(await readMemories(baseUrl, memoryPrefix)).toEqual(expectedMemories(memoryPrefix, memoryCount));
    });
  });

  it('10. helm uninstall --wait removes every object but the claim, and a reinstall finds the data', async () => {
    const claim = kubectlJson('get', 'pvc', 'data-engram-0', '-n', namespace);
    helmOk('uninstall', 'engram', '--namespace', namespace, '--wait', '--timeout', '2m');
    // The pod belongs to the StatefulSet, which the garbage collector removes after it.
    await waitInCluster(namespace, 'engram-0 gone', () => (pod(namespace, 'engram-0') ? undefined : true), 90);

    const left = kubectlJson<{ items: any[] }>(
      'get',
      'all,configmap,secret,serviceaccount,poddisruptionbudget,networkpolicy,servicemonitor,persistentvolumeclaim',
      '-n',
      namespace,
    ).items.map((item) => `${item.kind}/${item.metadata.name}`);
    // The namespace's own ServiceAccount and CA bundle are the cluster's, not the release's.
    expect(left.filter((name) => !['ServiceAccount/default', 'ConfigMap/kube-root-ca.crt'].includes(name))).toEqual([
      'PersistentVolumeClaim/data-engram-0',
    ]);
    expect(kubectl('get', 'pod', 'engram-0', '-n', namespace).status).not.toBe(0);
    const kept = kubectlJson('get', 'pvc', 'data-engram-0', '-n', namespace);
    expect(kept.metadata.uid).toBe(claim.metadata.uid);
    expect(kept.status.phase).toBe('Bound');

    helmOk(
      'install',
      'engram',
      chartDirectory,
      '--namespace',
      namespace,
      '-f',
      localImages(firstTag),
      '--wait',
      '--timeout',
      '5m',
    );
    await waitInCluster(namespace, 'engram-0 on the kept claim', () => enginePod(namespace), 60);
    expect(kubectlJson('get', 'pvc', 'data-engram-0', '-n', namespace).metadata.uid).toBe(claim.metadata.uid);
    await withEngram(namespace, async (baseUrl) => {
      expect(await readMemories(baseUrl, memoryPrefix)).toEqual(expectedMemories(memoryPrefix, memoryCount));
    });
  });
});
