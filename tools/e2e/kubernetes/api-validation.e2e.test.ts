import { normalize } from '@engram/config-schema';
import { kubernetesFiles } from '@engram/k8s';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelVariants } from '../../../packages/k8s/test/variants';
import { run, runOk } from '../support/process';

const scratch = mkdtempSync(join(tmpdir(), 'engram-kube-'));
// Each file starts the apiservers it needs and stops them: a server reused across files has
// proved unreliable to restart.
afterAll(() => {
  run('bash', ['tools/kube/apiserver.sh', 'stop-all']);
  rmSync(scratch, { recursive: true, force: true });
});

/** Renders a variant's whole manifest set into its own kustomization directory. */
function renderVariant(name: string, config: object): string {
  const directory = join(scratch, name.replace(/[^a-z0-9]+/gi, '-').toLowerCase());
  mkdirSync(directory, { recursive: true });
  for (const file of kubernetesFiles(normalize(config), directory)) {
    if (file.content !== null) writeFileSync(file.path, file.content);
  }
  return directory;
}

describe('the generated manifests against real kube-apiservers (server-side dry run, Pod Security "restricted")', () => {
  it('are accepted for every model variant on both Kubernetes versions', () => {
    const directories = [
      join('deployments', 'kubernetes'),
      ...Object.entries(modelVariants).map(([name, config]) => renderVariant(name, config)),
    ];
    const result = run('bash', ['tools/kube/validate.sh', '--with-crds', '--keep-running', ...directories], {
      timeoutSeconds: 1800,
    });
    console.log(
      result.stdout
        .split('\n')
        .filter((line) => /^(PASS|FAIL) /.test(line))
        .join('\n'),
    );
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const passes = result.stdout.split('\n').filter((line) => /\bPASS\b/.test(line));
    // Every directory on each of the two versions.
    expect(passes.length).toBe(directories.length * 2);
  });

  it('rejects a misplaced field and a pod that breaks "restricted" (the check can fail)', () => {
    const broken = renderVariant('broken', {});
    const statefulSet = join(broken, 'statefulset.yaml');
    const text = readFileSync(statefulSet, 'utf8');
    writeFileSync(
      statefulSet,
      text.replace('      serviceAccountName:', '      serviceAccountNme: engram\n      serviceAccountName:'),
    );
    const unknownField = run('bash', ['tools/kube/validate.sh', '--with-crds', '--keep-running', broken], {
      timeoutSeconds: 600,
    });
    expect(unknownField.status).not.toBe(0);
    expect(unknownField.stdout + unknownField.stderr).toMatch(/serviceAccountNme/);

    writeFileSync(statefulSet, text.replace('allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true'));
    const privileged = run('bash', ['tools/kube/validate.sh', '--with-crds', '--keep-running', broken], {
      timeoutSeconds: 600,
    });
    expect(privileged.status).not.toBe(0);
    expect(privileged.stdout + privileged.stderr).toMatch(/allowPrivilegeEscalation/);
  });

  it('kubectl kustomize renders the committed tree', () => {
    expect(runOk('kubectl', ['kustomize', 'deployments/kubernetes']).stdout).toMatch(/kind: StatefulSet/);
  });
});
