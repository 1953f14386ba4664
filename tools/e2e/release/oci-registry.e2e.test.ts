import { modelFromText, type EngramDeployModel } from '@engram/config-schema';
import { chartFiles } from '@engram/helm';
import { kubernetesFiles } from '@engram/k8s';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  diagnostics,
  engramStatus,
  expectedMemories,
  figure,
  helmLive,
  kubectlApply,
  kubectlJson,
  nodeDirectory,
  pod,
  portForward,
  readMemories,
  restrictedNamespace,
  startCluster,
  stopCluster,
  waitForPodReady,
  writeMemories,
  type PodView,
} from '../support/cluster';
import { docker, engramImage } from '../support/docker';
import { kubeVersion } from '../support/helm';
import { registryGet, startOciRegistry, type OciRegistry } from '../support/oci-registry';
import { runOk, workspaceRoot, type Result } from '../support/process';
import { scan } from '../support/scanners';

// The path of a release through a real OCI registry (tools/registry/oci.sh: TLS from a CA of its
// own, basic auth): the real Engram image pushed with docker and run by the cluster by digest, the
// chart pushed with helm and installed and upgraded from oci://. Nothing is imported into the node.
const scratch = mkdtempSync(join(tmpdir(), 'engram-oci-'));
const namespace = 'engram-oci';
const pullSecret = 'engram-registry';
const memoryPrefix = `oci-registry-${Date.now()}`;
const manifestTypes = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

let registry: OciRegistry;
let repository: string;
let digest: string;

beforeAll(() => {
  startCluster();
  registry = startOciRegistry(scratch);
  repository = `${registry.address}/engram`;
});

afterAll(() => {
  const cluster = stopCluster();
  rmSync(scratch, { recursive: true, force: true });
  if (cluster.status !== 0) throw new Error(`cluster.sh stop failed:\n${cluster.stderr}`);
});

/** The repository's model with the Engram image pinned to the pushed digest, at a chart version. */
function pinnedModel(appVersion: string): EngramDeployModel {
  if (!digest) throw new Error('no digest: the image push failed');
  const config = parse(readFileSync(join(workspaceRoot, 'deployments/engram.deploy.yaml'), 'utf8')) ?? {};
  config.appVersion = appVersion;
  config.image = { ...config.image, repository, digest, pullSecrets: [pullSecret] };
  return modelFromText(stringify(config), `engram.deploy.yaml pinned to ${digest}`);
}

/**
 * The image reference the renderers write for a pinned model: the tag (appVersion here, never
 * pushed) stays for people to read, the digest alone decides what is pulled.
 */
function pinnedReference(appVersion: string): string {
  if (!digest) throw new Error('no digest: the image push failed');
  return `${repository}:${appVersion}@${digest}`;
}

function writeFiles(files: { path: string; content: string | null }[]): void {
  for (const file of files) {
    if (file.content === null) continue;
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content);
  }
}

/** The generated chart of a model, packaged with `helm package`: the path of the .tgz. */
function packagedChart(model: EngramDeployModel): string {
  const directory = join(scratch, `chart-${model.appVersion}`, 'engram');
  writeFiles(chartFiles(model, directory));
  const packages = join(scratch, 'packages');
  const packaged = helmOk('package', directory, '--destination', packages);
  expect(packaged.stdout).toContain(`engram-${model.appVersion}.tgz`);
  return join(packages, `engram-${model.appVersion}.tgz`);
}

function helmOk(...args: string[]): Result {
  const result = helmLive(...args);
  if (result.status !== 0) {
    const where = args.includes('--namespace') ? diagnostics(namespace) : '';
    throw new Error(`helm ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}\n${where}`);
  }
  return result;
}

/** `helm push` of a packaged chart to oci://<registry>/charts: the digest it printed. */
function pushChart(chart: string, version: string): string {
  const pushed = helmOk(
    'push',
    chart,
    `oci://${registry.address}/charts`,
    '--registry-config',
    registry.helmRegistryConfig,
    '--ca-file',
    registry.ca,
  );
  const output = pushed.stdout + pushed.stderr;
  expect(output).toContain(`Pushed: ${registry.address}/charts/engram:${version}`);
  const chartDigest = /Digest: (sha256:[a-f0-9]{64})/.exec(output)?.[1];
  if (!chartDigest) throw new Error(`helm push printed no digest:\n${output}`);
  return chartDigest;
}

/** The images the node's containerd holds, by name. */
function nodeImages(): string[] {
  const socket = join(nodeDirectory, 'containerd', 'containerd.sock');
  return runOk('ctr', ['--address', socket, '--namespace', 'k8s.io', 'images', 'list', '-q']).stdout.trim().split('\n');
}

function enginePod(): PodView {
  const view = pod(namespace, 'engram-0');
  if (!view) throw new Error(`no pod engram-0\n${diagnostics(namespace)}`);
  return view;
}

async function withEngram<T>(use: (baseUrl: string) => Promise<T>): Promise<T> {
  const forward = await portForward(namespace, 'service/engram', 7432);
  try {
    return await use(forward.baseUrl);
  } finally {
    forward.close();
  }
}

interface CheckovCheck {
  check_id: string;
  file_path: string;
  resource: string;
}

describe('a release through a real OCI registry (TLS, basic auth)', () => {
  it('docker pushes the real Engram image; the registry serves it under the digest the push printed', () => {
    expect(registryGet(registry, '/v2/', { anonymous: true }).status).toBe(401);
    const tagged = `${repository}:e2e`;
    docker('tag', engramImage, tagged);
    const started = performance.now();
    const push = runOk('docker', ['--config', registry.dockerConfig, 'push', tagged], { timeoutSeconds: 600 });
    figure('docker push of the Engram image', (performance.now() - started) / 1000);
    const printed = /e2e: digest: (sha256:[a-f0-9]{64}) size: \d+/.exec(push.stdout)?.[1];
    if (!printed) throw new Error(`docker push printed no digest:\n${push.stdout}${push.stderr}`);
    digest = printed;
    console.log(`pushed ${repository}@${digest}`);

    // Content addressing, checked here rather than trusted: the manifest served under the digest
    // hashes to it.
    const manifest = registryGet(registry, `/v2/engram/manifests/${digest}`, { accept: manifestTypes });
    expect(manifest.status).toBe(200);
    expect(manifest.headers['docker-content-digest']).toBe(digest);
    expect(`sha256:${createHash('sha256').update(manifest.body).digest('hex')}`).toBe(digest);
    expect(
      registryGet(registry, `/v2/engram/manifests/${digest}`, { accept: manifestTypes, anonymous: true }).status,
    ).toBe(401);
  });

  it("checkov's digest check (CKV_K8S_43) passes with no suppression on the manifests and chart pinned to the digest", () => {
    const model = pinnedModel('1.0.0');
    const dir = join(scratch, 'checkov');
    mkdirSync(dir, { recursive: true });
    const kustomized = join(scratch, 'kubernetes');
    writeFiles(kubernetesFiles(model, kustomized));
    writeFileSync(join(dir, 'kubernetes.yaml'), runOk('kubectl', ['kustomize', kustomized]).stdout);
    const chart = join(scratch, 'chart-checkov', 'engram');
    writeFiles(chartFiles(model, chart));
    writeFileSync(
      join(dir, 'chart.yaml'),
      helmOk('template', 'engram', chart, '--namespace', namespace, '--kube-version', kubeVersion).stdout,
    );
    // The same manifests with the default model's tag: there the check is suppressed with a reason.
    const tagged = join(scratch, 'kubernetes-tagged');
    writeFiles(kubernetesFiles({ ...model, image: { ...model.image, digest: '' } }, tagged));
    writeFileSync(join(dir, 'tagged.yaml'), runOk('kubectl', ['kustomize', tagged]).stdout);

    for (const file of ['kubernetes.yaml', 'chart.yaml']) {
      const statefulSet = parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
        .map((document) => document.toJS())
        .find((object) => object?.kind === 'StatefulSet');
      expect(statefulSet.spec.template.spec.containers[0].image, file).toBe(pinnedReference('1.0.0'));
      expect(JSON.stringify(statefulSet.metadata.annotations ?? {}), file).not.toContain('CKV_K8S_43');
    }

    const result = scan(`checkov -d ${dir} --framework kubernetes --output json`);
    const report = JSON.parse(result.stdout);
    const checks = (kind: 'passed_checks' | 'failed_checks' | 'skipped_checks', file: string) =>
      (report.results[kind] as CheckovCheck[]).filter(
        (check) =>
          check.check_id === 'CKV_K8S_43' &&
          check.file_path.endsWith(file) &&
          check.resource.startsWith('StatefulSet.'),
      );
    for (const file of ['kubernetes.yaml', 'chart.yaml']) {
      expect(checks('passed_checks', file), file).toHaveLength(1);
      expect(checks('skipped_checks', file), file).toEqual([]);
    }
    expect(report.results.failed_checks.map((check: CheckovCheck) => `${check.check_id} ${check.file_path}`)).toEqual(
      [],
    );
    expect(checks('skipped_checks', 'tagged.yaml')).toHaveLength(1);
    expect(checks('passed_checks', 'tagged.yaml')).toEqual([]);
  });

  it('the chart pushed with helm installs from oci://; the cluster pulls the image by digest from the registry and turns Ready', async () => {
    const chart = packagedChart(pinnedModel('1.0.0'));
    // helm verifies the registry's certificate: without the CA the push is refused.
    const untrusted = helmLive(
      'push',
      chart,
      `oci://${registry.address}/charts`,
      '--registry-config',
      registry.helmRegistryConfig,
    );
    expect(untrusted.status).not.toBe(0);
    expect(untrusted.stderr).toMatch(/x509: certificate signed by unknown authority/);
    console.log(`pushed chart engram 1.0.0: ${pushChart(chart, '1.0.0')}`);

    expect(nodeImages().filter((image) => image.startsWith(registry.address))).toEqual([]);
    restrictedNamespace(namespace);
    // The pull Secret the model names, as `kubectl create secret docker-registry` writes it; sent on
    // stdin, so the password is on no command line.
    const auth = { username: registry.username, password: registry.password };
    const dockerConfigJson = JSON.stringify({
      auths: {
        [registry.address]: { ...auth, auth: Buffer.from(`${auth.username}:${auth.password}`).toString('base64') },
      },
    });
    kubectlApply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: pullSecret, namespace },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(dockerConfigJson).toString('base64') },
    });
    const started = performance.now();
    helmOk(
      'install',
      'engram',
      `oci://${registry.address}/charts/engram`,
      '--version',
      '1.0.0',
      '--registry-config',
      registry.helmRegistryConfig,
      '--ca-file',
      registry.ca,
      '--namespace',
      namespace,
      '--wait',
      '--timeout',
      '5m',
    );
    figure('helm install from oci:// --wait to Ready (image pulled by digest)', (performance.now() - started) / 1000);

    const { value: view } = await waitForPodReady(namespace, 'engram-0', 60);
    expect(view.spec.containers[0].image).toBe(pinnedReference('1.0.0'));
    // Only the digest can have been pulled: the registry has no tag 1.0.0.
    expect(registryGet(registry, '/v2/engram/manifests/1.0.0', { accept: manifestTypes }).status).toBe(404);
    expect((engramStatus(view) as { imageID?: string }).imageID).toBe(`${repository}@${digest}`);
    const pulled = kubectlJson<{ items: any[] }>(
      'get',
      'events',
      '--namespace',
      namespace,
      '--field-selector',
      'involvedObject.name=engram-0,reason=Pulled',
    ).items.map((event) => event.message as string);
    expect(
      pulled.some((message) => message.startsWith(`Successfully pulled image "${pinnedReference('1.0.0')}"`)),
      pulled.join('\n'),
    ).toBe(true);
    // The node's containerd fetched the manifest by digest from this registry, as the chart's user.
    expect(registry.log()).toMatch(
      new RegExp(
        `auth.user.name=${registry.username} .*http.request.method=(GET|HEAD) .*http.request.uri="?/v2/engram/manifests/${digest}"? .*http.request.useragent="?containerd/`,
      ),
    );
    expect(nodeImages()).toContain(`${repository}@${digest}`);
  });

  it('helm upgrade to the next pushed chart version rolls the pod and keeps the data', async () => {
    await withEngram(async (baseUrl) => {
      await writeMemories(baseUrl, memoryPrefix, 20);
      expect(await readMemories(baseUrl, memoryPrefix)).toEqual(expectedMemories(memoryPrefix, 20));
    });
    const before = enginePod();
    console.log(`pushed chart engram 1.0.1: ${pushChart(packagedChart(pinnedModel('1.0.1')), '1.0.1')}`);
    const started = performance.now();
    helmOk(
      'upgrade',
      'engram',
      `oci://${registry.address}/charts/engram`,
      '--version',
      '1.0.1',
      '--registry-config',
      registry.helmRegistryConfig,
      '--ca-file',
      registry.ca,
      '--namespace',
      namespace,
      '--wait',
      '--timeout',
      '5m',
    );
    figure('helm upgrade from oci:// to the next chart version --wait', (performance.now() - started) / 1000);
    const { value: after } = await waitForPodReady(namespace, 'engram-0', 120, before.metadata.uid);
    expect(after.spec.containers[0].image).toBe(pinnedReference('1.0.1'));
    expect((engramStatus(after) as { imageID?: string }).imageID).toBe(`${repository}@${digest}`);
    expect(kubectlJson('get', 'pod', 'engram-0', '--namespace', namespace).metadata.labels).toMatchObject({
      'helm.sh/chart': 'engram-1.0.1',
      'app.kubernetes.io/version': '1.0.1',
    });
    const history = JSON.parse(helmOk('history', 'engram', '--namespace', namespace, '-o', 'json').stdout);
    expect(history.map((revision: any) => [revision.revision, revision.chart, revision.status])).toEqual([
      [1, 'engram-1.0.0', 'superseded'],
      [2, 'engram-1.0.1', 'deployed'],
    ]);
    await withEngram(async (baseUrl) => {
      expect(await readMemories(baseUrl, memoryPrefix)).toEqual(expectedMemories(memoryPrefix, 20));
    });
  });
});
