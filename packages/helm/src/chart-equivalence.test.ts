import { normalize, type EngramDeployModel } from '@engram/config-schema';
import { renderSlices } from '@engram/k8s';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { modelVariants } from '../../k8s/test/variants';
import { chartFiles } from './render-chart';

// The chart is a second implementation of what @engram/k8s renders: for every model, the chart
// generated from it, rendered by the real helm under the model's name and namespace, must give the
// same objects, apart from Helm-only labels and annotations, the release namespace, the config
// checksum (digests of different texts), the test hook, and the example TLS Secret (the chart
// leaves the Ingress's certificate to the operator or cert-manager).

/** helm as tools/scanners/install.sh installs it (`bash tools/setup.sh` does), else the one on PATH. */
const helmBinary = [
  join(process.env.ENGRAM_DEPLOY_CACHE ?? join(homedir(), '.cache/engram-deploy'), 'scanners/bin/helm'),
  'helm',
].find((candidate) => spawnSync(candidate, ['version', '--short']).status === 0);
/** helm template needs a Kubernetes version inside the chart's kubeVersion range. */
const kubeVersion = '1.35.0';

type K8sObject = {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; namespace?: string };
  [key: string]: any;
};

const scratch = mkdtempSync(join(tmpdir(), 'engram-chart-equivalence-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The chart generated for `model`, rendered by helm as `helm install <model name> --namespace <model namespace>` would. */
function helmTemplate(model: EngramDeployModel, variant: string): K8sObject[] {
  if (!helmBinary) throw new Error('helm is not installed: `bash tools/setup.sh` installs it (tools/scanners/install.sh helm)');
  const directory = join(scratch, variant.replace(/[^a-z0-9]+/gi, '-'), 'engram');
  for (const file of chartFiles(model, directory)) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content);
  }
  const namespace = model.kubernetes.namespace;
  const args = ['template', model.name, directory, '--namespace', namespace, '--kube-version', kubeVersion];
  // The ServiceMonitor renders only where the cluster serves its CRD.
  args.push('--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor');
  const result = spawnSync(helmBinary, args, { encoding: 'utf8' });
  expect(result.status, `${variant}: ${result.stderr}`).toBe(0);
  return parseAllDocuments(result.stdout, { version: '1.1' })
    .map((doc) => doc.toJS() as K8sObject)
    .filter((object) => object?.kind);
}

const helmOnlyLabels = ['helm.sh/chart', 'app.kubernetes.io/managed-by'];
const helmOnlyAnnotations = ['checksum/config', 'helm.sh/resource-policy'];

function strip(metadata?: K8sObject['metadata']): void {
  if (!metadata) return;
  for (const label of helmOnlyLabels) delete metadata.labels?.[label];
  for (const annotation of helmOnlyAnnotations) delete metadata.annotations?.[annotation];
  delete metadata.namespace;
  // checkov suppressions: compared as a set of reasons (their numbering differs), without the
  // Helm-only one for the release namespace.
  const annotations = metadata.annotations ?? {};
  const reasons = Object.keys(annotations)
    .filter((key) => key.startsWith('checkov.io/skip'))
    .map((key) => {
      const reason = annotations[key] as string;
      delete annotations[key];
      return reason;
    })
    .filter((reason) => !reason.startsWith('CKV_K8S_21='))
    .sort();
  if (reasons.length) annotations['checkov.io/skip'] = reasons.join('\n');
  if (metadata.annotations && Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
}

function comparable(object: K8sObject): K8sObject {
  const copy = structuredClone(object);
  strip(copy.metadata);
  strip(copy.spec?.template?.metadata);
  if (copy.kind === 'ConfigMap') copy.data['engram.toml'] = parseToml(copy.data['engram.toml'], { integersAsBigInt: true });
  if (copy.kind === 'Secret') copy.stringData = Object.keys(copy.stringData ?? {});
  return copy;
}

const key = (object: K8sObject) => `${object.kind}/${object.metadata.name}`;
const sorted = (list: K8sObject[]) => list.map(comparable).sort((a, b) => key(a).localeCompare(key(b)));

/** What @engram/k8s renders and applies for the model, without the Namespace (helm's --create-namespace makes it). */
function rawObjects(model: EngramDeployModel): K8sObject[] {
  return Object.values(renderSlices(model))
    .filter((slice) => slice.applied)
    .flatMap((slice) => slice.objects as K8sObject[])
    .filter((object) => object.kind !== 'Namespace');
}

const variants: Record<string, EngramDeployModel> = Object.fromEntries(
  Object.entries(modelVariants).map(([name, config]) => [name, normalize(structuredClone(config))]),
);

describe('the generated chart, rendered by the real helm, and the manifests of @engram/k8s', () => {
  it('cover a renamed release in a namespace of its own', () => {
    expect(Object.values(variants).some((model) => model.name !== 'engram' && model.kubernetes.namespace !== 'engram')).toBe(
      true,
    );
  });

  it.each(Object.keys(variants))('render the same objects for the %s model, apart from Helm-only metadata', (variant) => {
    const model = variants[variant]!;
    const chart = helmTemplate(model, variant).filter((object) => !object.metadata.annotations?.['helm.sh/hook']);
    const raw = rawObjects(model);
    expect(sorted(chart).map(key)).toEqual(sorted(raw).map(key));
    expect(sorted(chart)).toEqual(sorted(raw));
  });
});
