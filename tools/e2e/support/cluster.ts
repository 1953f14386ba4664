import { spawn, type ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { join } from 'node:path';
import { buildImage } from './docker';
import { EngramApi } from './engram-api';
import { harnessCache, run, runOk, sleep, workspaceRoot, type Result } from './process';

/** The single-node cluster of tools/kube/cluster.sh: its release, files and addresses. */
export const clusterVersion = 'v1.35.4';
const clusterRoot = process.env.ENGRAM_KUBE_CLUSTER_STATE_DIR ?? join(harnessCache, 'kube', 'cluster');
export const kubeconfig = join(clusterRoot, clusterVersion, 'kubeconfig');
export const nodeDirectory = join(clusterRoot, 'node');
const kubectlBinary = process.env.ENGRAM_KUBECTL ?? join(harnessCache, 'kube', 'bin', clusterVersion, 'kubectl');
/** CoreDNS answers on the pods' bridge gateway (cluster.sh). */
export const clusterDnsServer = '10.244.0.1';
/** Built by tools/kube/images.sh: sh and curl for the chart's helm test pod. */
export const testClientImage = { repository: 'localhost/engram-test-client', tag: 'trixie' };
export const engramRepository = 'localhost/engram';

/**
 * The spec of a pod that only waits, from which a test connects with curl: the chart's test-client
 * image, under Pod Security "restricted".
 */
export function waitingClientPodSpec() {
  return {
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: 1,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: 'client',
        image: `${testClientImage.repository}:${testClientImage.tag}`,
        imagePullPolicy: 'Never',
        command: ['sh', '-c', 'sleep 3600'],
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
      },
    ],
  };
}

/** Prints a measured figure in one greppable form, so the test output can be quoted. */
export function figure(name: string, seconds: number): void {
  console.log(`[figure] ${name}: ${seconds.toFixed(1)} s`);
}

/** Starts the cluster (or reuses a running one) and returns the seconds it reported to node Ready. */
export function startCluster(): number | undefined {
  const result = runOk('bash', ['tools/kube/cluster.sh', 'start'], { timeoutSeconds: 3600 });
  const match = /node \S+ Ready ([\d.]+)s after start/.exec(result.stderr);
  if (match) figure('cluster start to node Ready', Number(match[1]));
  return match ? Number(match[1]) : undefined;
}

export function stopCluster(): Result {
  return run('bash', ['tools/kube/cluster.sh', 'stop'], { timeoutSeconds: 300 });
}

export function kubectl(...args: string[]): Result {
  return run(kubectlBinary, ['--kubeconfig', kubeconfig, ...args], { timeoutSeconds: 300 });
}

export function kubectlOk(...args: string[]): Result {
  return runOk(kubectlBinary, ['--kubeconfig', kubeconfig, ...args], { timeoutSeconds: 300 });
}

export function kubectlJson<T = any>(...args: string[]): T {
  return JSON.parse(kubectlOk(...args, '-o', 'json').stdout) as T;
}

/** helm (tools/scanners/install.sh) against the cluster. */
export function helmLive(...args: string[]): Result {
  return run('bash', ['-c', 'source tools/scanners/env.sh && exec helm "$@"', 'helm', ...args], {
    cwd: workspaceRoot,
    timeoutSeconds: 600,
    env: { ...process.env, KUBECONFIG: kubeconfig },
  });
}

/** Builds the real Engram from the generated Dockerfile and copies it into the node's containerd. */
export function buildEngramImage(tag: string, revision: string): string {
  const image = `${engramRepository}:${tag}`;
  buildImage({ tag: image, buildArgs: { REVISION: revision } });
  runOk('bash', ['tools/kube/cluster.sh', 'import', image], { timeoutSeconds: 600 });
  return image;
}

/** A namespace that enforces Pod Security "restricted", as the generated manifests declare theirs. */
export function restrictedNamespace(name: string): void {
  kubectl('create', 'namespace', name);
  kubectlOk(
    'label',
    'namespace',
    name,
    '--overwrite',
    'pod-security.kubernetes.io/enforce=restricted',
    'pod-security.kubernetes.io/audit=restricted',
    'pod-security.kubernetes.io/warn=restricted',
  );
}

/** What an operator looks at when a pod does not come up: events, pod status, logs, previous logs. */
export function diagnostics(namespace: string): string {
  const sections: [string, string[]][] = [
    ['events', ['get', 'events', '-n', namespace, '--sort-by=.lastTimestamp']],
    ['pods', ['get', 'pods,pvc', '-n', namespace, '-o', 'wide']],
    ['describe', ['describe', 'pods', '-n', namespace]],
    ['logs', ['logs', '-n', namespace, '-l', 'app.kubernetes.io/name=engram', '--all-containers', '--tail=60']],
    [
      'previous logs',
      ['logs', '-n', namespace, '-l', 'app.kubernetes.io/name=engram', '--all-containers', '--previous', '--tail=60'],
    ],
  ];
  return sections
    .map(([title, args]) => {
      const result = kubectl(...args);
      return `--- ${title} (${namespace}) ---\n${result.stdout}${result.stderr}`;
    })
    .join('\n');
}

/** Polls `check` until it returns a value; on timeout throws with the namespace's diagnostics. */
export async function waitInCluster<T>(
  namespace: string,
  what: string,
  check: () => T | undefined,
  timeoutSeconds: number,
): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  let last = '';
  while (performance.now() - started < timeoutSeconds * 1000) {
    try {
      const value = check();
      if (value !== undefined) return { value, seconds: (performance.now() - started) / 1000 };
    } catch (error) {
      last = String(error);
    }
    await sleep(500);
  }
  throw new Error(
    `timed out after ${timeoutSeconds} s waiting for ${what}${last ? ` (${last})` : ''}\n${diagnostics(namespace)}`,
  );
}

export interface PodView {
  metadata: { name: string; uid: string; annotations?: Record<string, string> };
  spec: any;
  status: {
    podIP?: string;
    phase?: string;
    conditions?: { type: string; status: string; lastTransitionTime: string }[];
    containerStatuses?: { name: string; ready: boolean; restartCount: number; image: string; containerID?: string }[];
  };
}

export function pod(namespace: string, name: string): PodView | undefined {
  const result = kubectl('get', 'pod', name, '-n', namespace, '-o', 'json');
  return result.status === 0 ? (JSON.parse(result.stdout) as PodView) : undefined;
}

/** The status of the pod's (only) Engram container. */
export function engramStatus(view: PodView): NonNullable<PodView['status']['containerStatuses']>[number] {
  const status = view.status.containerStatuses?.find((container) => container.name === 'engram');
  if (!status) throw new Error(`pod ${view.metadata.name} has no engram container status`);
  return status;
}

export function readySince(view: PodView | undefined): string | undefined {
  const ready = view?.status.conditions?.find((condition) => condition.type === 'Ready');
  return ready?.status === 'True' ? ready.lastTransitionTime : undefined;
}

/** Waits until pod `name` is Ready (and, when given, is not the pod with uid `notUid`). */
export async function waitForPodReady(
  namespace: string,
  name: string,
  timeoutSeconds: number,
  notUid?: string,
): Promise<{ value: PodView; seconds: number }> {
  return waitInCluster(
    namespace,
    `pod ${namespace}/${name} Ready`,
    () => {
      const view = pod(namespace, name);
      return view && view.metadata.uid !== notUid && readySince(view) ? view : undefined;
    },
    timeoutSeconds,
  );
}

/** Probe failures the kubelet reported for a pod after `since` (ISO time). */
export function probeFailuresAfter(namespace: string, podName: string, since: string): string[] {
  const events = kubectlJson<{ items: any[] }>(
    'get',
    'events',
    '-n',
    namespace,
    '--field-selector',
    `involvedObject.name=${podName}`,
  ).items;
  return events
    .filter((event) => event.reason === 'Unhealthy' || /probe failed/i.test(event.message ?? ''))
    .filter((event) => Date.parse(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp) > Date.parse(since))
    .map((event) => `${event.lastTimestamp ?? event.eventTime}: ${event.message}`);
}

export interface PortForward {
  port: number;
  baseUrl: string;
  close(): void;
}

/** `kubectl port-forward` on 127.0.0.1 to a pod or service; resolves once it listens. */
export function portForward(namespace: string, target: string, remotePort: number): Promise<PortForward> {
  const child: ChildProcess = spawn(
    kubectlBinary,
    ['--kubeconfig', kubeconfig, 'port-forward', '--address', '127.0.0.1', '-n', namespace, target, `:${remotePort}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`kubectl port-forward ${target} did not listen within 30 s: ${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        const port = Number(match[1]);
        resolve({ port, baseUrl: `http://127.0.0.1:${port}`, close: () => child.kill() });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward ${target} exited ${code}: ${output}`));
    });
  });
}

/** Streams a container's log until the container ends (kubectl logs -f), for reading its last lines. */
export function followLogs(namespace: string, podName: string): { done: Promise<string> } {
  const child = spawn(kubectlBinary, ['--kubeconfig', kubeconfig, 'logs', '-f', '-n', namespace, podName], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<string>((resolve) => {
    const timer = setTimeout(() => child.kill(), 120_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
  return { done };
}

/** Resolves a name through the cluster's DNS (CoreDNS on the pods' bridge). */
export async function clusterDns(name: string): Promise<string[]> {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([clusterDnsServer]);
  return resolver.resolve4(name);
}

/** The host process of a pod's container: its pid, read from the node's containerd. */
export function containerProcess(containerId: string): number {
  const socket = join(nodeDirectory, 'containerd', 'containerd.sock');
  const id = containerId.replace(/^containerd:\/\//, '');
  const tasks = runOk('ctr', ['--address', socket, '--namespace', 'k8s.io', 'tasks', 'list']).stdout;
  const line = tasks.split('\n').find((row) => row.startsWith(id));
  if (!line) throw new Error(`no running task ${id} in the node's containerd:\n${tasks}`);
  return Number(line.trim().split(/\s+/)[1]);
}

/** The ids of the memories this process wrote, by prefix: readMemories reads them back. */
const writtenIds = new Map<string, string[]>();

/**
 * Writes `count` memories with a common prefix, a few requests at a time, each with its own
 * embedding and read back by its id, so every write is known to have landed.
 */
export async function writeMemories(baseUrl: string, prefix: string, count: number): Promise<void> {
  const api = new EngramApi(baseUrl);
  const failures: string[] = [];
  const ids = writtenIds.get(prefix) ?? [];
  for (let start = 0; start < count; start += 20) {
    const batch = Array.from({ length: Math.min(20, count - start) }, (_, offset) => start + offset);
    await Promise.all(
      batch.map((index) =>
        api
          .rememberConfirmed(`${prefix} ${index}`)
          .then((id) => ids.push(id))
          .catch((error) => failures.push(String(error))),
      ),
    );
  }
  writtenIds.set(prefix, ids);
  if (failures.length)
    throw new Error(`remember failed for ${failures.length} memories: ${failures.slice(0, 5).join(', ')}`);
}

/**
 * The memories with a prefix: those this process wrote are read back one by one by their ids
 * (Engram's search returns only its best matches, 75 of 200 here); any other prefix is searched.
 */
export async function readMemories(baseUrl: string, prefix: string): Promise<Set<string>> {
  const api = new EngramApi(baseUrl);
  const ids = writtenIds.get(prefix);
  if (!ids) return new Set(await api.search(prefix, 1000));
  const stored = await Promise.all(ids.map((id) => api.memory(id)));
  return new Set(stored.flatMap((memory) => (memory.content === undefined ? [] : [memory.content])));
}

export function expectedMemories(prefix: string, count: number): Set<string> {
  return new Set(Array.from({ length: count }, (_, index) => `${prefix} ${index}`));
}

/** Starts kube-router's firewall on the running cluster (cluster.sh enforce): NetworkPolicies are enforced from then on. */
export function enforceNetworkPolicies(): void {
  const result = runOk('bash', ['tools/kube/cluster.sh', 'enforce'], { timeoutSeconds: 120 });
  const match = /ready in ([\d.]+)s/.exec(result.stderr);
  if (match) figure('kube-router start to firewall programmed', Number(match[1]));
}

/** Starts Traefik, the Ingress controller, on the running cluster (cluster.sh ingress) and returns its ports on 127.0.0.1. */
export function startIngressController(): { web: number; websecure: number } {
  const result = runOk('bash', ['tools/kube/cluster.sh', 'ingress'], { timeoutSeconds: 120 });
  const match = /web=(\d+) websecure=(\d+)/.exec(result.stdout);
  if (!match) throw new Error(`cluster.sh ingress printed no ports:\n${result.stdout}${result.stderr}`);
  return { web: Number(match[1]), websecure: Number(match[2]) };
}

/** `kubectl apply -f -` of one object. */
export function kubectlApply(object: unknown): Result {
  return runOk(kubectlBinary, ['--kubeconfig', kubeconfig, 'apply', '-f', '-'], {
    timeoutSeconds: 300,
    input: JSON.stringify(object),
  });
}
