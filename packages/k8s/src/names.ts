import type { EngramDeployModel } from '@engram/config-schema';

/** Object names, all derived from the application name so several installs can share a namespace. */
export function objectNames(model: EngramDeployModel) {
  const name = model.name;
  return {
    statefulSet: name,
    headlessService: `${name}-headless`,
    clientService: name,
    configMap: `${name}-config`,
    serviceAccount: model.kubernetes.serviceAccount.name,
    tlsSecretExample: model.ingress.tls[0]?.secretName || `${name}-tls`,
    networkPolicy: name,
    podDisruptionBudget: name,
    ingress: name,
    httpRedirectIngress: `${name}-http-redirect`,
    httpsRedirectMiddleware: `${name}-https-redirect`,
    serviceMonitor: name,
    dataVolume: 'data',
    configVolume: 'config',
    tmpVolume: 'tmp',
    container: 'engram',
  } as const;
}

/** Names of the container's ports, which Services, probes, the NetworkPolicy and the Ingress refer to. */
export const portNames = { http: 'http', grpc: 'grpc' } as const;

/** The ConfigMap key that holds Engram's config.toml. */
export const configMapKey = 'engram.toml';

/** Labels that select Engram's pods. They never change after install: selectors are immutable. */
export function selectorLabels(model: EngramDeployModel): Record<string, string> {
  return { 'app.kubernetes.io/name': 'engram', 'app.kubernetes.io/instance': model.name };
}

/** Kubernetes recommended labels, the task's `app` label, and the model's common labels. */
export function commonLabels(model: EngramDeployModel): Record<string, string> {
  return {
    ...model.kubernetes.commonLabels,
    app: 'engram',
    ...selectorLabels(model),
    'app.kubernetes.io/version': model.appVersion,
    'app.kubernetes.io/component': 'database',
    'app.kubernetes.io/part-of': 'engram',
  };
}

/**
 * A free-form part of the model (tolerations, extra volumes, ...) as the Kubernetes type it holds.
 * The model only checks its shape loosely; the Kubernetes API validates it.
 */
export function asKubernetes<T>(value: unknown): T {
  return structuredClone(value) as T;
}
