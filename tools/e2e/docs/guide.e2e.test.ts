import { engramImage, guidePaths, layoutFor, normalize } from '@engram/config-schema';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster } from '../support/cluster';
import { writeTestOverride } from '../support/compose';
import { buildImage, localBuilderImage, localRuntimeImage } from '../support/docker';
import { blocksOf, figure, guideBlocks, operatorEnvironment, runBlocks, type GuideBlock } from '../support/guide';
import { run, runOk, workspaceRoot } from '../support/process';
import { bootSystemdHost, extractEngramBinary, type SystemdHost } from '../support/systemd-host';

// The operator guide, docs/operations/production-deployment.md, run block by block against the real
// Engram image, Compose and the live single-node cluster, each path from a clean state to a memory
// stored and recalled. Where this machine differs from an operator's, the substitution is named here:
// - image build: the harness's BuildKit build (local base images, the machine's CA bundle as the
//   build-ca secret, a copy of the Engram workspace as context), tagged with the guide's image;
// - Compose: COMPOSE_FILE adds the harness override (the same build context and secret, the local
//   Prometheus image), and ENGRAM_BUILDER_IMAGE / ENGRAM_RUNTIME_IMAGE point at the local base images;
// - Kubernetes and Helm: the illustrative `docker push` becomes an import of the same image, under the
//   same name, into the cluster's containerd (the Pods' IfNotPresent policy then finds it);
// - systemd: the host is the systemd host of the bare-metal test (support/systemd-host.ts), booted
//   fresh; the blocks run there as root, from a checkout holding deployments/systemd, and the
//   illustrative `cargo build` becomes the binary of the real Engram image at target/release/engram.
const model = normalize(parse(readFileSync(join(workspaceRoot, 'deployments/engram.deploy.yaml'), 'utf8')));
const image = engramImage(model);
const blocks = guideBlocks();
const scratch = mkdtempSync(join(tmpdir(), 'engram-guide-'));
const composeDirectory = join(workspaceRoot, 'deployments/docker');
const prometheusImage = 'localhost/engram-prometheus:e2e';
/** Where the guide's port-forward block records the forward's process id. */
const portForwardPidFile = '/tmp/engram-port-forward.pid';

/** The environments this runner deploys to, each a path through the guide. */
const paths = ['docker', 'compose', 'kubernetes', 'helm', 'systemd'] as const;
const troubleshooting = /^troubleshoot-[a-z-]+$/;

function runPath(path: (typeof paths)[number], options: Parameters<typeof runBlocks>[1] = {}): number {
  const started = performance.now();
  runBlocks([...blocksOf(blocks, path), ...blocksOf(blocks, 'verify')], options);
  return (performance.now() - started) / 1000;
}

function cleanDocker(): void {
  run('docker', ['rm', '--force', model.compose.containerName]);
  run('docker', ['volume', 'rm', '--force', model.compose.dataVolume.name]);
}

/** Stops a port forward a guide block left running, and only that: the pid file must name a kubectl port-forward. */
function stopPortForward(): void {
  const pid = existsSync(portForwardPidFile) ? readFileSync(portForwardPidFile, 'utf8').trim() : '';
  if (!/^[1-9][0-9]*$/.test(pid)) return;
  const commandLine = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (commandLine.includes('kubectl') && commandLine.includes('port-forward')) process.kill(Number(pid));
  rmSync(portForwardPidFile, { force: true });
}

function cleanNamespace(): void {
  stopPortForward();
  const env = operatorEnvironment();
  run('helm', ['uninstall', model.name, '--namespace', model.kubernetes.namespace, '--wait'], { env });
  run('kubectl', ['delete', 'namespace', model.kubernetes.namespace, '--wait=true', '--ignore-not-found'], {
    env,
    timeoutSeconds: 600,
  });
}

describe('the guide, statically', () => {
  it('marks every shell block, and every marked block belongs to a path this runner runs', () => {
    const unclaimed = blocks.filter(
      (block: GuideBlock) =>
        block.path !== 'illustrative' &&
        block.path !== 'verify' &&
        !(paths as readonly string[]).includes(block.path) &&
        !troubleshooting.test(block.path),
    );
    expect(unclaimed.map((block) => `line ${block.line}: doctest:${block.path}`)).toEqual([]);
    // Each illustrative block is preceded by a sentence saying why it is not run.
    const text = readFileSync(join(workspaceRoot, 'docs/operations/production-deployment.md'), 'utf8').split('\n');
    for (const block of blocks.filter((b) => b.path === 'illustrative')) {
      const before = text.slice(Math.max(0, block.line - 4), block.line - 1).join(' ');
      expect(before, `illustrative block at line ${block.line}`).toMatch(/Not run by the tests: .+/);
    }
    console.log(
      `guide blocks: ${blocks.length}; run: ${blocks.filter((b) => b.path !== 'illustrative').length}; illustrative: ${blocks.filter((b) => b.path === 'illustrative').length}`,
    );
  });
});

describe('the Docker path of the guide', () => {
  beforeAll(cleanDocker);
  afterAll(cleanDocker);

  it('builds, starts, stores and recalls a memory, and stops', () => {
    const build = buildImage({ tag: image });
    figure('guide Docker path: image build', build.seconds);
    const deploy = runPath('docker');
    figure('guide Docker path: deploy to verified memory round trip', deploy);
    runBlocks(blocksOf(blocks, 'docker', 'teardown'));
    expect(run('docker', ['inspect', model.compose.containerName]).status).not.toBe(0);
  });
});

describe('the Compose path of the guide', () => {
  const env = operatorEnvironment({
    COMPOSE_FILE: [join(composeDirectory, 'docker-compose.yml'), writeTestOverride(scratch, prometheusImage)].join(':'),
    ENGRAM_BUILDER_IMAGE: localBuilderImage,
    ENGRAM_RUNTIME_IMAGE: localRuntimeImage,
    COMPOSE_PROGRESS: 'plain',
  });
  const down = () =>
    run('docker', ['compose', '--profile', model.compose.monitoring.profile, 'down', '--volumes'], {
      cwd: composeDirectory,
      env,
    });
  beforeAll(() => {
    cleanDocker();
    down();
  });
  afterAll(down);

  it('builds, starts with Prometheus scraping, stores and recalls a memory, and stops', () => {
    const started = performance.now();
    runBlocks(blocksOf(blocks, 'compose', 'build'), { env });
    figure('guide Compose path: docker compose build', (performance.now() - started) / 1000);
    const deploy = runPath('compose', { env });
    figure('guide Compose path: deploy to verified memory round trip', deploy);
    runBlocks(blocksOf(blocks, 'compose', 'teardown'), { env });
    expect(run('docker', ['inspect', model.compose.containerName]).status).not.toBe(0);
  });
});

describe('the Kubernetes paths of the guide (raw manifests, then Helm)', () => {
  beforeAll(() => {
    startCluster();
    cleanNamespace();
  });
  afterAll(cleanNamespace);

  it('imports the image, applies the manifests, stores and recalls a memory, and removes them', () => {
    const built = buildImage({ tag: image });
    figure('guide Kubernetes path: image build', built.seconds);
    const imported = runOk('bash', ['tools/kube/cluster.sh', 'import', image], { timeoutSeconds: 600 });
    figure('guide Kubernetes path: image import (instead of docker push)', imported.seconds);
    const deploy = runPath('kubernetes');
    figure('guide Kubernetes path: raw manifests to verified memory round trip', deploy);
    runBlocks(blocksOf(blocks, 'kubernetes', 'teardown'));
  });

  it('installs the chart, stores and recalls a memory, and uninstalls it', () => {
    const deploy = runPath('helm');
    figure('guide Kubernetes path: Helm install to verified memory round trip', deploy);
    runBlocks(blocksOf(blocks, 'helm', 'teardown'));
  });
});

describe('the systemd path of the guide', () => {
  const layout = layoutFor(model);
  const hostContainer = 'engram-guide-systemd-host';
  /** The operator's Engram checkout on the host: the guide's relative paths start here. */
  const checkout = '/root/engram';
  const options = { container: hostContainer, cwd: checkout };
  let host: SystemdHost;

  beforeAll(async () => {
    const started = performance.now();
    host = await bootSystemdHost(hostContainer);
    figure('guide systemd path: host image check and boot', (performance.now() - started) / 1000);
    host.shOk(`mkdir -p ${checkout}/deployments ${checkout}/target/release`);
    host.copyIn(join(workspaceRoot, guidePaths.systemdDirectory), `${checkout}/${guidePaths.systemdDirectory}`);
    const binary = join(scratch, model.build.cargoBin);
    extractEngramBinary(model.runtime.binaryPath, binary);
    host.copyIn(binary, `${checkout}/target/release/${model.build.cargoBin}`);
  });
  afterAll(() => host?.remove());

  it('installs and starts the service, stores and recalls a memory, uninstalls keeping the data, then deletes it', () => {
    const deploy = runPath('systemd', options);
    figure('guide systemd path: install to verified memory round trip', deploy);
    // What the guide says the installer and the unit do.
    expect(host.shOk(`stat -c '%U %a' ${layout.dataDir}`).trim()).toBe(`${layout.name} 700`);
    expect(host.shOk(`stat -c '%U:%G %a' ${layout.configPath}`).trim()).toBe(`root:${layout.name} 640`);
    expect(host.shOk(`stat -c %U /proc/"$(systemctl show -p MainPID --value ${layout.unitFile})"`).trim()).toBe(
      layout.name,
    );

    const [uninstall, purge, ...more] = blocksOf(blocks, 'systemd', 'teardown');
    expect(more).toEqual([]);
    const spaces = () => host.shOk(`find ${layout.dataDir} -maxdepth 2 | sort`);
    const before = spaces();
    expect(before).toContain(`${layout.dataDir}/${model.engram.memorySpaces.defaultSpace}/wal`);
    runBlocks([uninstall as GuideBlock], options);
    for (const path of [layout.unitPath, layout.binaryPath, layout.configPath])
      expect(host.sh(`test -e ${path}`).status, `${path} removed`).not.toBe(0);
    expect(host.sh(`systemctl is-active ${layout.unitFile}`).status).not.toBe(0);
    expect(spaces()).toBe(before);
    expect(host.shOk(`stat -c %U ${layout.dataDir}`).trim()).toBe(layout.name);
    expect(host.shOk(`test -f ${layout.environmentFile} && echo kept`).trim()).toBe('kept');

    runBlocks([purge as GuideBlock], options);
    for (const path of [layout.dataDir, layout.logsDir, layout.environmentFile])
      expect(host.sh(`test -e ${path}`).status, `${path} deleted`).not.toBe(0);
    expect(host.sh(`getent passwd ${layout.name}`).status).not.toBe(0);
    expect(host.sh(`getent group ${layout.name}`).status).not.toBe(0);
  });
});
