import { normalize } from '@engram/config-schema';
import { kubernetesFiles } from '@engram/k8s';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildEngramImage,
  clusterDns,
  containerProcess,
  diagnostics,
  engramRepository,
  engramStatus,
  expectedMemories,
  figure,
  followLogs,
  kubectl,
  kubectlJson,
  kubectlOk,
  pod,
  portForward,
  probeFailuresAfter,
  readMemories,
  readySince,
  startCluster,
  stopCluster,
  waitForPodReady,
  writeMemories,
  type PodView,
} from '../support/cluster';
import { sleep, workspaceRoot } from '../support/process';

// The generated manifests, unchanged, on a real single-node cluster (tools/kube/cluster.sh). The only
// difference from `kubectl apply -k deployments/kubernetes` is a kustomize overlay that points the image
// at the real Engram built from the generated Dockerfile, as an operator points it at a mirror.
const namespace = 'engram';
const scratch = mkdtempSync(join(tmpdir(), 'engram-cluster-'));
const imageTag = 'k8s-e2e';
const memoryPrefix = `k8s-raw-${Date.now()}`;
const memoryCount = 1000;

/** A kustomization in `directory` over `base` that only swaps the image for the locally built one. */
function overlay(directory: string, base: string): string {
  mkdirSync(directory, { recursive: true });
  writeFileSync(
    join(directory, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      `  - ${relative(directory, base)}`,
      'images:',
      '  - name: docker.io/engram/engram',
      `    newName: ${engramRepository}`,
      `    newTag: ${imageTag}`,
      '',
    ].join('\n'),
  );
  return directory;
}

function currentPod(): PodView {
  const view = pod(namespace, 'engram-0');
  if (!view) throw new Error(`no pod engram-0\n${diagnostics(namespace)}`);
  return view;
}

beforeAll(() => {
  startCluster();
  buildEngramImage(imageTag, 'k8s-e2e');
});

afterAll(() => {
  const stopped = stopCluster();
  rmSync(scratch, { recursive: true, force: true });
  if (stopped.status !== 0) throw new Error(`cluster.sh stop failed:\n${stopped.stderr}`);
});

describe('the generated Kubernetes manifests on a real single-node cluster', () => {
  let readyAt = '';

  it('1. apply -k: the StatefulSet becomes Ready and every probe passes', async () => {
    const rendered = kubectlOk(
      'kustomize',
      overlay(join(scratch, 'raw'), join(workspaceRoot, 'deployments/kubernetes')),
    );
    expect(rendered.stdout).toContain(`image: ${engramRepository}:${imageTag}`);

    const started = performance.now();
    kubectlOk('apply', '-k', join(scratch, 'raw'));
    const { value } = await waitForPodReady(namespace, 'engram-0', 180);
    const applyToReady = (performance.now() - started) / 1000;
    figure('raw manifests: kubectl apply -k to pod Ready', applyToReady);
    readyAt = readySince(value)!;

    // The namespace the manifests declare enforces "restricted", and the pod was admitted under it.
    const labels = kubectlJson('get', 'namespace', namespace).metadata.labels;
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const statefulSet = kubectlJson('get', 'statefulset', 'engram', '-n', namespace);
    expect(statefulSet.status.readyReplicas).toBe(1);

    // All three probes are configured, and over two liveness periods after Ready none fails.
    const container = value.spec.containers[0];
    expect(container.startupProbe.httpGet.path).toBe('/health/alive');
    expect(container.livenessProbe.httpGet.path).toBe('/health/alive');
    expect(container.readinessProbe.httpGet.path).toBe('/api/v1/system/health');
    await sleep(2 * container.livenessProbe.periodSeconds * 1000 + 1000);
    expect(probeFailuresAfter(namespace, 'engram-0', readyAt), diagnostics(namespace)).toEqual([]);
    const after = currentPod();
    expect(readySince(after)).toBe(readyAt);
    expect(engramStatus(after).restartCount).toBe(0);
  });

  it('2. the claim is Bound and mounted writable at the data dir; the root filesystem is read-only; the process runs as 65534', async () => {
    const claim = kubectlJson('get', 'pvc', 'data-engram-0', '-n', namespace);
    expect(claim.status.phase).toBe('Bound');
    const volume = kubectlJson('get', 'pv', claim.spec.volumeName);
    const hostPath: string = volume.spec.local.path;

    const view = currentPod();
    const pid = containerProcess(engramStatus(view).containerID!);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
    expect(status).toMatch(/^Gid:\s+65534\s+65534\s+65534\s+65534$/m);
    // mountinfo fields: 5 is the mount point, 6 the per-mount options.
    const mounts = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' '));
    const options = (point: string) => mounts.find((fields) => fields[4] === point)?.[5]?.split(',');
    expect(options('/')).toContain('ro');
    expect(options('/data')).toContain('rw');

    // Written through the API, the data lands on the claimed volume, owned by the Engram user.
    const forward = await portForward(namespace, 'pod/engram-0', 7432);
    try {
      await writeMemories(forward.baseUrl, `${memoryPrefix}-mount`, 1);
      expect(await readMemories(forward.baseUrl, `${memoryPrefix}-mount`)).toEqual(
        expectedMemories(`${memoryPrefix}-mount`, 1),
      );
    } finally {
      forward.close();
    }
    const spaces = readdirSync(hostPath);
    expect(spaces).toContain('default');
    expect(statSync(join(hostPath, 'default')).uid).toBe(65534);
  });

  it('3. 1000 memories written through port-forward survive kubectl delete pod', async () => {
    let forward = await portForward(namespace, 'pod/engram-0', 7432);
    try {
      await writeMemories(forward.baseUrl, memoryPrefix, memoryCount);
      expect((await readMemories(forward.baseUrl, memoryPrefix)).size).toBe(memoryCount);
    } finally {
      forward.close();
    }
    const before = currentPod();
    const started = performance.now();
    kubectlOk('delete', 'pod', 'engram-0', '-n', namespace, '--wait=false');
    await waitForPodReady(namespace, 'engram-0', 180, before.metadata.uid);
    figure('raw manifests: kubectl delete pod to Ready again', (performance.now() - started) / 1000);

    forward = await portForward(namespace, 'pod/engram-0', 7432);
    try {
      expect(await readMemories(forward.baseUrl, memoryPrefix)).toEqual(expectedMemories(memoryPrefix, memoryCount));
    } finally {
      forward.close();
    }
  });

  it('4. a model change, regenerated and applied, rolls the pod through the config checksum', async () => {
    // The committed tree stays as it is: the changed model renders into a scratch copy.
    const model = parse(readFileSync(join(workspaceRoot, 'deployments/engram.deploy.yaml'), 'utf8'));
    model.engram.memorySpaces.bootstrapSpaces = ['default', 'kubee2e'];
    const generated = join(scratch, 'regenerated');
    mkdirSync(generated, { recursive: true });
    for (const file of kubernetesFiles(normalize(model), generated)) {
      if (file.content !== null) writeFileSync(file.path, file.content);
    }
    const before = currentPod();
    const oldChecksum = before.metadata.annotations!['checksum/config'];
    const committed = readFileSync(join(workspaceRoot, 'deployments/kubernetes/statefulset.yaml'), 'utf8');
    expect(committed).toContain(oldChecksum);

    kubectlOk('apply', '-k', overlay(join(scratch, 'changed'), generated));
    const { value } = await waitForPodReady(namespace, 'engram-0', 180, before.metadata.uid);
    expect(value.metadata.annotations!['checksum/config']).not.toBe(oldChecksum);
    const configMap = kubectlJson('get', 'configmap', 'engram-config', '-n', namespace);
    expect(configMap.data['engram.toml']).toMatch(/bootstrap_spaces = \[ "default", "kubee2e" \]/);

    const forward = await portForward(namespace, 'pod/engram-0', 7432);
    try {
      const health = (await (await fetch(`${forward.baseUrl}/api/v1/system/health`)).json()) as { spaces: unknown[] };
      expect(JSON.stringify(health.spaces)).toContain('kubee2e');
      expect(await readMemories(forward.baseUrl, memoryPrefix)).toEqual(expectedMemories(memoryPrefix, memoryCount));
    } finally {
      forward.close();
    }
  });

  it('5. the pod stops cleanly inside its grace period', async () => {
    const before = currentPod();
    const grace: number = before.spec.terminationGracePeriodSeconds;
    const logs = followLogs(namespace, 'engram-0');
    await sleep(1000);
    const started = performance.now();
    kubectlOk('delete', 'pod', 'engram-0', '-n', namespace, '--wait=false');
    const lastLog = await logs.done;
    const stopSeconds = (performance.now() - started) / 1000;
    figure('raw manifests: SIGTERM to container exit', stopSeconds);
    expect(lastLog).toContain('Server stopped gracefully');
    expect(stopSeconds).toBeLessThan(grace);
    await waitForPodReady(namespace, 'engram-0', 180, before.metadata.uid);
  });

  it('6. the recreated pod keeps its name and claim, and the headless Service resolves it', async () => {
    const claimBefore = kubectlJson('get', 'pvc', 'data-engram-0', '-n', namespace);
    const before = currentPod();
    kubectlOk('delete', 'pod', 'engram-0', '-n', namespace, '--wait=false');
    const { value: after } = await waitForPodReady(namespace, 'engram-0', 180, before.metadata.uid);

    expect(after.metadata.name).toBe('engram-0');
    const dataVolume = after.spec.volumes.find((volume: any) => volume.name === 'data');
    expect(dataVolume.persistentVolumeClaim.claimName).toBe('data-engram-0');
    const claimAfter = kubectlJson('get', 'pvc', 'data-engram-0', '-n', namespace);
    expect(claimAfter.metadata.uid).toBe(claimBefore.metadata.uid);
    expect(claimAfter.spec.volumeName).toBe(claimBefore.spec.volumeName);
    expect(after.spec.hostname).toBe('engram-0');
    expect(after.spec.subdomain).toBe('engram-headless');

    // The stable DNS name of a StatefulSet pod, answered by the cluster DNS from the headless Service.
    const name = `engram-0.engram-headless.${namespace}.svc.cluster.local`;
    const { value: addresses } = await (async () => {
      const started = performance.now();
      for (;;) {
        try {
          const answer = await clusterDns(name);
          if (answer.includes(after.status.podIP!)) return { value: answer };
        } catch (error) {
          if (performance.now() - started > 30_000) throw new Error(`${name} did not resolve: ${String(error)}`);
        }
        if (performance.now() - started > 30_000) throw new Error(`${name} did not resolve to ${after.status.podIP}`);
        await sleep(500);
      }
    })();
    expect(addresses).toEqual([after.status.podIP]);
    const headless = await clusterDns(`engram-headless.${namespace}.svc.cluster.local`);
    expect(headless).toEqual([after.status.podIP]);

    const forward = await portForward(namespace, 'service/engram', 7432);
    try {
      expect(await readMemories(forward.baseUrl, memoryPrefix)).toEqual(expectedMemories(memoryPrefix, memoryCount));
    } finally {
      forward.close();
    }
    expect(kubectl('get', 'pods', '-n', namespace, '-o', 'name').stdout.trim()).toBe('pod/engram-0');
  });
});
