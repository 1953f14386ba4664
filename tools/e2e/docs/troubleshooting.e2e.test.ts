import {
  dockerRunLines,
  exampleClient,
  normalize,
  parseMemoryQuantity,
  toolImage,
  troubleshootingEntries,
  type DockerRunOptions,
} from '@engram/config-schema';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  enforceNetworkPolicies,
  kubectl,
  kubectlApply,
  kubectlOk,
  startCluster,
  stopCluster,
  waitForPodReady,
  waitInCluster,
  waitingClientPodSpec,
} from '../support/cluster';
import { containerLogs, engramImage as harnessImage } from '../support/docker';
import { blocksOf, guideBlocks, runBlock, runBlocks } from '../support/guide';
import { run, runOk, sleep, waitFor, workspaceRoot } from '../support/process';
import { engramImage } from '@engram/config-schema';

// Each troubleshooting entry of the guide, reproduced: the test causes the failure, checks the
// symptom the guide quotes, runs the guide's diagnosis block, applies its fix block and sees Engram
// serve again. The image is the real Engram, tagged with the guide's image name (and, for the
// Kubernetes entries, imported into the live cluster's containerd under that name, as the guide's
// Kubernetes test does instead of `docker push`). The guide's one-shot tool image (busybox from
// Docker Hub) is the local busybox-static image with its applets installed, tagged with that name.
const model = normalize(parse(readFileSync(join(workspaceRoot, 'deployments/engram.deploy.yaml'), 'utf8')));
const entries = new Map(troubleshootingEntries(model).map((entry) => [entry.id, entry]));
const blocks = guideBlocks();
const container = model.compose.containerName;
const liveness = `http://127.0.0.1:${model.ports.http}${model.runtime.health.livenessPath}`;

function entry(id: string) {
  const found = entries.get(id);
  if (!found) throw new Error(`the guide has no troubleshooting entry ${id}`);
  return found;
}

function step(id: string, name: 'diagnose' | 'fix') {
  const [block] = blocksOf(blocks, `troubleshoot-${id}`, name);
  if (!block) throw new Error(`the guide has no ${name} block for ${id}`);
  return block;
}

/** Starts Engram with the guide's `docker run`, changed as given: the cause of a failure. */
function startBroken(options: DockerRunOptions, cwd = workspaceRoot) {
  return run('bash', ['-e', '-c', dockerRunLines(model, options).join('\n')], { cwd });
}

function clean(): void {
  run('docker', ['rm', '--force', container]);
  run('docker', ['volume', 'rm', '--force', model.compose.dataVolume.name]);
}

/** busybox-static from Debian (tools/docker/install-engine.sh), with every applet linked: a stand-in for Docker Hub's busybox. */
const busyboxSource = 'localhost/engram-buildkit-probe:busybox';
let toolImageTagged = false;

function tagToolImage(): void {
  if (run('docker', ['image', 'inspect', toolImage]).status === 0) return;
  const builder = 'engram-troubleshoot-busybox';
  run('docker', ['rm', '--force', builder]);
  runOk('docker', ['run', '--name', builder, busyboxSource, 'busybox', '--install', '-s', '/bin']);
  runOk('docker', ['commit', builder, toolImage]);
  run('docker', ['rm', '--force', builder]);
  toolImageTagged = true;
}

beforeAll(() => {
  runOk('docker', ['tag', harnessImage, engramImage(model)]);
  tagToolImage();
});
afterEach(clean);
afterAll(() => {
  if (toolImageTagged) run('docker', ['image', 'rm', toolImage]);
});

/** Docker's status line of the container, as `docker ps` prints it. */
function dockerStatus(): string {
  return run('docker', ['ps', '--all', '--filter', `name=^${container}$`, '--format', '{{.Status}}']).stdout.trim();
}

describe('the troubleshooting entries of the guide, reproduced', () => {
  it('covers each failure it quotes with a diagnosis and a fix block', () => {
    for (const id of entries.keys()) {
      expect(step(id, 'diagnose').body.length).toBeGreaterThan(0);
      expect(step(id, 'fix').body.length).toBeGreaterThan(0);
    }
    expect([...entries.keys()].sort()).toEqual([
      'bind-localhost',
      'config-ignored',
      'image-pull',
      'networkpolicy-blocked',
      'oom-killed',
      'pod-security',
      'port-taken',
      'pvc-pending',
      'unknown-flag',
      'volume-owner',
    ]);
  });

  it('port taken: docker run fails with the quoted error; ss names the holder; a free port serves', async () => {
    const holder = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', String(model.ports.http)], {
      stdio: 'ignore',
    });
    try {
      await waitFor(
        'the port holder',
        async () => ((await fetch(liveness).catch(() => undefined)) ? true : undefined),
        10_000,
      );
      const broken = startBroken({});
      expect(broken.status).not.toBe(0);
      expect(broken.stderr).toContain(entry('port-taken').symptom);
      const diagnosis = runBlock(step('port-taken', 'diagnose'));
      expect(diagnosis.status).toBe(0);
      expect(diagnosis.stdout).toContain(`pid=${holder.pid}`);
      runBlocks([step('port-taken', 'fix')]);
    } finally {
      holder.kill();
    }
  });

  it('unknown flag: Engram exits 2 with the quoted line; the diagnosis shows both; the fix serves', async () => {
    const args = ['--log-level=info', 'start', '--http-port=7432', `--grpc-port=${model.ports.grpc}`];
    expect(startBroken({ args }).status).toBe(0);
    await waitFor(
      'Engram to exit with status 2',
      () =>
        run('docker', ['inspect', '--format', '{{.State.ExitCode}}', container]).stdout.trim() === '2'
          ? true
          : undefined,
      30_000,
    );
    await waitFor(
      'Docker to restart it',
      () =>
        Number(run('docker', ['inspect', '--format', '{{.RestartCount}}', container]).stdout.trim()) > 0
          ? true
          : undefined,
      30_000,
    );
    expect(containerLogs(container)).toContain(entry('unknown-flag').symptom);
    const diagnosis = runBlocks([step('unknown-flag', 'diagnose')])[0];
    expect(diagnosis?.stdout).toMatch(/^restarts: [1-9]/m);
    expect(diagnosis?.stdout).toContain(entry('unknown-flag').symptom);
    runBlocks([step('unknown-flag', 'fix')]);
    expect((await fetch(liveness)).status).toBe(200);
  });

  it('bind left at 127.0.0.1: requests are reset; the log shows the bind; the fix serves', async () => {
    expect(startBroken({ env: [{ name: 'ENGRAM_HTTP_BIND', value: '127.0.0.1' }] }).status).toBe(0);
    await waitFor(
      'Engram to listen',
      () => (containerLogs(container).includes('HTTP API server listening') ? true : undefined),
      120_000,
      1000,
    );
    const request = run('curl', ['-sS', liveness]);
    expect(request.status).not.toBe(0);
    expect(entry('bind-localhost').symptom.split('\n')).toContain(request.stderr.trim());
    const diagnosis = runBlocks([step('bind-localhost', 'diagnose')])[0];
    expect(diagnosis?.stdout).toMatch(/http_bind\S*=\S*127\.0\.0\.1/);
    runBlocks([step('bind-localhost', 'fix')]);
    expect((await fetch(liveness)).status).toBe(200);
  });

  it('config file in the wrong place: its space is missing; the mounts show where; the fix loads it', async () => {
    // An Engram checkout whose config adds a space, as an operator's edited one.
    const checkout = mkdtempSync(join(tmpdir(), 'engram-guide-config-'));
    chmodSync(checkout, 0o755);
    const configDirectory = join(checkout, 'deployments/docker/config');
    mkdirSync(configDirectory, { recursive: true });
    cpSync(join(workspaceRoot, 'deployments/docker/config'), configDirectory, { recursive: true });
    const configFile = join(configDirectory, model.runtime.configFile);
    writeFileSync(
      configFile,
      readFileSync(configFile, 'utf8').replace(
        /bootstrap_spaces = \[[^\]]*\]/,
        'bootstrap_spaces = [ "default", "tenant-a" ]',
      ),
    );
    expect(readFileSync(configFile, 'utf8')).toContain('tenant-a');
    const spaces = () => run('docker', ['exec', container, model.runtime.binaryPath, 'space', 'list']).stdout;

    expect(startBroken({ configTarget: `${model.runtime.configHome}/engram.toml` }, checkout).status).toBe(0);
    const listed = await waitFor(
      'the space list',
      () => (spaces().includes('default') ? spaces() : undefined),
      120_000,
      1000,
    );
    await sleep(10_000); // bootstrap spaces appear within seconds of the default one when the file is read
    expect(spaces()).not.toContain('tenant-a');
    expect(listed).toContain(entry('config-ignored').symptom);
    const diagnosis = runBlocks([step('config-ignored', 'diagnose')], { cwd: checkout })[0];
    expect(diagnosis?.stdout).toContain(`${model.runtime.configHome}/engram.toml`);
    runBlocks([step('config-ignored', 'fix')], { cwd: checkout });
    await waitFor(
      'the space of the config file',
      () => (spaces().includes('tenant-a') ? true : undefined),
      60_000,
      1000,
    );
  });

  it('volume owned by another uid: Engram exits with the quoted error; find lists the files; chown serves', async () => {
    // A volume holding data written by another user, as a restore run as uid 1000 leaves it.
    const volume = model.compose.dataVolume.name;
    const dataDir = model.runtime.dataDir;
    const space = model.engram.memorySpaces.defaultSpace;
    runOk('docker', ['volume', 'create', volume]);
    runOk('docker', [
      'run',
      '--rm',
      '--volume',
      `${volume}:${dataDir}`,
      toolImage,
      'sh',
      '-c',
      `mkdir -p "$1/${space}" && chown -R 1000:1000 "$1"`,
      'sh',
      dataDir,
    ]);
    expect(startBroken({}).status).toBe(0);
    await waitFor(
      'Docker to restart it',
      () =>
        Number(run('docker', ['inspect', '--format', '{{.RestartCount}}', container]).stdout.trim()) > 0
          ? true
          : undefined,
      60_000,
    );
    expect(containerLogs(container)).toContain(entry('volume-owner').symptom);
    const diagnosis = runBlocks([step('volume-owner', 'diagnose')])[0];
    expect(diagnosis?.stdout).toMatch(new RegExp(`^d\\S+\\s+\\d+\\s+1000\\s+1000\\s.*\\s${dataDir}/${space}$`, 'm'));
    runBlocks([step('volume-owner', 'fix')]);
    expect((await fetch(liveness)).status).toBe(200);
    expect(runBlock(step('volume-owner', 'diagnose')).stdout).toBe('');
  });

  it('memory limit too low: the kernel kills Engram (Restarting (137)); the oom events show it; the limit serves', async () => {
    expect(startBroken({ memoryLimit: '64m' }).status).toBe(0);
    await waitFor(
      'the quoted status',
      () => (dockerStatus().startsWith(entry('oom-killed').symptom) ? true : undefined),
      120_000,
      100,
    );
    // `docker events --until 0s` ends at the current whole second: a kill in this very second shows once
    // it is over, as it does for an operator who reads the status first.
    await sleep(2000);
    const diagnosis = runBlocks([step('oom-killed', 'diagnose')])[0];
    expect(diagnosis?.stdout).toContain(`memory limit: ${64 * 1024 * 1024} bytes`);
    expect(diagnosis?.stdout).toMatch(new RegExp(`^oom ${container}$`, 'm'));
    runBlocks([step('oom-killed', 'fix')]);
    expect((await fetch(liveness)).status).toBe(200);
    expect(run('docker', ['inspect', '--format', '{{.HostConfig.Memory}}', container]).stdout.trim()).toBe(
      String(parseMemoryQuantity(model.resources.limits.memory)),
    );
  });
});
describe('the Kubernetes entries of the guide, reproduced on the live cluster', () => {
  // One namespace, the model's, shared by the entries in turn: each starts from Engram Ready
  // (deployed() brings it there), breaks it, and its fix brings it back.
  const namespace = model.kubernetes.namespace;
  const statefulSet = model.name;
  const podName = `${model.name}-0`;
  const manifests = join(workspaceRoot, 'deployments/kubernetes');
  const scratch = mkdtempSync(join(tmpdir(), 'engram-troubleshoot-'));

  /** The generated manifests with an operator's change: a kustomization over them with JSON patches of the StatefulSet. */
  function overlay(name: string, patch: unknown[]): string {
    const directory = join(scratch, name);
    mkdirSync(directory, { recursive: true });
    writeFileSync(
      join(directory, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [relative(directory, manifests)],
        patches: [{ target: { kind: 'StatefulSet', name: statefulSet }, patch: JSON.stringify(patch) }],
      }),
    );
    return directory;
  }

  function removeNamespace(): void {
    kubectl('delete', 'namespace', namespace, '--wait=true', '--ignore-not-found', '--timeout=180s');
  }

  /** Engram deployed from the generated manifests and Ready: the state each entry starts from. */
  async function deployed(): Promise<void> {
    if (kubectl('apply', '--kustomize', manifests).status === 0) {
      const ready = await waitForPodReady(namespace, podName, 120).catch(() => undefined);
      if (ready) return;
    }
    // An entry that failed half-way can leave a StatefulSet the manifests cannot update in place,
    // or a Pod the StatefulSet does not replace: start again from an empty namespace.
    removeNamespace();
    kubectlOk('apply', '--kustomize', manifests);
    await waitForPodReady(namespace, podName, 180);
  }

  function podLine(): string {
    return kubectl('get', 'pod', podName, '-n', namespace, '--no-headers').stdout;
  }

  beforeAll(() => {
    startCluster();
    enforceNetworkPolicies();
    runOk('bash', ['tools/kube/cluster.sh', 'import', engramImage(model)], { timeoutSeconds: 600 });
    removeNamespace();
  });

  afterAll(() => {
    removeNamespace();
    rmSync(scratch, { recursive: true, force: true });
    // kube-router keeps enforcing until the cluster stops: stop it, as the security tests do.
    const stopped = stopCluster();
    if (stopped.status !== 0) throw new Error(`cluster.sh stop failed:\n${stopped.stderr}`);
  });

  it('PVC Pending: the claim names a missing StorageClass; the classes show it; recreated with the default, Engram is Ready', async () => {
    // From a clean namespace: a claim template cannot change once the StatefulSet exists.
    removeNamespace();
    const missing = /"([^"]+)" not found/.exec(entry('pvc-pending').symptom)?.[1];
    expect(missing).toBeDefined();
    kubectlOk(
      'apply',
      '--kustomize',
      overlay('storage-class', [
        { op: 'add', path: '/spec/volumeClaimTemplates/0/spec/storageClassName', value: missing },
      ]),
    );
    const described = await waitInCluster(
      namespace,
      'the claim event the guide quotes',
      () => {
        const text = kubectlOk('describe', 'pvc', '-n', namespace).stdout;
        return text.includes(entry('pvc-pending').symptom) ? text : undefined;
      },
      90,
    );
    expect(described.value).toMatch(/Status:\s+Pending/);
    expect(podLine()).toMatch(/\sPending\s/);
    const diagnosis = runBlocks([step('pvc-pending', 'diagnose')])[0];
    expect(diagnosis?.stdout).toMatch(new RegExp(`Pending\\s.*\\s${missing}\\s`));
    expect(diagnosis?.stdout).toContain('(default)');
    const fix = runBlocks([step('pvc-pending', 'fix')]);
    expect(fix[0]?.stdout).toMatch(/\sBound\s/);
    await waitForPodReady(namespace, podName, 60);
  });

  it('image pull failure: ErrImagePull / ImagePullBackOff; describe names the image; the model image is Ready', async () => {
    await deployed();
    const wrong = `${engramImage(model)}-never-pushed`;
    kubectlOk('set', 'image', `statefulset/${statefulSet}`, '-n', namespace, `engram=${wrong}`);
    const variants = entry('image-pull').symptom.split('\n');
    await waitInCluster(
      namespace,
      'the pod status the guide quotes',
      () => (variants.some((status) => podLine().includes(` ${status} `)) ? true : undefined),
      120,
    );
    const diagnosis = runBlocks([step('image-pull', 'diagnose')])[0];
    expect(diagnosis?.stdout).toContain(`Failed to pull image "${wrong}"`);
    runBlocks([step('image-pull', 'fix')]);
    const ready = await waitForPodReady(namespace, podName, 60);
    expect(ready.value.spec.containers[0].image).toBe(engramImage(model));
  });

  it('Pod Security: a StatefulSet without its securityContext is refused; the events say why; the generated one is Ready', async () => {
    await deployed();
    const applied = kubectlOk(
      'apply',
      '--kustomize',
      overlay('no-security-context', [
        { op: 'remove', path: '/spec/template/spec/securityContext' },
        { op: 'remove', path: '/spec/template/spec/containers/0/securityContext' },
      ]),
    );
    expect(applied.stderr).toContain('would violate PodSecurity "restricted:latest"');
    await waitInCluster(
      namespace,
      'the StatefulSet event the guide quotes',
      () =>
        kubectlOk('describe', 'statefulset', statefulSet, '-n', namespace).stdout.includes(
          entry('pod-security').symptom,
        )
          ? true
          : undefined,
      120,
    );
    expect(podLine()).toBe('');
    const diagnosis = runBlocks([step('pod-security', 'diagnose')])[0];
    expect(diagnosis?.stdout).toContain('pod-security.kubernetes.io/enforce=restricted');
    expect(diagnosis?.stdout).toContain(entry('pod-security').symptom);
    runBlocks([step('pod-security', 'fix')]);
    await waitForPodReady(namespace, podName, 60);
  });

  it('NetworkPolicy: an unlabelled client is refused; labels vs. selectors show why; labelled, its call succeeds', async () => {
    await deployed();
    const url = `http://${model.name}:${model.ports.http}${model.runtime.health.livenessPath}`;
    kubectlApply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: exampleClient, namespace },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: exampleClient } },
        template: {
          metadata: { labels: { app: exampleClient } },
          spec: waitingClientPodSpec(),
        },
      },
    });
    try {
      kubectlOk('rollout', 'status', `deployment/${exampleClient}`, '-n', namespace, '--timeout=120s');
      // Engram's Service has its ready endpoint, so a refusal below is the policy's, not an empty Service's.
      await waitInCluster(
        namespace,
        'the ready endpoint of the Service',
        () =>
          kubectlOk(
            'get',
            'endpointslices',
            '-n',
            namespace,
            '--selector',
            `kubernetes.io/service-name=${model.name}`,
            '--output',
            'jsonpath={.items[*].endpoints[?(@.conditions.ready==true)].addresses[*]}',
          ).stdout.trim() || undefined,
        60,
      );
      const call = () =>
        kubectl('exec', '-n', namespace, `deployment/${exampleClient}`, '--', 'curl', '-sS', '--max-time', '5', url);
      // kube-router programs a new Engram Pod's firewall within its sync period: wait for the refusal.
      const refused = await waitInCluster(
        namespace,
        'the client to be refused',
        () => {
          const result = call();
          return result.status !== 0 ? result : undefined;
        },
        90,
      );
      // The guide quotes one refusal; its time in milliseconds varies.
      const quoted = entry('networkpolicy-blocked')
        .symptom.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/after \d+ ms/, 'after \\d+ ms');
      expect(refused.value.stderr).toMatch(new RegExp(`^${quoted}$`, 'm'));
      expect(call().status, 'the refusal holds').not.toBe(0);
      const diagnosis = runBlocks([step('networkpolicy-blocked', 'diagnose')])[0];
      const { key, value } = model.networkPolicy.clientLabel;
      expect(diagnosis?.stdout).toContain(JSON.stringify({ [key]: value }));
      expect(diagnosis?.stdout).toContain(`app=${exampleClient}`);
      expect(diagnosis?.stdout).not.toContain(`${key}=${value}`);
      runBlocks([step('networkpolicy-blocked', 'fix')]);
      const answered = await waitInCluster(
        namespace,
        'the labelled client to be answered',
        () => {
          const result = call();
          return result.status === 0 ? result : undefined;
        },
        90,
      );
      expect(answered.value.status).toBe(0);
    } finally {
      kubectl('delete', 'deployment', exampleClient, '-n', namespace, '--wait=true');
    }
  });
});

afterAll(clean);
