import type { LabelSelector } from 'kubernetes-types/meta/v1';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from 'kubernetes-types/networking/v1';

/**
 * A small evaluator of Kubernetes NetworkPolicy ingress rules, for tests that ask "would this policy let
 * that source in?" without a cluster. It follows the networking.k8s.io/v1 semantics:
 * - a policy applies to the pods of its namespace that its podSelector selects;
 * - with Ingress in policyTypes, a connection is admitted only when some ingress rule admits it; an
 *   empty ingress list admits nothing;
 * - a rule admits a connection when its ports (all ports when absent or empty) include the destination
 *   port and its peers (every source when absent or empty) include the source;
 * - a peer with only podSelector means pods of the policy's namespace; only namespaceSelector, every pod
 *   of the selected namespaces; both, the selected pods of the selected namespaces; ipBlock, source
 *   addresses in the CIDR but not in its exceptions (IPv4);
 * - an empty label selector selects everything; every namespace carries kubernetes.io/metadata.name.
 */

/** Where a connection comes from: a pod (namespace and labels) or an address outside the cluster. */
export interface Source {
  /** The pod's namespace; absent for a source outside the cluster. */
  namespace?: string;
  /** Extra labels of that namespace (kubernetes.io/metadata.name is added). */
  namespaceLabels?: Record<string, string>;
  /** The pod's labels. */
  labels?: Record<string, string>;
  /** The source IPv4 address, matched against ipBlock peers. */
  ip?: string;
}

/** The destination port on the selected pod, by container port name and number. */
export interface Destination {
  name: string;
  port: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, expression.key);
    const value = labels[expression.key];
    const values = expression.values ?? [];
    const holds =
      expression.operator === 'In'
        ? has && values.includes(value as string)
        : expression.operator === 'NotIn'
          ? !has || !values.includes(value as string)
          : expression.operator === 'Exists'
            ? has
            : expression.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!holds) return false;
  }
  return true;
}

function ipv4(address: string): number {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${address}`);
  }
  return parts.reduce((sum, part) => sum * 256 + part, 0);
}

function inCidr(address: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(address) / size) === Math.floor(ipv4(base as string) / size);
}

function peerAdmits(peer: NetworkPolicyPeer, policyNamespace: string, source: Source): boolean {
  if (peer.ipBlock) {
    if (!source.ip) return false;
    return inCidr(source.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(source.ip!, c));
  }
  if (source.namespace === undefined) return false;
  const namespaceLabels = { ...source.namespaceLabels, 'kubernetes.io/metadata.name': source.namespace };
  const namespaceMatches = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels)
    : source.namespace === policyNamespace;
  const podMatches = peer.podSelector ? selects(peer.podSelector, source.labels ?? {}) : true;
  return namespaceMatches && podMatches;
}

function portAdmits(port: NetworkPolicyPort, destination: Destination): boolean {
  if ((port.protocol ?? 'TCP') !== (destination.protocol ?? 'TCP')) return false;
  if (port.port === undefined) return true;
  if (typeof port.port === 'string') return port.port === destination.name;
  const end = port.endPort ?? port.port;
  return destination.port >= port.port && destination.port <= end;
}

/**
 * Whether `policy` (in `policyNamespace`) admits a connection from `source` to `destination` on a pod
 * with `targetLabels`. Throws when the policy does not select that pod, so a test cannot pass by
 * evaluating a policy that never applied.
 */
export function admits(
  policy: NetworkPolicy,
  policyNamespace: string,
  targetLabels: Record<string, string>,
  source: Source,
  destination: Destination,
): boolean {
  const spec = policy.spec;
  if (!spec || !selects(spec.podSelector, targetLabels)) {
    throw new Error(`the policy does not select a pod labelled ${JSON.stringify(targetLabels)}`);
  }
  const types = spec.policyTypes ?? ['Ingress'];
  if (!types.includes('Ingress')) return true;
  return (spec.ingress ?? []).some(
    (rule) =>
      (!rule.ports?.length || rule.ports.some((port) => portAdmits(port, destination))) &&
      (!rule.from?.length || rule.from.some((peer) => peerAdmits(peer, policyNamespace, source))),
  );
}

const http: Destination = { name: 'http', port: 7432 };
const grpc: Destination = { name: 'grpc', port: 50051 };

/**
 * What a policy answers for the sources that matter to Engram's default install (pods of the release
 * namespace with and without the client label, the same label elsewhere, Prometheus, the outside world),
 * on both ports. Compare it with `closedByDefault`.
 */
export function verdicts(
  policy: NetworkPolicy,
  namespace: string,
  engramLabels: Record<string, string>,
  clientLabel: Record<string, string>,
): Record<string, { http: boolean; grpc: boolean }> {
  const sources: Record<string, Source> = {
    'unlabelled pod in the release namespace': { namespace, labels: { app: 'some-workload' } },
    'pod with the client label key but another value': {
      namespace,
      labels: Object.fromEntries(Object.keys(clientLabel).map((key) => [key, 'no'])),
    },
    'labelled client in the release namespace': { namespace, labels: { app: 'client', ...clientLabel } },
    'labelled client in another namespace': { namespace: 'elsewhere', labels: clientLabel },
    'Prometheus in the monitoring namespace': {
      namespace: 'monitoring',
      labels: { 'app.kubernetes.io/name': 'prometheus' },
    },
    'unlabelled pod in the monitoring namespace': { namespace: 'monitoring', labels: {} },
    'address outside the cluster': { ip: '203.0.113.7' },
  };
  return Object.fromEntries(
    Object.entries(sources).map(([name, source]) => [
      name,
      {
        http: admits(policy, namespace, engramLabels, source, http),
        grpc: admits(policy, namespace, engramLabels, source, grpc),
      },
    ]),
  );
}

/** The default policy's answers: labelled clients of the release namespace, and Prometheus on HTTP. */
export const closedByDefault: ReturnType<typeof verdicts> = {
  'unlabelled pod in the release namespace': { http: false, grpc: false },
  'pod with the client label key but another value': { http: false, grpc: false },
  'labelled client in the release namespace': { http: true, grpc: true },
  'labelled client in another namespace': { http: false, grpc: false },
  'Prometheus in the monitoring namespace': { http: true, grpc: false },
  'unlabelled pod in the monitoring namespace': { http: false, grpc: false },
  'address outside the cluster': { http: false, grpc: false },
};
