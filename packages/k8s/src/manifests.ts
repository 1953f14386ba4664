import { generatedHeader, type EngramDeployModel, type RenderedFile } from '@engram/config-schema';
import { stringify } from 'yaml';
import { asKubernetes } from './as-kubernetes';
import {
  configChecksum,
  packageName,
  renderClientService,
  renderConfigMap,
  renderExistingClaim,
  renderHeadlessService,
  renderHttpRedirectIngress,
  renderHttpsRedirectMiddleware,
  renderIngress,
  renderNamespace,
  renderNetworkPolicy,
  renderPodDisruptionBudget,
  renderServiceAccount,
  renderServiceMonitor,
  renderTlsSecretExample,
  traefikRedirectsPlainHttp,
} from './render-objects';
import { renderStatefulSet } from './render-statefulset';

/** A Kubernetes object as written to YAML. */
export type Manifest = { apiVersion?: string; kind?: string; metadata?: { name?: string } } & object;

/** The slices of deployments/kubernetes, one per generator. */
export const sliceNames = [
  'namespace',
  'serviceaccount',
  'configmap',
  'secret',
  'service',
  'statefulset',
  'networkpolicy',
  'pdb',
  'pvc',
  'ingress',
  'servicemonitor',
  'extra',
] as const;
export type SliceName = (typeof sliceNames)[number];

export interface Slice {
  /** File name inside deployments/kubernetes. */
  file: string;
  /** Objects of the slice; empty when the model turns the slice off (its file is then removed). */
  objects: Manifest[];
  /** Applied by kubectl apply -k (examples are not). */
  applied: boolean;
}

/** Every slice of the manifest set, objects included, for a model. */
export function renderSlices(model: EngramDeployModel): Record<SliceName, Slice> {
  const configMap = renderConfigMap(model);
  const on = <T>(condition: boolean, objects: T[]) => (condition ? objects : []) as Manifest[];
  return {
    namespace: { file: 'namespace.yaml', objects: [renderNamespace(model)], applied: true },
    serviceaccount: {
      file: 'serviceaccount.yaml',
      objects: on(model.kubernetes.serviceAccount.create, [renderServiceAccount(model)]),
      applied: true,
    },
    configmap: { file: 'configmap.yaml', objects: [configMap], applied: true },
    secret: { file: 'secret.yaml.example', objects: [renderTlsSecretExample(model)], applied: false },
    service: {
      file: 'service.yaml',
      objects: [renderHeadlessService(model), renderClientService(model)],
      applied: true,
    },
    statefulset: {
      file: 'statefulset.yaml',
      objects: [renderStatefulSet(model, configChecksum(configMap))],
      applied: true,
    },
    networkpolicy: {
      file: 'networkpolicy.yaml',
      objects: on(model.networkPolicy.enabled, [renderNetworkPolicy(model)]),
      applied: true,
    },
    pdb: {
      file: 'pdb.yaml',
      objects: on(model.podDisruptionBudget.enabled, [renderPodDisruptionBudget(model)]),
      applied: true,
    },
    pvc: {
      file: 'pvc.yaml',
      objects: on(model.persistence.enabled && !!model.persistence.existingClaim, [renderExistingClaim(model)]),
      applied: true,
    },
    ingress: {
      file: 'ingress.yaml',
      objects: [
        ...on(model.ingress.enabled, [renderIngress(model)]),
        ...on(traefikRedirectsPlainHttp(model), [renderHttpRedirectIngress(model), renderHttpsRedirectMiddleware(model)]),
      ],
      applied: true,
    },
    servicemonitor: {
      file: 'servicemonitor.yaml',
      objects: on(model.monitoring.serviceMonitor.enabled, [renderServiceMonitor(model)]),
      applied: true,
    },
    extra: { file: 'extra.yaml', objects: asKubernetes<Manifest[]>(model.kubernetes.extraManifests), applied: true },
  };
}

/** YAML of a slice: the header, then one document per object. */
export function renderSliceFile(slice: Slice, model: EngramDeployModel): string {
  const documents = slice.objects.map((object) => stringify(object, { lineWidth: 0, aliasDuplicateObjects: false }));
  return `${generatedHeader(packageName, '#', model)}${documents.map((doc) => `---\n${doc}`).join('')}`;
}

export function renderKustomization(
  model: EngramDeployModel,
  slices: Record<SliceName, Slice>,
  directory: string,
): string {
  const resources = Object.values(slices)
    .filter((slice) => slice.applied && slice.objects.length)
    .map((slice) => slice.file);
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: model.kubernetes.namespace,
    resources,
  };
  return `${generatedHeader(packageName, '#', model)}# Apply with: kubectl apply -k ${directory}\n${stringify(kustomization, { lineWidth: 0 })}`;
}

/** Files of the given slices (or all, with the kustomization); `null` content means "remove the file". */
export function kubernetesFiles(
  model: EngramDeployModel,
  directory: string,
  only?: readonly SliceName[],
): { path: string; content: string | null; applied?: boolean }[] {
  const slices = renderSlices(model);
  const chosen = only ?? sliceNames;
  const files: { path: string; content: string | null; applied?: boolean }[] = chosen.map((name) => {
    const slice = slices[name];
    return {
      path: `${directory}/${slice.file}`,
      content: slice.objects.length ? renderSliceFile(slice, model) : null,
      applied: slice.applied,
    };
  });
  if (!only) files.push({ path: `${directory}/kustomization.yaml`, content: renderKustomization(model, slices, directory) });
  return files;
}

export type { RenderedFile };
