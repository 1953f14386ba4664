import { normalize } from '@engram/config-schema';
import { kubernetesFiles } from '@engram/k8s';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelVariants } from '../../../packages/k8s/test/variants';
import { runOk } from '../support/process';
import { checkovCounts, scan } from '../support/scanners';

const scratch = mkdtempSync(join(tmpdir(), 'engram-scan-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the generated Dockerfile', () => {
  it('passes hadolint with no finding', () => {
    const result = scan('hadolint deployments/docker/Dockerfile');
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('passes checkov (dockerfile framework): no failed check, suppressions carry a reason', () => {
    const result = scan('checkov -f deployments/docker/Dockerfile --framework dockerfile --compact --quiet');
    const counts = checkovCounts(result.stdout);
    expect(counts.failed, result.stdout).toBe(0);
    expect(counts.passed).toBeGreaterThan(50);
    expect(result.status).toBe(0);
  });

  it('passes trivy config with no misconfiguration', () => {
    const result = scan('trivy config --quiet --exit-code 1 --severity LOW,MEDIUM,HIGH,CRITICAL deployments/docker');
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});

describe('the generated Kubernetes manifests', () => {
  it('pass checkov (kubernetes framework) as applied, for every model variant', () => {
    const dir = join(scratch, 'kubernetes');
    mkdirSync(dir, { recursive: true });
    for (const [index, config] of Object.values(modelVariants).entries()) {
      const variantDir = join(scratch, `variant-${index}`);
      mkdirSync(variantDir, { recursive: true });
      for (const file of kubernetesFiles(normalize(config), variantDir)) {
        if (file.content !== null) writeFileSync(file.path, file.content);
      }
      // What `kubectl apply -k` applies, with the namespace the kustomization sets.
      writeFileSync(join(dir, `variant-${index}.yaml`), runOk('kubectl', ['kustomize', variantDir]).stdout);
    }
    const result = scan(`checkov -d ${dir} --framework kubernetes --compact --quiet`);
    const counts = checkovCounts(result.stdout);
    expect(counts.failed, result.stdout).toBe(0);
    expect(counts.passed).toBeGreaterThan(100);
  });

  it('pass trivy config as applied, with no misconfiguration but the trusted-registry policy', () => {
    const applied = join(scratch, 'applied');
    mkdirSync(applied, { recursive: true });
    writeFileSync(join(applied, 'engram.yaml'), runOk('kubectl', ['kustomize', 'deployments/kubernetes']).stdout);
    const result = scan(
      `trivy config --quiet --exit-code 1 --ignorefile tools/scanners/trivyignore-kubernetes ${applied}`,
    );
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});

describe('every generated YAML file', () => {
  it('passes yamllint', () => {
    const result = scan('yamllint --strict deployments');
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
