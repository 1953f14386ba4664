import { renderEngramToml, type EngramDeployModel } from '@engram/config-schema';
import { createHash } from 'node:crypto';
import type {
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Secret,
  Service,
  ServiceAccount,
  ServicePort,
} from 'kubernetes-types/core/v1';
import type {
  Ingress,
  NetworkPolicy,
  NetworkPolicyEgressRule,
  NetworkPolicyPeer,
} from 'kubernetes-types/networking/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { claimTemplate } from './render-statefulset';
import { asKubernetes, commonLabels, configMapKey, objectNames, selectorLabels } from './names';

export const packageName = '@engram/k8s';

/** Tells the two Services apart, so a ServiceMonitor scrapes each pod once (through the client Service). */
export const serviceRoleLabel = 'engram/service-role';

function servicePorts(model: EngramDeployModel, nodePorts = false): ServicePort[] {
  const ports: ServicePort[] = [
    { name: 'http', port: model.ports.http, targetPort: 'http', protocol: 'TCP' },
    { name: 'grpc', port: model.ports.grpc, targetPort: 'grpc', protocol: 'TCP' },
  ];
  if (nodePorts) {
    const fixed = model.service.nodePorts;
    if (fixed.http !== null) (ports[0] as ServicePort).nodePort = fixed.http;
    if (fixed.grpc !== null) (ports[1] as ServicePort).nodePort = fixed.grpc;
  }
  return ports;
}

/** Headless Service: the StatefulSet's stable DNS identity, resolvable before the pod is ready. */
export function renderHeadlessService(model: EngramDeployModel): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: objectNames(model).headlessService,
      labels: { ...commonLabels(model), [serviceRoleLabel]: 'headless' },
    },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorLabels(model),
      ports: servicePorts(model),
    },
  };
}

/** Client Service: ClusterIP by default; LoadBalancer only with source ranges or auth. */
export function renderClientService(model: EngramDeployModel): Service {
  const { service } = model;
  const exposed = service.type !== 'ClusterIP';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: objectNames(model).clientService,
      labels: { ...commonLabels(model), [serviceRoleLabel]: 'client' },
      ...(Object.keys(service.annotations).length ? { annotations: { ...service.annotations } } : {}),
    },
    spec: {
      type: service.type,
      selector: selectorLabels(model),
      ports: servicePorts(model, exposed),
      sessionAffinity: service.sessionAffinity,
      ...(service.type === 'LoadBalancer' && service.loadBalancerSourceRanges.length
        ? { loadBalancerSourceRanges: [...service.loadBalancerSourceRanges] }
        : {}),
    },
  };
}

export function renderConfigMap(model: EngramDeployModel): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: objectNames(model).configMap, labels: commonLabels(model) },
    data: { [configMapKey]: renderEngramToml(model, packageName) },
  };
}

/** Digest of the ConfigMap's data, for the pod template annotation that rolls the pod on change. */
export function configChecksum(configMap: ConfigMap): string {
  return createHash('sha256').update(JSON.stringify(configMap.data)).digest('hex');
}

/** An example of the API key Secret (applied by hand: secrets never live in the repository). */
export function renderApiKeySecretExample(model: EngramDeployModel): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: objectNames(model).apiKeySecret, labels: commonLabels(model) },
    type: 'Opaque',
    stringData: { [model.kubernetes.apiKeySecret.key]: 'REPLACE-WITH-THE-API-KEY-FILE-CONTENT' },
  };
}

/** ServiceAccount with no token and no role binding: Engram never calls the Kubernetes API. */
export function renderServiceAccount(model: EngramDeployModel): ServiceAccount {
  const { serviceAccount } = model.kubernetes;
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: objectNames(model).serviceAccount,
      labels: commonLabels(model),
      ...(Object.keys(serviceAccount.annotations).length ? { annotations: { ...serviceAccount.annotations } } : {}),
    },
    automountServiceAccountToken: serviceAccount.automountToken,
  };
}

/**
 * Lets clients reach Engram's ports (everyone by default, so a fresh install works) and Engram reach
 * DNS only. With allowExternal false only the listed peers get in.
 */
export function renderNetworkPolicy(model: EngramDeployModel): NetworkPolicy {
  const { networkPolicy } = model;
  const ports = [
    { port: 'http', protocol: 'TCP' },
    { port: 'grpc', protocol: 'TCP' },
  ];
  const egress: NetworkPolicyEgressRule[] = [];
  if (networkPolicy.allowDnsEgress) {
    egress.push({
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
    });
  }
  egress.push(...asKubernetes<NetworkPolicyEgressRule[]>(networkPolicy.extraEgress));
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: objectNames(model).networkPolicy, labels: commonLabels(model) },
    spec: {
      podSelector: { matchLabels: selectorLabels(model) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        networkPolicy.allowExternal
          ? { ports }
          : { ports, from: asKubernetes<NetworkPolicyPeer[]>(networkPolicy.ingressFrom) },
      ],
      egress,
    },
  };
}

export function renderPodDisruptionBudget(model: EngramDeployModel): PodDisruptionBudget {
  const { minAvailable, maxUnavailable } = model.podDisruptionBudget;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: objectNames(model).podDisruptionBudget, labels: commonLabels(model) },
    spec: {
      ...(minAvailable !== null ? { minAvailable } : { maxUnavailable: maxUnavailable ?? 1 }),
      selector: { matchLabels: selectorLabels(model) },
    },
  };
}

/** The claim of existing-claim mode, for operators who create it with kubectl. */
export function renderExistingClaim(model: EngramDeployModel): PersistentVolumeClaim {
  const template = claimTemplate(model);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { ...template.metadata, name: model.persistence.existingClaim, labels: commonLabels(model) },
    spec: template.spec,
  };
}

export function renderIngress(model: EngramDeployModel): Ingress {
  const { ingress } = model;
  const service = { name: objectNames(model).clientService, port: { name: 'http' } };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: objectNames(model).ingress,
      labels: commonLabels(model),
      ...(Object.keys(ingress.annotations).length ? { annotations: { ...ingress.annotations } } : {}),
    },
    spec: {
      ...(ingress.className ? { ingressClassName: ingress.className } : {}),
      ...(ingress.tls.length
        ? { tls: ingress.tls.map((t) => ({ secretName: t.secretName, hosts: [...t.hosts] })) }
        : {}),
      rules: ingress.hosts.map((host) => ({
        host: host.host,
        http: { paths: host.paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: { service } })) },
      })),
    },
  };
}

/** Prometheus Operator ServiceMonitor (monitoring.coreos.com/v1 is a CRD: no kubernetes-types for it). */
export interface ServiceMonitor {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'ServiceMonitor';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    selector: { matchLabels: Record<string, string> };
    endpoints: { port: string; path: string; interval: string; scrapeTimeout: string }[];
  };
}

export function renderServiceMonitor(model: EngramDeployModel): ServiceMonitor {
  const { serviceMonitor } = model.monitoring;
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: objectNames(model).serviceMonitor, labels: { ...commonLabels(model), ...serviceMonitor.labels } },
    spec: {
      // Selects the client Service, not the headless one, so each pod is scraped once.
      selector: { matchLabels: { ...selectorLabels(model), [serviceRoleLabel]: 'client' } },
      endpoints: [
        {
          port: 'http',
          path: model.runtime.metricsPath,
          interval: serviceMonitor.interval,
          scrapeTimeout: serviceMonitor.scrapeTimeout,
        },
      ],
    },
  };
}

/** The namespace, with Pod Security "restricted" enforced. */
export function renderNamespace(model: EngramDeployModel): Namespace {
  const level = { enforce: 'restricted', audit: 'restricted', warn: 'restricted' };
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: model.kubernetes.namespace,
      labels: Object.fromEntries(
        Object.entries(level).map(([mode, value]) => [`pod-security.kubernetes.io/${mode}`, value]),
      ),
    },
  };
}
