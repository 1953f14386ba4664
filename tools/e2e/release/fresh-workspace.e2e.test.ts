import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helmWithInput, registryGet, startOciRegistry, type OciRegistry } from '../support/oci-registry';
import { run, runOk, workspaceRoot, type Result } from '../support/process';
import { startLocalRegistry, type LocalRegistry } from '../support/registry';

// The path a user takes: packages published by the real release command to a registry, installed
// into a new Nx workspace, generators run there. Its output must equal this repository's. The same
// release packages the generated chart and pushes it to a real OCI registry.

const packages = ['config-schema', 'dockerfile', 'compose', 'k8s', 'helm', 'systemd'].map((name) => `@engram/${name}`);
const nxVersion: string = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8')).devDependencies.nx;
/**
 * The workspaces users bring: this repository's Nx on each Node.js line the packages declare and
 * the registry serves, and the newest release of the previous Nx major: the peer range (`>=22 <24`) admits exactly these majors.
 */
const freshWorkspaces = [
  { node: '20', nx: nxVersion },
  { node: '24', nx: nxVersion },
  { node: '20', nx: String(Number(nxVersion.split('.')[0]) - 1) },
];
const { generators: deploymentGenerators } = JSON.parse(
  readFileSync(join(workspaceRoot, 'tools/deployment-generators.json'), 'utf8'),
) as { generators: ListedGenerator[] };
interface ListedGenerator {
  generator: string;
  options?: Record<string, string>;
}
/** The generators a user runs by hand the first time, in the order the users do. */
const handRun = [
  '@engram/config-schema:init',
  '@engram/k8s:statefulset',
  '@engram/helm:chart',
  '@engram/config-schema:docs',
  '@engram/dockerfile:dockerfile',
  '@engram/compose:compose',
  '@engram/k8s:all',
  '@engram/systemd:service',
];
/** Then every other generator this repository lists, with the options it gives them. */
const firstRun: ListedGenerator[] = [
  ...handRun.map((generator) => ({ generator })),
  ...deploymentGenerators.filter(({ generator }) => !handRun.includes(generator)),
];
const nonDefaultModel = readFileSync(
  join(workspaceRoot, 'packages/config-schema/test/fixtures/every-option.yaml'),
  'utf8',
);
/** helm and the other scanners (tools/scanners/install.sh). */
const scannersBin = join(process.env.ENGRAM_DEPLOY_CACHE ?? join(homedir(), '.cache/engram-deploy'), 'scanners/bin');
const changesetSummary = 'Release check: a minor change recorded through changesets.';

const git = (cwd: string, args: string[]) =>
  runOk('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Engram release test',
      GIT_AUTHOR_EMAIL: 'release-test@engram.invalid',
      GIT_COMMITTER_NAME: 'Engram release test',
      GIT_COMMITTER_EMAIL: 'release-test@engram.invalid',
    },
  });

/** Every file under `dir`, by path relative to `root`. */
function filesUnder(root: string, dir: string, files: Record<string, string> = {}): Record<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(root, path, files);
    else files[relative(root, path)] = readFileSync(path, 'utf8');
  }
  return files;
}

/** The generated files a workspace holds (deployments/, docs/reference/ and docs/operations/; docs/ also holds hand-written pages), by path. */
function generatedFiles(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const top of ['deployments', 'docs/reference', 'docs/operations'])
    if (existsSync(join(root, top))) filesUnder(root, join(root, top), files);
  return files;
}

function expectSameFiles(actual: Record<string, string>, expected: Record<string, string>) {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const path of Object.keys(expected)) expect(actual[path], path).toBe(expected[path]);
}

/** A copy of this working tree (tracked and new files, not ignored ones) as a git repository of its own. */
function copyWorkingTree(target: string) {
  const listed = runOk('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard']).stdout;
  for (const path of listed.split('\0').filter(Boolean)) {
    if (!existsSync(join(workspaceRoot, path))) continue; // deleted but not yet committed
    mkdirSync(dirname(join(target, path)), { recursive: true });
    copyFileSync(join(workspaceRoot, path), join(target, path));
  }
  git(target, ['init', '-q', '-b', 'main']);
  git(target, ['add', '-A']);
  git(target, ['commit', '-q', '-m', 'Release check source']);
}

describe('a release through a local registry into fresh Nx workspaces', () => {
  let registry: LocalRegistry;
  let ociRegistry: OciRegistry;
  let scratch: string;
  let source: string;
  let releasedVersion: string;
  let published: Result;
  let withoutChartRegistry: Result;
  let publishedBeforeChartRegistry: Result;
  /** Where `pnpm release` pushes the chart. */
  let chartRegistry: string;
  /** The model's appVersion and the generated chart's files when the release ran. */
  let releasedAppVersion: string;
  let releasedChart: Record<string, string>;
  const reference: Record<'default' | 'nonDefault', Record<string, string>> = { default: {}, nonDefault: {} };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'engram-release-'));
    source = join(scratch, 'source');
    registry = await startLocalRegistry();
    copyWorkingTree(source);
    runOk('pnpm', ['install', '--frozen-lockfile', '--prefer-offline', '--reporter=append-only'], { cwd: source });

    writeFileSync(
      join(source, '.changeset/release-check.md'),
      `---\n'@engram/helm': minor\n---\n\n${changesetSummary}\n`,
    );
    runOk('pnpm', ['changeset', 'version'], { cwd: source });
    releasedVersion = JSON.parse(readFileSync(join(source, 'packages/helm/package.json'), 'utf8')).version;
    git(source, ['commit', '-q', '-am', `Version ${releasedVersion}`]);

    ociRegistry = startOciRegistry(scratch);
    // A repository of its own: oci-registry.e2e.test.ts pushes charts/engram to the same registry.
    chartRegistry = `oci://${ociRegistry.address}/release-check/charts`;
    const releaseEnv = { ...registry.env, NX_DAEMON: 'false', PATH: `${scannersBin}:${process.env.PATH}` };
    withoutChartRegistry = run('pnpm', ['release'], { cwd: source, env: releaseEnv, timeoutSeconds: 600 });
    publishedBeforeChartRegistry = run('npm', ['view', '@engram/helm', 'version'], { env: registry.env });
    published = runOk('pnpm', ['release'], {
      cwd: source,
      env: {
        ...releaseEnv,
        ENGRAM_CHART_REGISTRY: chartRegistry,
        ENGRAM_CHART_REGISTRY_CA: ociRegistry.ca,
        HELM_REGISTRY_CONFIG: ociRegistry.helmRegistryConfig,
      },
    });

    // What this repository generates: its own deployments/ and docs/ for the default model (the
    // check proves they are what its generators write), then the same generators for another model.
    releasedAppVersion = parse(readFileSync(join(source, 'deployments/engram.deploy.yaml'), 'utf8')).appVersion;
    releasedChart = filesUnder(join(source, 'deployments/helm/engram'), join(source, 'deployments/helm/engram'));
    const nx = (args: string[]) => runOk('pnpm', ['exec', 'nx', ...args], { cwd: source, env: { ...process.env, NX_DAEMON: 'false' } });
    nx(['sync:check']);
    reference.default = generatedFiles(source);
    writeFileSync(join(source, 'deployments/engram.deploy.yaml'), nonDefaultModel);
    nx(['sync']);
    reference.nonDefault = generatedFiles(source);
  }, 1_200_000);

  afterAll(async () => {
    await registry?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('`pnpm changeset version` bumps every package together and writes their changelogs', () => {
    const before = JSON.parse(readFileSync(join(workspaceRoot, 'packages/helm/package.json'), 'utf8')).version;
    const [major, minor] = before.split('.').map(Number);
    expect(releasedVersion).toBe(`${major}.${minor + 1}.0`);
    for (const name of packages) {
      const dir = join(source, 'packages', name.replace('@engram/', ''));
      expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version, name).toBe(releasedVersion);
      const changelog = readFileSync(join(dir, 'CHANGELOG.md'), 'utf8');
      expect(changelog, name).toContain(`# ${name}\n\n## ${releasedVersion}`);
    }
    expect(readFileSync(join(source, 'packages/helm/CHANGELOG.md'), 'utf8')).toContain(changesetSummary);
    expect(existsSync(join(source, '.changeset/release-check.md'))).toBe(false);
  });

  it('`pnpm release` publishes every package at that version and tags it', () => {
    for (const name of packages) {
      expect(published.stdout + published.stderr).toContain(`${name}@${releasedVersion}`);
      const view = runOk('npm', ['view', name, 'version', 'dependencies', '--json'], { env: registry.env });
      const { version, dependencies = {} } = JSON.parse(view.stdout) as {
        version: string;
        dependencies?: Record<string, string>;
      };
      expect(version, name).toBe(releasedVersion);
      // workspace: ranges are replaced by the released versions on publish.
      for (const [dependency, range] of Object.entries(dependencies))
        if (dependency.startsWith('@engram/')) expect(range, `${name} → ${dependency}`).toBe(releasedVersion);
    }
    const tags = git(source, ['tag', '--list']).stdout.split('\n');
    for (const name of packages) expect(tags).toContain(`${name}@${releasedVersion}`);
  });

  it('`pnpm release` refuses to start without a chart registry, and publishes nothing', () => {
    expect(withoutChartRegistry.status).not.toBe(0);
    expect(withoutChartRegistry.stderr).toContain('ENGRAM_CHART_REGISTRY is not set');
    expect(publishedBeforeChartRegistry.status, publishedBeforeChartRegistry.stdout).not.toBe(0);
    expect(publishedBeforeChartRegistry.stderr).toContain('E404');
  });

  it('refuses a chart registry that is not an OCI reference, naming the variable and the value', () => {
    const hostile = run('node', ['tools/release/chart.mjs', 'package'], {
      cwd: source,
      env: { ...process.env, PATH: `${scannersBin}:${process.env.PATH}`, ENGRAM_CHART_REGISTRY: 'oci://x/charts;touch pwned' },
    });
    expect(hostile.status).not.toBe(0);
    expect(hostile.stderr).toContain('ENGRAM_CHART_REGISTRY: expected oci://HOST[:PORT]/PATH');
    expect(hostile.stderr).toContain('"oci://x/charts;touch pwned"');
    expect(existsSync(join(source, 'pwned'))).toBe(false);
  });

  it('`pnpm release` pushes the generated chart at the released version, with the model\'s appVersion', () => {
    const pushedLine = /release chart: pushed (\S+)@(sha256:[0-9a-f]{64})/.exec(published.stdout);
    expect(pushedLine, published.stdout).not.toBeNull();
    expect(pushedLine?.[1]).toBe(`${chartRegistry}/engram:${releasedVersion}`);
    // The digest the release printed is the one the registry serves for that tag.
    const manifest = registryGet(ociRegistry, `/v2/release-check/charts/engram/manifests/${releasedVersion}`, {
      accept: ['application/vnd.oci.image.manifest.v1+json'],
    });
    expect(manifest.status).toBe(200);
    expect(manifest.headers['docker-content-digest']).toBe(pushedLine?.[2]);

    const pulled = join(scratch, 'pulled-chart');
    const pull = helmWithInput(undefined, [
      'pull',
      `${chartRegistry}/engram`,
      '--version',
      releasedVersion,
      '--untar',
      '--untardir',
      pulled,
      '--ca-file',
      ociRegistry.ca,
      '--registry-config',
      ociRegistry.helmRegistryConfig,
    ]);
    expect(pull.status, pull.stderr).toBe(0);
    const chart = parse(readFileSync(join(pulled, 'engram/Chart.yaml'), 'utf8'));
    expect(chart.version).toBe(releasedVersion);
    expect(chart.appVersion).toBe(releasedAppVersion);
    // Everything but the version is the chart this repository generates.
    const released = filesUnder(join(pulled, 'engram'), join(pulled, 'engram'));
    const expected = releasedChart;
    expect(Object.keys(released).sort()).toEqual(Object.keys(expected).sort());
    for (const path of Object.keys(expected))
      if (path !== 'Chart.yaml') expect(released[path], path).toBe(expected[path]);
  });

  describe.each(freshWorkspaces)('a new Nx $nx workspace on Node.js $node', ({ node: line, nx }) => {
    let fresh: string;
    const onLine = (command: string, args: string[], cwd: string, timeoutSeconds = 600) => {
      const result = run('node', [join(workspaceRoot, 'tools/node-line.mjs'), line, command, ...args], {
        cwd,
        timeoutSeconds,
        env: { ...registry.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_INTERACTIVE: 'false' },
      });
      if (result.status !== 0)
        throw new Error(
          `${command} ${args.join(' ')} on Node.js ${line} exited ${result.status}\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}\nregistry:\n${registry.log().slice(-2000)}`,
        );
      return result;
    };
    const generate = ({ generator, options = {} }: ListedGenerator) =>
      onLine(
        'npx',
        ['nx', 'g', generator, ...Object.entries(options).map(([key, value]) => `--${key}=${value}`), '--no-interactive'],
        fresh,
      );

    beforeAll(() => {
      const parent = join(scratch, `node${line}-nx${nx}`);
      mkdirSync(parent);
      onLine(
        'npx',
        [
          '--yes',
          `create-nx-workspace@${nx}`,
          'fresh',
          '--preset=npm',
          '--pm=npm',
          '--nxCloud=skip',
          '--interactive=false',
        ],
        parent,
        900,
      );
      fresh = join(parent, 'fresh');
      const node = onLine('node', ['--version'], fresh).stdout.trim();
      expect(node.startsWith(`v${line}.`)).toBe(true);
      const installedNx = JSON.parse(readFileSync(join(fresh, 'node_modules/nx/package.json'), 'utf8')).version;
      expect(installedNx === nx || installedNx.startsWith(`${nx}.`), `nx ${installedNx}`).toBe(true);
    }, 1_200_000);

    it('`nx add` installs the released version of every package', () => {
      for (const name of packages) onLine('npx', ['nx', 'add', name], fresh);
      const manifest = JSON.parse(readFileSync(join(fresh, 'package.json'), 'utf8'));
      for (const name of packages) {
        expect(manifest.devDependencies[name], name).toBeDefined();
        const installed = JSON.parse(readFileSync(join(fresh, 'node_modules', name, 'package.json'), 'utf8'));
        expect(installed.version, name).toBe(releasedVersion);
      }
    });

    it('the generators write what this repository generates for the default model', () => {
      for (const listed of firstRun) generate(listed);
      expectSameFiles(generatedFiles(fresh), reference.default);
    });

    it('running every generator again changes nothing', () => {
      git(fresh, ['add', '-A']);
      git(fresh, ['commit', '-q', '-m', 'Engram deployments']);
      for (const listed of deploymentGenerators) generate(listed);
      expect(git(fresh, ['status', '--porcelain']).stdout).toBe('');
    });

    it('a non-default model gives what this repository generates for it', () => {
      writeFileSync(join(fresh, 'deployments/engram.deploy.yaml'), nonDefaultModel);
      for (const listed of deploymentGenerators) generate(listed);
      expectSameFiles(generatedFiles(fresh), reference.nonDefault);
    });
  });
});
