import {
  commonLabels,
  configFilePath,
  configMapKey,
  contractProbes,
  engramImage,
  metricsPath,
  modelValue,
  objectNames,
  portNames,
  renderContainerEnv,
  selectorLabels,
  startArguments,
  type EngramDeployModel,
} from '@engram/config-schema';
import type { StatefulSet } from 'kubernetes-types/apps/v1';
import type {
  Affinity,
  Container,
  PodDNSConfig,
  Toleration,
  TopologySpreadConstraint,
  EnvVar,
  PersistentVolumeClaim,
  PodSecurityContext,
  Probe,
  SecurityContext,
  Volume,
  VolumeMount,
} from 'kubernetes-types/core/v1';
import { asKubernetes } from './as-kubernetes';

type ProbeTimings = EngramDeployModel['probes']['startup'];

/** The checksum annotation key: a changed config.toml changes the pod template, which rolls the pod. */
export const configChecksumAnnotation = 'checksum/config';

function probe(path: string, timings: ProbeTimings): Probe | undefined {
  if (!timings.enabled) return undefined;
  const { enabled: _enabled, ...rest } = timings;
  return { httpGet: { path, port: portNames.http }, ...rest };
}

function quantities(set: EngramDeployModel['resources']['requests']): Record<string, string> | undefined {
  const result: Record<string, string> = {};
  if (set.cpu) result.cpu = set.cpu;
  if (set.memory) result.memory = set.memory;
  if (set.ephemeralStorage) result['ephemeral-storage'] = set.ephemeralStorage;
  return Object.keys(result).length ? result : undefined;
}

function seccompProfile(model: EngramDeployModel): PodSecurityContext['seccompProfile'] {
  const { seccompProfile: type, seccompLocalhostProfile } = model.security;
  return type === 'Localhost' ? { type, localhostProfile: seccompLocalhostProfile } : { type };
}

export function podSecurityContext(model: EngramDeployModel): PodSecurityContext {
  const { security } = model;
  return {
    runAsNonRoot: true,
    runAsUser: security.runAsUser,
    runAsGroup: security.runAsGroup,
    fsGroup: security.fsGroup,
    fsGroupChangePolicy: security.fsGroupChangePolicy,
    seccompProfile: seccompProfile(model),
  };
}

export function containerSecurityContext(model: EngramDeployModel): SecurityContext {
  const { security } = model;
  const capabilities: SecurityContext['capabilities'] = { drop: [...security.capabilities.drop] };
  if (security.capabilities.add.length) capabilities.add = [...security.capabilities.add];
  return {
    allowPrivilegeEscalation: security.allowPrivilegeEscalation,
    readOnlyRootFilesystem: security.readOnlyRootFilesystem,
    runAsNonRoot: true,
    runAsUser: security.runAsUser,
    runAsGroup: security.runAsGroup,
    capabilities,
    seccompProfile: seccompProfile(model),
  };
}

function volumesAndMounts(model: EngramDeployModel): { volumes: Volume[]; mounts: VolumeMount[] } {
  const names = objectNames(model);
  const { runtime, persistence } = model;
  const configDir = configFilePath(model).slice(0, -model.runtime.configFile.length - 1);
  const mounts: VolumeMount[] = [
    { name: names.dataVolume, mountPath: runtime.dataDir },
    { name: names.configVolume, mountPath: configDir, readOnly: true },
    { name: names.tmpVolume, mountPath: runtime.tmpDir },
  ];
  const volumes: Volume[] = [
    {
      name: names.configVolume,
      configMap: {
        name: names.configMap,
        defaultMode: 0o444,
        items: [{ key: configMapKey, path: model.runtime.configFile }],
      },
    },
    { name: names.tmpVolume, emptyDir: { sizeLimit: runtime.tmpSize } },
  ];
  if (!persistence.enabled) {
    volumes.push({ name: names.dataVolume, emptyDir: {} });
  } else if (persistence.existingClaim) {
    volumes.push({ name: names.dataVolume, persistentVolumeClaim: { claimName: persistence.existingClaim } });
  }
  mounts.push(...asKubernetes<VolumeMount[]>(model.kubernetes.extraVolumeMounts));
  volumes.push(...asKubernetes<Volume[]>(model.kubernetes.extraVolumes));
  return { volumes, mounts };
}

export function engramContainer(model: EngramDeployModel, mounts: VolumeMount[]): Container {
  const { runtime, resources } = model;
  const env: EnvVar[] = [...renderContainerEnv(model), ...asKubernetes<EnvVar[]>(model.kubernetes.extraEnv)];
  const requests = quantities(resources.requests);
  const limits = quantities(resources.limits);
  const container: Container = {
    name: objectNames(model).container,
    image: engramImage(model),
    imagePullPolicy: model.image.pullPolicy,
    command: [runtime.binaryPath],
    args: startArguments(model),
    ports: [
      { name: portNames.http, containerPort: model.ports.http, protocol: 'TCP' },
      { name: portNames.grpc, containerPort: model.ports.grpc, protocol: 'TCP' },
    ],
    env,
    ...Object.fromEntries(
      contractProbes.map((row) => [
        `${row.probe}Probe`,
        probe(String(modelValue(model, row.path)), modelValue(model, row.timings) as ProbeTimings),
      ]),
    ),
    resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
    securityContext: containerSecurityContext(model),
    volumeMounts: mounts,
  };
  return JSON.parse(JSON.stringify(container));
}

/** The claim template: selector labels only, because every field of it is immutable after install. */
export function claimTemplate(model: EngramDeployModel): PersistentVolumeClaim {
  const { persistence } = model;
  const spec: PersistentVolumeClaim['spec'] = {
    accessModes: [...persistence.accessModes],
    resources: { requests: { storage: persistence.size } },
  };
  if (persistence.storageClass)
    spec.storageClassName = persistence.storageClass === '-' ? '' : persistence.storageClass;
  return {
    metadata: {
      name: objectNames(model).dataVolume,
      labels: selectorLabels(model),
      ...(Object.keys(persistence.annotations).length ? { annotations: { ...persistence.annotations } } : {}),
    },
    spec,
  };
}

function podAnnotations(model: EngramDeployModel, configChecksum: string): Record<string, string> {
  const annotations: Record<string, string> = { [configChecksumAnnotation]: configChecksum };
  if (model.monitoring.scrapeAnnotations) {
    annotations['prometheus.io/scrape'] = 'true';
    annotations['prometheus.io/port'] = String(model.ports.http);
    annotations['prometheus.io/path'] = metricsPath(model);
  }
  return { ...annotations, ...model.kubernetes.podAnnotations };
}

/**
 * checkov findings that are deliberate model choices, suppressed with the reason, and only while the
 * model makes that choice.
 */
function scannerSuppressions(model: EngramDeployModel): { annotations?: Record<string, string> } {
  const reasons: string[] = [];
  if (!model.image.digest) {
    reasons.push('CKV_K8S_43=The image is pinned by a release tag; set image.digest in the model to pin by digest');
  }
  if (model.image.pullPolicy !== 'Always') {
    reasons.push(
      'CKV_K8S_15=Release tags are immutable, so IfNotPresent avoids a registry round trip on every restart; image.pullPolicy sets Always',
    );
  }
  if (!reasons.length) return {};
  return { annotations: Object.fromEntries(reasons.map((reason, index) => [`checkov.io/skip${index + 1}`, reason])) };
}

/** The Engram StatefulSet; `configChecksum` is a digest of the ConfigMap it mounts. */
export function renderStatefulSet(model: EngramDeployModel, configChecksum: string): StatefulSet {
  const names = objectNames(model);
  const { statefulset, scheduling, persistence } = model;
  const { volumes, mounts } = volumesAndMounts(model);
  const usesClaimTemplate = persistence.enabled && !persistence.existingClaim;
  const statefulSet: StatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: names.statefulSet, labels: commonLabels(model), ...scannerSuppressions(model) },
    spec: {
      serviceName: names.headlessService,
      replicas: statefulset.replicas,
      podManagementPolicy: statefulset.podManagementPolicy,
      updateStrategy: { type: statefulset.updateStrategy },
      revisionHistoryLimit: statefulset.revisionHistoryLimit,
      minReadySeconds: statefulset.minReadySeconds,
      ...(usesClaimTemplate ? { persistentVolumeClaimRetentionPolicy: { ...persistence.retentionPolicy } } : {}),
      selector: { matchLabels: selectorLabels(model) },
      template: {
        metadata: {
          labels: { ...model.kubernetes.podLabels, ...commonLabels(model) },
          annotations: podAnnotations(model, configChecksum),
        },
        spec: {
          serviceAccountName: names.serviceAccount,
          automountServiceAccountToken: model.kubernetes.serviceAccount.automountToken,
          enableServiceLinks: false,
          securityContext: podSecurityContext(model),
          terminationGracePeriodSeconds: model.runtime.stopGracePeriodSeconds,
          ...(model.image.pullSecrets.length
            ? { imagePullSecrets: model.image.pullSecrets.map((name) => ({ name })) }
            : {}),
          ...(scheduling.priorityClassName ? { priorityClassName: scheduling.priorityClassName } : {}),
          ...(Object.keys(scheduling.nodeSelector).length ? { nodeSelector: { ...scheduling.nodeSelector } } : {}),
          // Free-form Kubernetes objects in the model; the API server validates them.
          ...(scheduling.tolerations.length ? { tolerations: asKubernetes<Toleration[]>(scheduling.tolerations) } : {}),
          ...(Object.keys(scheduling.affinity).length ? { affinity: asKubernetes<Affinity>(scheduling.affinity) } : {}),
          ...(scheduling.topologySpreadConstraints.length
            ? {
                topologySpreadConstraints: asKubernetes<TopologySpreadConstraint[]>(
                  scheduling.topologySpreadConstraints,
                ),
              }
            : {}),
          ...(Object.keys(model.kubernetes.dnsConfig).length
            ? { dnsConfig: asKubernetes<PodDNSConfig>(model.kubernetes.dnsConfig) }
            : {}),
          containers: [engramContainer(model, mounts)],
          volumes,
        },
      },
      ...(usesClaimTemplate ? { volumeClaimTemplates: [claimTemplate(model)] } : {}),
    },
  };
  return statefulSet;
}
