import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { normalize } from '@engram/config-schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderCheckScript } from '../../render-check-script';
import { renderCiWorkflow } from '../../render-ci-workflow';
import { initGenerator } from '../init/generator';
import { ciGenerator } from './generator';

describe('ci generator', () => {
  it('writes the workflow where GitHub runs it and the check script it calls', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('deployments/engram.deploy.yaml', 'kubernetes:\n  versions: [1.36.1]\n');
    await ciGenerator(tree, {});
    expect(tree.read('.github/workflows/engram-deploy.yml', 'utf-8')).toBe(
      renderCiWorkflow(normalize({ kubernetes: { versions: ['1.36.1'] } }), {
        dockerfile: 'deployments/docker/Dockerfile',
        kubernetesDirectory: 'deployments/kubernetes',
        chartDirectory: 'deployments/helm/engram',
        checkScript: 'deployments/ci/check.sh',
      }),
    );
    expect(tree.read('deployments/ci/check.sh', 'utf-8')).toBe(renderCheckScript());
  });

  it('points the workflow at the directories it is given', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    await ciGenerator(tree, {
      workflow: 'ops/engram.yml',
      checkScript: 'ops/check.sh',
      dockerDirectory: 'ops/image',
      kubernetesDirectory: 'ops/k8s',
      chartDirectory: 'ops/chart',
    });
    const env = parse(tree.read('ops/engram.yml', 'utf-8') ?? '').env;
    expect(env).toMatchObject({
      ENGRAM_DOCKERFILE: 'ops/image/Dockerfile',
      ENGRAM_KUBERNETES_DIR: 'ops/k8s',
      ENGRAM_CHART_DIR: 'ops/chart',
      ENGRAM_CHECK_SCRIPT: 'ops/check.sh',
    });
    expect(tree.exists('ops/check.sh')).toBe(true);
    expect(tree.exists('.github/workflows/engram-deploy.yml')).toBe(false);
  });

  it('changes nothing when run twice', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    await ciGenerator(tree, {});
    const first = tree.listChanges().map((c) => [c.path, c.content?.toString()]);
    await ciGenerator(tree, {});
    expect(tree.listChanges().map((c) => [c.path, c.content?.toString()])).toEqual(first);
  });

  it('refuses a path outside the workspace and writes nothing', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    const before = tree.listChanges().length;
    await expect(ciGenerator(tree, { chartDirectory: '../elsewhere' })).rejects.toThrow(/--chartDirectory/);
    expect(tree.listChanges().length).toBe(before);
  });

  it('prints the problem of an invalid Kubernetes version with its path and writes nothing', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('deployments/engram.deploy.yaml', 'kubernetes:\n  versions: ["1.27.3", "1.30"]\n');
    const before = tree.listChanges().length;
    await expect(ciGenerator(tree, {})).rejects.toThrow(
      /kubernetes\.versions\[0\]: .*expected a Kubernetes release MAJOR\.MINOR\.PATCH such as 1\.35\.4, 1\.28\.0 or newer, given "1\.27\.3"/,
    );
    await expect(ciGenerator(tree, {})).rejects.toThrow(/kubernetes\.versions\[1\]: .*given "1\.30"/);
    expect(tree.listChanges().length).toBe(before);
    expect(tree.exists('.github/workflows/engram-deploy.yml')).toBe(false);
  });
});
