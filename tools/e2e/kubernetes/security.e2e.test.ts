import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildEngramImage,
  diagnostics,
  engramRepository,
  engramStatus,
  enforceNetworkPolicies,
  figure,
  helmLive,
  kubectl,
  kubectlApply,
  kubectlJson,
  kubectlOk,
  nodeDirectory,
  pod,
  readySince,
  restrictedNamespace,
  startCluster,
  startIngressController,
  stopCluster,
  testClientImage,
  waitForPodReady,
  waitingClientPodSpec,
  waitInCluster,
} from '../support/cluster';
import { embeddingFor } from '../support/engram-api';
import { chartDirectory } from '../support/helm';
import { run, runOk, sleep, workspaceRoot, type Result } from '../support/process';

// The closed NetworkPolicy and the Ingress, proved with real enforcers on the single-node cluster
// (tools/kube/cluster.sh): kube-router's firewall enforces NetworkPolicies between pods, and Traefik
// serves the chart's Ingress. The raw manifests (@engram/k8s) and the chart (@engram/helm) run one after
// the other with their default policy; the chart's release then gets the Ingress.
const scratch = mkdtempSync(join(tmpdir(), 'engram-security-'));
const imageTag = 'security-e2e';
const rawNamespace = 'engram';
const helmNamespace = 'engram-secure';
// The defaults of the model and the chart: the client label, and Prometheus in "monitoring".
const clientLabel = { 'engram-client': 'true' };
const prometheusNamespace = 'monitoring';
const prometheusLabels = { 'app.kubernetes.io/name': 'prometheus' };
const ingressNamespace = 'ingress';
const ingressLabels = { 'app.kubernetes.io/name': 'traefik' };
const host = 'engram.test';

/**
 * A pod that only waits, from which the test connects with curl: the chart's test-client image, under
 * Pod Security "restricted" like every pod of these namespaces.
 */
function clientPod(namespace: string, name: string, labels: Record<string, string>): void {
  const manifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { role: 'connectivity-probe', ...labels } },
    spec: waitingClientPodSpec(),
  };
  kubectlApply(manifest);
}

async function probesReady(namespace: string, names: string[]): Promise<void> {
  for (const name of names) await waitForPodReady(namespace, name, 90);
}

/** curl from inside a probe pod: the HTTP status, or the curl exit code when no answer came (7 refused, 28 timeout). */
function connect(from: { namespace: string; pod: string }, url: string): { http?: number; curlExit: number } {
  const result = kubectl(
    'exec',
    '-n',
    from.namespace,
    from.pod,
    '--',
    'curl',
    '--silent',
    '--output',
    '/dev/null',
    '--write-out',
    '%{http_code}',
    '--connect-timeout',
    '3',
    '--max-time',
    '6',
    url,
  );
  const http = Number(result.stdout.trim());
  return { http: http > 0 ? http : undefined, curlExit: result.status };
}

/**
 * What these tests reach Engram on. They prove who can connect, not Engram's own health: its system
 * health (the default readiness path) runs a spreading self-check with a 200 ms budget that turns it
 * unhealthy, for 30 s at least, on a loaded 2-core machine, which would take the only pod out of its
 * Service mid-test. So readiness and the in-cluster probes use the serving path (200 once HTTP serves),
 * and requests through the Ingress use a routed API path that answers 200 whatever the health.
 */
const servingPath = '/health/alive';
const routedPath = '/api/v1/spaces';

const blocked = (outcome: { http?: number; curlExit: number }) =>
  outcome.http === undefined && (outcome.curlExit === 7 || outcome.curlExit === 28);

/**
 * Waits until the connection reaches the expected state, then checks twice more that it holds. The
 * controller applies a change within seconds of the event; an event it missed under load waits for
 * its periodic full sync (--iptables-sync-period in tools/kube/cluster.sh), which the wait outlasts.
 */
async function expectConnection(
  from: { namespace: string; pod: string },
  url: string,
  expected: 'answered' | 'connected' | 'blocked',
  namespaceForDiagnostics: string,
): Promise<void> {
  // answered: HTTP 200; connected: the TCP connection was accepted, whatever the server made of it.
  const matches = (outcome: { http?: number; curlExit: number }) =>
    expected === 'blocked' ? blocked(outcome) : expected === 'connected' ? !blocked(outcome) : outcome.http === 200;
  let last = connect(from, url);
  const started = performance.now();
  while (!matches(last) && performance.now() - started < 90_000) {
    await sleep(1000);
    last = connect(from, url);
  }
  expect(
    last,
    `${from.namespace}/${from.pod} -> ${url}: expected ${expected}\n${diagnostics(namespaceForDiagnostics)}`,
  ).toSatisfy(matches);
  for (let again = 0; again < 2; again++) {
    await sleep(1000);
    expect(connect(from, url), `${from.namespace}/${from.pod} -> ${url} flipped`).toSatisfy(matches);
  }
}

/**
 * What the closed default policy admits and refuses, from pods placed as an operator's would be.
 * `serviceUrl` is the in-cluster URL of Engram's client Service.
 */
async function provePolicy(namespace: string, serviceUrl: string, policyName: string): Promise<void> {
  const health = `${serviceUrl}${servingPath}`;
  const metrics = `${serviceUrl}/metrics/prometheus`;
  const unlabelled = { namespace, pod: 'probe-unlabelled' };
  const labelled = { namespace, pod: 'probe-client' };
  const prometheus = { namespace: prometheusNamespace, pod: `prometheus-${namespace}` };
  const outsider = { namespace: prometheusNamespace, pod: `outsider-${namespace}` };

  // The controller sees new pods within seconds: the refusals are waited for as the admissions are.
  await expectConnection(labelled, health, 'answered', namespace);
  await expectConnection(unlabelled, health, 'blocked', namespace);
  // gRPC, the other port, is closed to the unlabelled pod as well.
  const grpc = `${serviceUrl.replace(/:\d+$/, ':50051')}/`;
  await expectConnection(unlabelled, grpc, 'blocked', namespace);
  await expectConnection(prometheus, metrics, 'answered', namespace);
  // Prometheus's namespace alone admits nothing: the pod must carry Prometheus's labels.
  await expectConnection(outsider, metrics, 'blocked', namespace);

  // The negative control: without the policy the same unlabelled pod connects, so the refusal above
  // was this policy enforced, not a broken network.
  const policy = kubectlJson('get', 'networkpolicy', policyName, '-n', namespace);
  kubectlOk('delete', 'networkpolicy', policyName, '-n', namespace);
  await expectConnection(unlabelled, health, 'answered', namespace);
  await expectConnection(unlabelled, grpc, 'connected', namespace);
  await expectConnection(outsider, metrics, 'answered', namespace);
  delete policy.metadata.resourceVersion;
  delete policy.metadata.uid;
  delete policy.metadata.creationTimestamp;
  delete policy.metadata.managedFields;
  delete policy.metadata.generation;
  kubectlApply(policy);
  await expectConnection(unlabelled, health, 'blocked', namespace);
}

function valuesFile(name: string, values: unknown): string {
  const path = join(scratch, `${name}.yaml`);
  writeFileSync(path, stringify(values));
  return path;
}

function helmOk(...args: string[]): Result {
  const result = helmLive(...args);
  if (result.status !== 0) {
    throw new Error(
      `helm ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}\n${diagnostics(helmNamespace)}`,
    );
  }
  return result;
}

let ingressPorts = { web: 0, websecure: 0 };

beforeAll(() => {
  startCluster();
  enforceNetworkPolicies();
  ingressPorts = startIngressController();
  buildEngramImage(imageTag, 'security-e2e');
  kubectl('create', 'namespace', prometheusNamespace);
});

afterAll(() => {
  const stopped = stopCluster();
  rmSync(scratch, { recursive: true, force: true });
  if (stopped.status !== 0) throw new Error(`cluster.sh stop failed:\n${stopped.stderr}`);
});

describe('the closed NetworkPolicy, enforced by kube-router', () => {
  it('12. raw manifests: only labelled clients and Prometheus reach Engram; without the policy anyone does', async () => {
    // The generated manifests as they are, with the image pointed at the locally built Engram.
    const overlay = join(scratch, 'raw');
    mkdirSync(overlay, { recursive: true });
    writeFileSync(
      join(overlay, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [relative(overlay, join(workspaceRoot, 'deployments/kubernetes'))],
        images: [{ name: 'docker.io/engram/engram', newName: engramRepository, newTag: imageTag }],
        patches: [
          {
            target: { kind: 'StatefulSet', name: 'engram' },
            patch: stringify([
              {
                op: 'replace',
                path: '/spec/template/spec/containers/0/readinessProbe/httpGet/path',
                value: servingPath,
              },
            ]),
          },
        ],
      }),
    );
    const started = performance.now();
    kubectlOk('apply', '-k', overlay);
    await waitForPodReady(rawNamespace, 'engram-0', 180);
    figure('security: raw manifests apply to Ready (policy enforced)', (performance.now() - started) / 1000);

    clientPod(rawNamespace, 'probe-unlabelled', {});
    clientPod(rawNamespace, 'probe-client', clientLabel);
    clientPod(prometheusNamespace, `prometheus-${rawNamespace}`, prometheusLabels);
    clientPod(prometheusNamespace, `outsider-${rawNamespace}`, {});
    await probesReady(rawNamespace, ['probe-unlabelled', 'probe-client']);
    await probesReady(prometheusNamespace, [`prometheus-${rawNamespace}`, `outsider-${rawNamespace}`]);

    const proving = performance.now();
    await provePolicy(rawNamespace, `http://engram.${rawNamespace}.svc.cluster.local:7432`, 'engram');
    figure('security: raw manifests policy checks', (performance.now() - proving) / 1000);

    // Engram's CPU request leaves no room for a second one on this node: free it for the chart.
    kubectlOk('delete', 'namespace', rawNamespace, '--wait=true', '--timeout=180s');
  });

  it('13. Helm chart: the same holds, and helm test passes through the policy', async () => {
    restrictedNamespace(helmNamespace);
    const started = performance.now();
    helmOk(
      'install',
      'engram',
      chartDirectory,
      '--namespace',
      helmNamespace,
      '-f',
      valuesFile('images', {
        image: { repository: engramRepository, tag: imageTag },
        tests: { image: testClientImage },
        runtime: { health: { readinessPath: servingPath } },
      }),
      '--wait',
      '--timeout',
      '5m',
    );
    figure('security: helm install --wait (policy enforced)', (performance.now() - started) / 1000);
    const policy = kubectlJson('get', 'networkpolicy', 'engram', '-n', helmNamespace);
    expect(policy.spec.ingress[0].from).toEqual([{ podSelector: { matchLabels: clientLabel } }]);

    const test = helmOk('test', 'engram', '--namespace', helmNamespace, '--timeout', '3m');
    expect(test.stdout).toMatch(/TEST SUITE:\s+engram-test[\s\S]*Phase:\s+Succeeded/);

    clientPod(helmNamespace, 'probe-unlabelled', {});
    clientPod(helmNamespace, 'probe-client', clientLabel);
    clientPod(prometheusNamespace, `prometheus-${helmNamespace}`, prometheusLabels);
    clientPod(prometheusNamespace, `outsider-${helmNamespace}`, {});
    await probesReady(helmNamespace, ['probe-unlabelled', 'probe-client']);
    await probesReady(prometheusNamespace, [`prometheus-${helmNamespace}`, `outsider-${helmNamespace}`]);
    await provePolicy(helmNamespace, `http://engram.${helmNamespace}.svc.cluster.local:7432`, 'engram');
  });
});

describe('the Ingress, served by Traefik', () => {
  const certificate = join(scratch, 'tls.crt');
  const key = join(scratch, 'tls.key');

  /** curl from this machine to Traefik, with the test's certificate as the only trusted one. */
  function viaIngress(
    scheme: 'http' | 'https',
    method: string,
    path: string,
    body?: unknown,
  ): { status: number; body: string; location?: string } {
    const port = scheme === 'https' ? ingressPorts.websecure : ingressPorts.web;
    const args = [
      '--silent',
      '--show-error',
      '--max-time',
      '10',
      '--resolve',
      `${host}:${port}:127.0.0.1`,
      '--cacert',
      certificate,
      '--request',
      method,
      '--write-out',
      '\n%{http_code} %{redirect_url}',
    ];
    if (body !== undefined) {
      const file = join(scratch, 'body.json');
      writeFileSync(file, JSON.stringify(body));
      args.push('--header', 'content-type: application/json', '--data-binary', `@${file}`);
    }
    const result = runOk('curl', [...args, `${scheme}://${host}:${port}${path}`]);
    const lines = result.stdout.split('\n');
    const [status, location] = lines.pop()!.split(' ');
    return { status: Number(status), body: lines.join('\n').trim(), location: location || undefined };
  }

  function ingressValues(plainHttp: 'refuse' | 'redirect' | 'allow'): string {
    return valuesFile(`ingress-${plainHttp}`, {
      image: { repository: engramRepository, tag: imageTag },
      tests: { image: testClientImage },
      runtime: { health: { readinessPath: servingPath } },
      ingress: {
        enabled: true,
        className: 'traefik',
        controller: 'traefik',
        plainHttp,
        hosts: [{ host }],
        tls: [{ secretName: 'engram-tls', hosts: [host] }],
      },
      networkPolicy: { ingressController: { namespace: ingressNamespace, podLabels: ingressLabels } },
    });
  }

  /**
   * Waits until Traefik has loaded the Ingress (its router answers) after a helm change. Traefik skips
   * a router while the Service has no ready endpoint, and Engram's readiness (its system health) turns
   * unhealthy for at least 30 s when its spreading self-check exceeds 200 ms on a loaded machine: the
   * wait outlasts such a spell.
   */
  async function ingressServes(scheme: 'http' | 'https', status: number): Promise<void> {
    try {
      await waitInCluster(
        helmNamespace,
        `Traefik answering ${status} on ${scheme}`,
        () => {
          const answer = viaIngress(scheme, 'GET', routedPath);
          if (answer.status === status) return true;
          throw new Error(`last answer: ${answer.status} ${answer.body.slice(0, 200)}`);
        },
        240,
      );
    } catch (error) {
      const log = run('tail', ['-n', '40', join(nodeDirectory, 'logs', 'traefik.log')]).stdout;
      throw new Error(`${(error as Error).message}\nTraefik's log, last lines:\n${log}`);
    }
  }

  it('14. over HTTPS with the test certificate, remember and search work', async () => {
    runOk('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${host}`,
      '-addext',
      `subjectAltName=DNS:${host}`,
      '-keyout',
      key,
      '-out',
      certificate,
    ]);
    kubectlOk('create', 'secret', 'tls', 'engram-tls', '-n', helmNamespace, '--cert', certificate, '--key', key);
    helmOk(
      'upgrade',
      'engram',
      chartDirectory,
      '--namespace',
      helmNamespace,
      '-f',
      ingressValues('refuse'),
      '--wait',
      '--timeout',
      '5m',
    );
    const ingress = kubectlJson('get', 'ingress', 'engram', '-n', helmNamespace);
    expect(ingress.spec.tls).toEqual([{ secretName: 'engram-tls', hosts: [host] }]);
    const started = performance.now();
    await ingressServes('https', 200);
    figure('security: Traefik serving the Ingress after helm upgrade', (performance.now() - started) / 1000);

    // The certificate Traefik presents is the one in the Secret: curl trusts only it and checks the name.
    const served = runOk('bash', [
      '-c',
      `openssl s_client -connect 127.0.0.1:${ingressPorts.websecure} -servername ${host} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`,
    ]).stdout.trim();
    const ours = runOk('openssl', ['x509', '-in', certificate, '-noout', '-fingerprint', '-sha256']).stdout.trim();
    expect(served).toBe(ours);

    const content = `ingress-${Date.now()}`;
    const remembered = viaIngress('https', 'POST', '/api/v1/memories/remember', {
      content,
      confidence: 0.9,
      embedding: embeddingFor(content),
    });
    expect(remembered.status, remembered.body).toBe(201);
    const id = (JSON.parse(remembered.body) as { memory_id: string }).memory_id;
    const read = viaIngress('https', 'GET', `/api/v1/memories/${encodeURIComponent(id)}`);
    expect(read.status).toBe(200);
    expect(read.body).toContain(content);
    const found = viaIngress('https', 'GET', `/api/v1/memories/search?query=${encodeURIComponent(content)}`);
    expect(found.status).toBe(200);
    expect((JSON.parse(found.body) as { memories: { content: string }[] }).memories.map((m) => m.content)).toContain(
      content,
    );
  });

  it('15. /shutdown through the ingress does not stop the server, and /metrics is not routed', async () => {
    const before = pod(helmNamespace, 'engram-0')!;
    const readyAt = readySince(before);
    expect(readyAt).toBeDefined();
    for (const scheme of ['https', 'http'] as const) {
      const shutdown = viaIngress(scheme, 'POST', '/shutdown');
      expect(shutdown.status).toBe(404);
      expect(shutdown.body).toBe('404 page not found');
    }
    for (const path of ['/metrics', '/metrics/prometheus', '/shutdown/', '/']) {
      expect(viaIngress('https', 'GET', path).status, path).toBe(404);
    }
    // Longer than the server takes to stop after a shutdown request: it is still the same Ready pod.
    await sleep(5000);
    const after = pod(helmNamespace, 'engram-0')!;
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(readySince(after)).toBe(readyAt);
    expect(engramStatus(after).restartCount).toBe(engramStatus(before).restartCount);
    expect(viaIngress('https', 'GET', routedPath).status).toBe(200);
  });

  it('16. plain HTTP is refused by default, redirected or served only when the model says so', async () => {
    // refuse: the router is bound to the HTTPS entry point, so plain HTTP finds no route.
    const refused = viaIngress('http', 'GET', routedPath);
    expect(refused.status).toBe(404);
    expect(refused.body).toBe('404 page not found');

    const upgrade = (plainHttp: 'refuse' | 'redirect' | 'allow') =>
      helmOk(
        'upgrade',
        'engram',
        chartDirectory,
        '--namespace',
        helmNamespace,
        '-f',
        ingressValues(plainHttp),
        '--wait',
        '--timeout',
        '5m',
      );
    // redirect: a permanent redirect (301 for a GET) to the same path over HTTPS, for the API paths only.
    upgrade('redirect');
    await ingressServes('http', 301);
    const redirected = viaIngress('http', 'GET', routedPath);
    expect(redirected.location).toBe(`https://${host}${routedPath}`);
    expect(viaIngress('http', 'POST', '/shutdown').status).toBe(404);
    expect(viaIngress('https', 'GET', routedPath).status).toBe(200);

    // The control: with plainHttp allow the same request is served, so the 404 above was the model's choice.
    upgrade('allow');
    await ingressServes('http', 200);
    upgrade('refuse');
    await ingressServes('http', 404);
    // The redirect's Middleware and Ingress went with the model's choice.
    expect(kubectl('get', 'middleware.traefik.io', 'engram-https-redirect', '-n', helmNamespace).status).not.toBe(0);
    expect(viaIngress('https', 'GET', routedPath).status).toBe(200);
  });

  it('17. the NetworkPolicy admits the ingress controller pods the model names, and no other pod of their namespace', async () => {
    restrictedNamespace(ingressNamespace);
    clientPod(ingressNamespace, 'controller', ingressLabels);
    clientPod(ingressNamespace, 'neighbour', {});
    await probesReady(ingressNamespace, ['controller', 'neighbour']);
    const health = `http://engram.${helmNamespace}.svc.cluster.local:7432${servingPath}`;
    await expectConnection({ namespace: ingressNamespace, pod: 'controller' }, health, 'answered', helmNamespace);
    await expectConnection({ namespace: ingressNamespace, pod: 'neighbour' }, health, 'blocked', helmNamespace);
  });
});
