import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalize, validate, type EngramDeployConfig } from '@engram/config-schema';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, parse, parseDocument, visit } from 'yaml';
import { ciChecks, renderCheckScript } from './render-check-script';
import { ciChartRepository, ciWorkflowEnv, pinnedActions, renderCiWorkflow, type CiPaths } from './render-ci-workflow';

const paths: CiPaths = {
  dockerfile: 'deployments/docker/Dockerfile',
  kubernetesDirectory: 'deployments/kubernetes',
  chartDirectory: 'deployments/helm/engram',
  checkScript: 'deployments/ci/check.sh',
};

const scratch = mkdtempSync(join(tmpdir(), 'engram-ci-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Model values that pass validation yet look like shell, YAML or expression syntax where they can. */
const hostileButValid: EngramDeployConfig = {
  name: 'on',
  appVersion: '1.0.0_rc-1..x',
  image: {
    registry: 'localhost:5000/mirror--a/b__c',
    repository: 'registry.example.com:443/team--x/engram.db',
    tag: '_--rf.',
  },
  kubernetes: { versions: ['1.99.999', '1.28.0'] },
};

function modelOf(config: EngramDeployConfig) {
  const result = validate(config);
  expect(result.ok, JSON.stringify(result)).toBe(true);
  return normalize(config);
}

interface Step {
  name: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  env: Record<string, string>;
  jobs: Record<string, { steps: Step[]; env?: unknown }>;
}

function steps(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps);
}

/** Every `${{ ... }}` of the workflow text, in order. */
function expressions(text: string): string[] {
  return [...text.matchAll(/\$\{\{(.*?)\}\}/g)].map((match) => match[1]!.trim());
}

/** The workflow without its top-level env block: everything in it must not depend on the model. */
function withoutEnv(text: string): unknown {
  const { env: _env, ...rest } = parse(text) as Workflow;
  return rest;
}

describe('the CI workflow', () => {
  const text = renderCiWorkflow(modelOf({}), paths);
  const workflow = parse(text) as Workflow;

  it('pins every action by a full commit, with its release in a comment', () => {
    const used = steps(workflow).flatMap((step) => (step.uses ? [step.uses] : []));
    expect(used.length).toBeGreaterThanOrEqual(Object.keys(pinnedActions).length);
    for (const reference of used) expect(reference).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+@[0-9a-f]{40}$/);
    const comments: string[] = [];
    visit(parseDocument(text), {
      Pair(_key, pair) {
        if (isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value)) {
          comments.push(`${String(pair.value.value)}#${pair.value.comment ?? ''}`);
        }
      },
    });
    expect(comments).toHaveLength(used.length);
    for (const comment of comments) expect(comment).toMatch(/@[0-9a-f]{40}# v\d+\.\d+\.\d+$/);
  });

  it('builds with BuildKit and a registry cache, loads the image for the checks, pushes only on v* tags', () => {
    const all = steps(workflow);
    const build = all.find((step) => step.uses?.startsWith('docker/build-push-action@') && step.with?.load === true);
    expect(build?.with).toMatchObject({ push: false, 'cache-from': 'type=registry,ref=${{ env.ENGRAM_BUILD_CACHE }}' });
    expect(all.some((step) => step.uses?.startsWith('docker/setup-buildx-action@'))).toBe(true);
    const publishing = all.filter((step) => step.with?.push === true || /helm push/.test(step.run ?? ''));
    expect(publishing).toHaveLength(2);
    for (const step of publishing) expect(step.if).toContain("startsWith(github.ref, 'refs/tags/v')");
    expect(parse(text).on.push.tags).toEqual(['v*']);
    expect(parse(text).permissions).toEqual({ contents: 'read' });
  });

  it('runs each check of the check script in its own step, all of them, through the script', () => {
    const checkRuns = steps(workflow)
      .map((step) => step.run ?? '')
      .filter((run) => run.startsWith('bash "$ENGRAM_CHECK_SCRIPT"'));
    expect(checkRuns.map((run) => run.split(' ').at(-1))).toEqual([...ciChecks]);
    const script = join(scratch, 'check.sh');
    writeFileSync(script, renderCheckScript());
    const listed = execFileSync('bash', [script, '--list'], { encoding: 'utf8' }).trim().split('\n');
    expect(listed).toEqual([...ciChecks]);
  });

  it('hands the model to the steps only through env, so no model string is in a run script or an expression', () => {
    const hostile = renderCiWorkflow(modelOf(hostileButValid), paths);
    expect((parse(hostile) as Workflow).env).toEqual(ciWorkflowEnv(modelOf(hostileButValid), paths));
    expect((parse(hostile) as Workflow).env).toMatchObject({
      ENGRAM_IMAGE_REPOSITORY: 'localhost:5000/mirror--a/b__c/team--x/engram.db',
      ENGRAM_IMAGE_TAG: '_--rf.',
      ENGRAM_KUBERNETES_VERSIONS: '1.99.999 1.28.0',
    });
    // Everything but the env block, run scripts and expressions included, is the same for both models.
    expect(withoutEnv(hostile)).toEqual(withoutEnv(text));
    expect(expressions(hostile)).toEqual(expressions(text));
    for (const expression of expressions(text)) expect(expression).not.toMatch(/engram\.db|docker\.io|0\.1\.0/);
  });

  it('holds for every valid value of the fields it reads', () => {
    const fromPattern = (pattern: string) => fc.stringMatching(new RegExp(pattern));
    const reference = withoutEnv(text);
    fc.assert(
      fc.property(
        fromPattern('^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$'),
        fromPattern('^([a-z0-9]+\\.)?[a-z0-9]+(:[0-9]{1,5})?/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$'),
        fromPattern('^([A-Za-z0-9_][A-Za-z0-9_.-]{0,20})?$'),
        (appVersion, repository, tag) => {
          const config: EngramDeployConfig = { appVersion, image: { repository, tag } };
          if (!validate(config).ok) return;
          const rendered = renderCiWorkflow(normalize(config), paths);
          expect(withoutEnv(rendered)).toEqual(reference);
          expect((parse(rendered) as Workflow).env.ENGRAM_IMAGE_TAG).toBe(tag || appVersion);
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);

  it('pushes the chart beside the image, on the host helm must use for Docker Hub', () => {
    const chart = (repository: string, registry = '') => ciChartRepository(modelOf({ image: { repository, registry } }));
    expect(chart('docker.io/engram/engram')).toBe('oci://registry-1.docker.io/engram');
    expect(chart('engram/engram')).toBe('oci://registry-1.docker.io/engram');
    expect(chart('ghcr.io/org/team/engram')).toBe('oci://ghcr.io/org/team');
    expect(chart('localhost:5000/engram')).toBe('oci://localhost:5000');
    expect(chart('docker.io/engram/engram', 'mirror.example.com:5000')).toBe('oci://mirror.example.com:5000/engram');
    expect(ciWorkflowEnv(modelOf({}), paths)).toMatchObject({
      ENGRAM_REGISTRY: 'docker.io',
      ENGRAM_CHART_REGISTRY: 'registry-1.docker.io',
    });
  });

  it('refuses a path option that would put an expression into the workflow', () => {
    expect(() => renderCiWorkflow(modelOf({}), { ...paths, chartDirectory: 'charts/${{ secrets.TOKEN }}' })).toThrow(
      /ENGRAM_CHART_DIR may not contain "\$\{\{"/,
    );
  });

  it('keeps the YAML of the env block typed as strings', () => {
    const document = parseDocument(renderCiWorkflow(modelOf({ name: 'on', appVersion: '1.10' }), paths));
    const env = document.get('env');
    expect(isMap(env)).toBe(true);
    expect((parse(document.toString()) as Workflow).env.ENGRAM_IMAGE_TAG).toBe('1.10');
    expect(isSeq(document.getIn(['on', 'push', 'tags']))).toBe(true);
  });
});

describe('the check script', () => {
  const script = join(scratch, 'check-usage.sh');
  writeFileSync(script, renderCheckScript());

  it('refuses an unknown check before running anything', () => {
    const result = spawnSync('bash', [script, 'trivy', 'hadolint'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown check trivy \(known: hadolint trivy-config/);
  });

  it('fails a check whose tool is missing, and says which', () => {
    // The system's directories only: the scanners live in their own cache.
    const result = spawnSync('/bin/bash', [script, 'hadolint'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    expect(result.stdout).toContain('missing tool: hadolint is not on PATH');
    expect(result.stdout).toMatch(/^FAIL hadolint/m);
    expect(result.stdout).toContain('check.sh: 0 passed, 1 failed, 0 skipped');
    expect(result.status).toBe(1);
  });
});
