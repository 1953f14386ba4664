import {
  commonLabels,
  configMapKey,
  metricsPath,
  objectNames,
  portNames,
  renderEngramToml,
  selectorLabels,
  serviceRoleLabel,
  type EngramDeployModel,
} from '@engram/config-schema';
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
  NetworkPolicyIngressRule,
  NetworkPolicyPeer,
} from 'kubernetes-types/networking/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { claimTemplate } from './render-statefulset';
import { asKubernetes } from './as-kubernetes';

export const packageName = '@engram/k8s';

function servicePorts(model: EngramDeployModel, nodePorts = false): ServicePort[] {
  const ports: ServicePort[] = [
    { name: portNames.http, port: model.ports.http, targetPort: portNames.http, protocol: 'TCP' },
    { name: portNames.grpc, port: model.ports.grpc, targetPort: portNames.grpc, protocol: 'TCP' },
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

/** Client Service: ClusterIP by default; LoadBalancer only with source ranges. */
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

/**
 * An example of the Ingress's TLS Secret (applied by hand, or issued by cert-manager: secrets never
 * live in the repository). Equivalent: kubectl create secret tls <name> --cert=... --key=...
 */
export function renderTlsSecretExample(model: EngramDeployModel): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: objectNames(model).tlsSecretExample, labels: commonLabels(model) },
    type: 'kubernetes.io/tls',
    stringData: {
      'tls.crt': 'REPLACE-WITH-THE-PEM-CERTIFICATE-CHAIN',
      'tls.key': 'REPLACE-WITH-THE-PEM-PRIVATE-KEY',
    },
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

/** The label that admits a client pod to Engram's ports through the NetworkPolicy. */
export function clientLabel(model: EngramDeployModel): Record<string, string> {
  const { key, value } = model.networkPolicy.clientLabel;
  return { [key]: value };
}

/** Whether Prometheus scrapes the pod: through the pod annotations or a ServiceMonitor. */
export function scrapingIsOn(model: EngramDeployModel): boolean {
  return model.monitoring.scrapeAnnotations || model.monitoring.serviceMonitor.enabled;
}

/** Pods of a namespace (the policy's own namespace when empty), as a NetworkPolicy peer. */
function podsOf(namespace: string, podLabels: Record<string, string>): NetworkPolicyPeer {
  return {
    ...(namespace ? { namespaceSelector: { matchLabels: { [namespaceNameLabel]: namespace } } } : {}),
    podSelector: { matchLabels: { ...podLabels } },
  };
}

/** Set by Kubernetes on every namespace: selects a namespace by its name. */
export const namespaceNameLabel = 'kubernetes.io/metadata.name';

/**
 * Closed by default: only pods carrying the client label (in the policy's namespace and the listed
 * client namespaces) and the extra peers reach both ports; the Prometheus scraper (when scraping is on)
 * and the ingress controller (when the Ingress is enabled) reach the HTTP port. Engram reaches DNS only.
 * allowExternal opens both ports to every source.
 */
export function renderNetworkPolicy(model: EngramDeployModel): NetworkPolicy {
  const { networkPolicy } = model;
  const http = { port: portNames.http, protocol: 'TCP' };
  const ports = [http, { port: portNames.grpc, protocol: 'TCP' }];
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
  const clients: NetworkPolicyPeer[] = [{ podSelector: { matchLabels: clientLabel(model) } }];
  if (networkPolicy.clientNamespaces.length) {
    clients.push({
      namespaceSelector: {
        matchExpressions: [{ key: namespaceNameLabel, operator: 'In', values: [...networkPolicy.clientNamespaces] }],
      },
      podSelector: { matchLabels: clientLabel(model) },
    });
  }
  clients.push(...asKubernetes<NetworkPolicyPeer[]>(networkPolicy.ingressFrom));
  const ingress: NetworkPolicyIngressRule[] = [{ ports, from: clients }];
  if (scrapingIsOn(model)) {
    const { namespace, podLabels } = networkPolicy.prometheus;
    ingress.push({ ports: [http], from: [podsOf(namespace, podLabels)] });
  }
  if (model.ingress.enabled && networkPolicy.ingressController.namespace) {
    const { namespace, podLabels } = networkPolicy.ingressController;
    ingress.push({ ports: [http], from: [podsOf(namespace, podLabels)] });
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: objectNames(model).networkPolicy, labels: commonLabels(model) },
    spec: {
      podSelector: { matchLabels: selectorLabels(model) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: networkPolicy.allowExternal ? [{ ports }] : ingress,
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

/**
 * Annotations the Ingress gets from the model: plain HTTP handling for the chosen controller, and the
 * cert-manager issuer. The model's own annotations come last and win.
 */
export function ingressAnnotations(model: EngramDeployModel): Record<string, string> {
  const { controller, plainHttp, certManager, annotations } = model.ingress;
  const derived: Record<string, string> = {};
  if (plainHttp !== 'allow' && controller === 'traefik') {
    // A router bound to the TLS entry point only: plain HTTP finds no route here (a redirect is a
    // second Ingress on the plain entry point, below).
    derived['traefik.ingress.kubernetes.io/router.entrypoints'] = 'websecure';
    derived['traefik.ingress.kubernetes.io/router.tls'] = 'true';
  }
  if (plainHttp === 'redirect' && controller === 'ingress-nginx') {
    derived['nginx.ingress.kubernetes.io/ssl-redirect'] = 'true';
    derived['nginx.ingress.kubernetes.io/force-ssl-redirect'] = 'true';
  }
  if (certManager.clusterIssuer) derived['cert-manager.io/cluster-issuer'] = certManager.clusterIssuer;
  if (certManager.issuer) derived['cert-manager.io/issuer'] = certManager.issuer;
  return { ...derived, ...annotations };
}

/**
 * Traefik redirects plain HTTP with a Middleware (its own CRD) on a router of the plain entry point:
 * one more Ingress with the same rules, which only redirects.
 */
export function traefikRedirectsPlainHttp(model: EngramDeployModel): boolean {
  const { enabled, controller, plainHttp } = model.ingress;
  return enabled && controller === 'traefik' && plainHttp === 'redirect';
}

/** Traefik's Middleware (traefik.io/v1alpha1 is a CRD: no kubernetes-types for it). */
export interface TraefikMiddleware {
  apiVersion: 'traefik.io/v1alpha1';
  kind: 'Middleware';
  metadata: { name: string; labels: Record<string, string> };
  spec: { redirectScheme: { scheme: 'https'; permanent: boolean } };
}

export function renderHttpsRedirectMiddleware(model: EngramDeployModel): TraefikMiddleware {
  return {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'Middleware',
    metadata: { name: objectNames(model).httpsRedirectMiddleware, labels: commonLabels(model) },
    spec: { redirectScheme: { scheme: 'https', permanent: true } },
  };
}

function ingressRules(model: EngramDeployModel): NonNullable<Ingress['spec']>['rules'] {
  const service = { name: objectNames(model).clientService, port: { name: portNames.http } };
  return model.ingress.hosts.map((host) => ({
    host: host.host,
    http: { paths: host.paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: { service } })) },
  }));
}

export function renderIngress(model: EngramDeployModel): Ingress {
  const { ingress } = model;
  const annotations = ingressAnnotations(model);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: objectNames(model).ingress,
      labels: commonLabels(model),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: {
      ...(ingress.className ? { ingressClassName: ingress.className } : {}),
      ...(ingress.tls.length
        ? { tls: ingress.tls.map((t) => ({ secretName: t.secretName, hosts: [...t.hosts] })) }
        : {}),
      rules: ingressRules(model),
    },
  };
}

/** The plain-HTTP Ingress of a Traefik redirect: the same hosts and paths, answered with a redirect to HTTPS. */
export function renderHttpRedirectIngress(model: EngramDeployModel): Ingress {
  const { ingress, kubernetes } = model;
  const names = objectNames(model);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: names.httpRedirectIngress,
      labels: commonLabels(model),
      annotations: {
        'traefik.ingress.kubernetes.io/router.entrypoints': 'web',
        // Traefik names a Middleware of its CRD provider <namespace>-<name>@kubernetescrd.
        'traefik.ingress.kubernetes.io/router.middlewares': `${kubernetes.namespace}-${names.httpsRedirectMiddleware}@kubernetescrd`,
        ...ingress.annotations,
      },
    },
    spec: {
      ...(ingress.className ? { ingressClassName: ingress.className } : {}),
      rules: ingressRules(model),
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
          port: portNames.http,
          path: metricsPath(model),
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
