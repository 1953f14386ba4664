import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { normalize, validate, type EngramDeployConfig } from '@engram/config-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCheckScript } from './render-check-script';
import { renderCiWorkflow, type CiPaths } from './render-ci-workflow';

const workspaceRoot = resolve(__dirname, '../../..');
const paths: CiPaths = {
  dockerfile: 'deployments/docker/Dockerfile',
  kubernetesDirectory: 'deployments/kubernetes',
  chartDirectory: 'deployments/helm/engram',
  checkScript: 'deployments/ci/check.sh',
};

let actionlint = '';
let shellcheck = '';
const scratch = mkdtempSync(join(tmpdir(), 'engram-actionlint-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

beforeAll(() => {
  // tools/setup.sh builds it; on a machine that skipped setup this builds it once (about 30 s).
  actionlint = execFileSync(join(workspaceRoot, 'tools/ci/install-actionlint.sh'), { encoding: 'utf8' }).trim();
  // ShellCheck as tools/setup.sh installs it for the shell lint.
  shellcheck = spawnSync('sh', ['-c', 'command -v shellcheck'], { encoding: 'utf8' }).stdout.trim();
  if (!shellcheck) throw new Error('shellcheck is not on PATH; run: bash tools/setup.sh');
}, 600_000);

/** actionlint on a workflow in a repository of its own, with shellcheck checking every `run:`. */
function lint(workflow: string): { status: number | null; output: string } {
  const repository = mkdtempSync(join(scratch, 'repo-'));
  mkdirSync(join(repository, '.git'));
  mkdirSync(join(repository, '.github/workflows'), { recursive: true });
  writeFileSync(join(repository, '.github/workflows/engram-deploy.yml'), workflow);
  const result = spawnSync(actionlint, ['-no-color', '-shellcheck', shellcheck, '.github/workflows/engram-deploy.yml'], {
    cwd: repository,
    encoding: 'utf8',
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('actionlint', () => {
  it('finds nothing in the workflow of the default model', () => {
    const result = lint(renderCiWorkflow(normalize({}), paths));
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('finds nothing in the workflow of a model whose values look like syntax', () => {
    const config: EngramDeployConfig = {
      name: 'on',
      appVersion: '1.0.0_rc-1..x',
      image: { registry: 'localhost:5000/mirror--a', repository: 'example.com/team--x/engram.db', tag: '_--rf.' },
      kubernetes: { versions: ['1.99.999'] },
    };
    expect(validate(config).ok).toBe(true);
    const result = lint(renderCiWorkflow(normalize(config), paths));
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('finds nothing in the committed workflow of this repository', () => {
    const result = lint(readFileSync(join(workspaceRoot, 'deployments/ci/engram-deploy.yml'), 'utf8'));
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('fails a broken workflow: an unknown context and an unquoted variable in run', () => {
    const broken = renderCiWorkflow(normalize({}), paths)
      .replace('${{ env.ENGRAM_REGISTRY }}', '${{ envs.ENGRAM_REGISTRY }}')
      .replace('bash "$ENGRAM_CHECK_SCRIPT" hadolint', 'bash $ENGRAM_CHECK_SCRIPT hadolint');
    const result = lint(broken);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/undefined variable "envs"/);
    expect(result.output).toMatch(/SC2086/);
  });
});

describe('shellcheck', () => {
  it('finds nothing in the check script', () => {
    const script = join(scratch, 'check.sh');
    writeFileSync(script, renderCheckScript());
    const result = spawnSync(shellcheck, ['--shell=bash', '--severity=style', script], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
