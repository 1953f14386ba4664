import type { EngramDeployConfig } from '@engram/config-schema';

/** Model variants every Kubernetes renderer (raw manifests and Helm) must handle. */
export const modelVariants: Record<string, EngramDeployConfig> = {
  default: {},
  'persistence off': { persistence: { enabled: false } },
  'existing claim': { persistence: { existingClaim: 'engram-data', size: '50Gi', storageClass: 'standard' } },
  'LoadBalancer with source ranges': {
    service: { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8'], nodePorts: { http: 30432 } },
  },
  'monitoring on': { monitoring: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } } },
  'network policy off': { networkPolicy: { enabled: false } },
  'network policy open to every source': { networkPolicy: { allowExternal: true } },
  'custom UID': { security: { runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 } },
  'custom resources': {
    resources: {
      requests: { cpu: '250m', memory: '512Mi', ephemeralStorage: '256Mi' },
      limits: { cpu: '1', memory: '1Gi', ephemeralStorage: '512Mi' },
    },
  },
  'extra env and volumes': {
    kubernetes: {
      extraEnv: [{ name: 'OTEL_SERVICE_NAME', value: 'engram' }],
      extraVolumes: [{ name: 'scratch', emptyDir: { sizeLimit: '64Mi' } }],
      extraVolumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
    },
  },
  'non-default storage class': { persistence: { storageClass: 'fast-ssd', size: '100Gi' } },
  OnDelete: { statefulset: { updateStrategy: 'OnDelete' } },
  'ingress with TLS': {
    ingress: {
      enabled: true,
      className: 'nginx',
      controller: 'ingress-nginx',
      plainHttp: 'redirect',
      certManager: { clusterIssuer: 'letsencrypt' },
      hosts: [{ host: 'engram.example.com' }],
      tls: [{ secretName: 'engram-tls', hosts: ['engram.example.com'] }],
    },
    networkPolicy: { ingressController: { namespace: 'ingress-nginx' } },
  },
  'Traefik ingress redirecting plain HTTP': {
    ingress: {
      enabled: true,
      className: 'traefik',
      controller: 'traefik',
      plainHttp: 'redirect',
      annotations: { 'example.com/owner': 'storage' },
      hosts: [{ host: 'engram.example.com' }],
      tls: [{ secretName: 'engram-tls', hosts: ['engram.example.com'] }],
    },
    kubernetes: { namespace: 'memory' },
    networkPolicy: { ingressController: { namespace: 'traefik' } },
  },
  'client namespaces and extra peers with PDB minAvailable 0': {
    networkPolicy: {
      clientNamespaces: ['apps'],
      ingressFrom: [{ podSelector: { matchLabels: { role: 'engram-client' } } }],
    },
    podDisruptionBudget: { maxUnavailable: null, minAvailable: 0 },
  },
  'renamed release in its own namespace': {
    name: 'memory-store',
    kubernetes: { namespace: 'knowledge' },
    ingress: {
      enabled: true,
      hosts: [{ host: 'memory.example.com' }],
      tls: [{ secretName: 'memory-tls', hosts: ['memory.example.com'] }],
    },
    networkPolicy: { ingressController: { namespace: 'ingress-nginx' } },
    monitoring: { serviceMonitor: { enabled: true } },
    // The conditional rows of the runtime contract, switched on.
    runtime: { allocator: { largeOsPages: true, reserveHugeOsPages: 2, purgeDelayMs: 250 } },
    engram: { security: { apiKeysStoragePath: '/var/lib/engram/api-keys' } },
  },
};
