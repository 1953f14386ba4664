import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { docker, engramImage } from '../support/docker';
import { run, runOk, workspaceRoot, type Result } from '../support/process';

/**
 * The check script of the CI workflow (deployments/ci/check.sh), run here as the workflow runs it:
 * with the workflow's own env block, on this repository's generated deployments and the real Engram
 * image. Only the schema location differs: kubeconform reads schemas written offline from each
 * Kubernetes release's OpenAPI document instead of downloading them.
 */
const workflow = parse(readFileSync(join(workspaceRoot, 'deployments/ci/engram-deploy.yml'), 'utf8')) as {
  env: Record<string, string>;
};
const scratch = mkdtempSync(join(tmpdir(), 'engram-ci-e2e-'));
const secretImage = 'localhost/engram:ci-planted-secret';
let kubeconformDir = '';
let schemaDir = '';

beforeAll(() => {
  const versions = workflow.env.ENGRAM_KUBERNETES_VERSIONS!.split(' ');
  [kubeconformDir = '', schemaDir = ''] = runOk('tools/ci/install-kubeconform.sh', versions, {
    timeoutSeconds: 1800,
  }).stdout.trim().split('\n');
}, 1_800_000);

afterAll(() => {
  run('docker', ['image', 'rm', '--force', secretImage]);
  rmSync(scratch, { recursive: true, force: true });
});

/** check.sh with the workflow's env, the scanners' offline settings, and `overrides` on top. */
function check(args: string[], overrides: Record<string, string> = {}, cwd = workspaceRoot): Result {
  return run('bash', ['-c', 'source "$1/tools/scanners/env.sh" && shift && exec bash "$@"', 'check', workspaceRoot, ...args], {
    cwd,
    timeoutSeconds: 1200,
    env: {
      ...process.env,
      ...workflow.env,
      ENGRAM_IMAGE: engramImage,
      ENGRAM_KUBECONFORM_SCHEMA_LOCATIONS: schemaDir,
      PATH: `${kubeconformDir}:${process.env.PATH}`,
      ...overrides,
    },
  });
}

describe('the CI check script on the generated deployments and the real image', () => {
  let result: Result;
  beforeAll(() => {
    result = check([join(workspaceRoot, workflow.env.ENGRAM_CHECK_SCRIPT!)]);
  }, 1_200_000);

  it('passes hadolint, trivy config, the image secret and misconfiguration scan, checkov, helm lint and kubeconform', () => {
    for (const name of ['hadolint', 'trivy-config', 'trivy-image-secrets', 'checkov', 'helm-lint', 'kubeconform']) {
      expect(result.stdout, result.stdout + result.stderr).toMatch(new RegExp(`^PASS ${name} \\(`, 'm'));
    }
    // checkov really scanned all three frameworks, and kubeconform every object on every release.
    expect(result.stdout.match(/Passed checks: [1-9]\d*, Failed checks: 0/g)).toHaveLength(3);
    for (const version of workflow.env.ENGRAM_KUBERNETES_VERSIONS!.split(' ')) {
      expect(result.stdout).toContain(`--- kubeconform ${version}: manifests`);
      expect(result.stdout).toContain(`--- kubeconform ${version}: chart`);
    }
    expect(result.stdout).toMatch(/Valid: [1-9]\d*, Invalid: 0, Errors: 0, Skipped: 0/);
    expect(result.stdout).not.toMatch(/Invalid: [1-9]|Errors: [1-9]|Skipped: [1-9]/);
  });

  it('says plainly that the vulnerability scan was skipped and why, and never reports a pass', () => {
    // This machine cannot download trivy's vulnerability database.
    expect(result.stdout).toContain(
      "SKIPPED trivy-image-vulnerabilities: trivy's vulnerability database could not be downloaded, so the image was NOT scanned for vulnerabilities",
    );
    expect(result.stdout).not.toMatch(/^PASS trivy-image-vulnerabilities/m);
    expect(result.stdout).toContain('check.sh: 6 passed, 0 failed, 1 skipped');
    expect(result.stdout).toContain('NOT PASSED: skipped trivy-image-vulnerabilities; a skipped check is not a pass');
    expect(result.status).toBe(3);
  });
});

describe('the CI check script on broken input', () => {
  it('fails the image scan on a private key planted in the real image', () => {
    const context = join(scratch, 'secret-image');
    runOk('mkdir', ['-p', context]);
    runOk('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', join(context, 'id_rsa')]);
    writeFileSync(join(context, 'Dockerfile'), `FROM ${engramImage}\nCOPY id_rsa /etc/engram/id_rsa\n`);
    docker('buildx', 'build', '--load', '--progress=plain', '-t', secretImage, context);
    const result = check([join(workspaceRoot, 'deployments/ci/check.sh'), 'trivy-image-secrets'], {
      ENGRAM_IMAGE: secretImage,
    });
    expect(result.stdout, result.stdout + result.stderr).toMatch(/^FAIL trivy-image-secrets/m);
    expect(result.stdout).toMatch(/private-key|Asymmetric Private Key/i);
    expect(result.stdout).toContain('/etc/engram/id_rsa');
    expect(result.status).toBe(1);
  });

  it('fails hadolint, trivy config, checkov and kubeconform on a root Dockerfile and a misspelt manifest field', () => {
    const deployments = join(scratch, 'deployments');
    cpSync(join(workspaceRoot, 'deployments'), deployments, { recursive: true });
    const dockerfile = join(deployments, 'docker/Dockerfile');
    writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace(/^USER .*$/m, 'USER root'));
    const statefulset = join(deployments, 'kubernetes/statefulset.yaml');
    writeFileSync(statefulset, readFileSync(statefulset, 'utf8').replace(/^ {2}replicas:/m, '  replica:'));
    const result = check(
      [join(deployments, 'ci/check.sh'), 'hadolint', 'trivy-config', 'checkov', 'kubeconform'],
      {},
      scratch,
    );
    expect(result.stdout, result.stdout + result.stderr).toMatch(/DL3002/);
    expect(result.stdout).toMatch(/DS-0002/);
    expect(result.stdout).toMatch(/CKV_DOCKER_8/);
    expect(result.stdout).toMatch(/additional properties 'replica' not allowed|'replica' not allowed/);
    for (const name of ['hadolint', 'trivy-config', 'checkov', 'kubeconform']) {
      expect(result.stdout).toMatch(new RegExp(`^FAIL ${name} \\(`, 'm'));
    }
    expect(result.stdout).toContain('check.sh: 0 passed, 4 failed, 0 skipped');
    expect(result.status).toBe(1);
  });
});
