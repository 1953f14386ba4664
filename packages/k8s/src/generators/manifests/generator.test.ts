import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import type { Tree } from '@nx/devkit';
import { describe, expect, it } from 'vitest';
import { initGenerator } from '../init/generator';
import { allGenerator, networkpolicyGenerator, pvcGenerator, statefulsetGenerator } from './generator';

async function workspace(model?: string): Promise<Tree> {
  const tree = createTreeWithEmptyWorkspace();
  if (model) tree.write('deployments/engram.deploy.yaml', model);
  else await initGenerator(tree, {});
  return tree;
}

const written = (tree: Tree) =>
  tree
    .listChanges()
    .filter((c) => c.path.startsWith('deployments/kubernetes/'))
    .map((c) => c.path)
    .sort();

describe('k8s generators', () => {
  it('all writes the whole tree with its kustomization', async () => {
    const tree = await workspace();
    await allGenerator(tree, {});
    expect(written(tree)).toEqual(
      ['configmap', 'kustomization', 'namespace', 'networkpolicy', 'pdb', 'service', 'serviceaccount', 'statefulset']
        .map((f) => `deployments/kubernetes/${f}.yaml`)
        .concat('deployments/kubernetes/secret.yaml.example')
        .sort(),
    );
  });

  it('a slice generator writes only its slice', async () => {
    const tree = await workspace();
    await statefulsetGenerator(tree, {});
    expect(written(tree)).toEqual(['deployments/kubernetes/statefulset.yaml']);
  });

  it('removes the file of a slice the model turns off', async () => {
    const tree = await workspace('persistence:\n  existingClaim: engram-data\nnetworkPolicy:\n  enabled: false\n');
    tree.write('deployments/kubernetes/networkpolicy.yaml', 'stale\n');
    await networkpolicyGenerator(tree, {});
    expect(tree.exists('deployments/kubernetes/networkpolicy.yaml')).toBe(false);
    await pvcGenerator(tree, {});
    expect(tree.read('deployments/kubernetes/pvc.yaml', 'utf-8')).toContain('name: engram-data');
  });

  it('changes nothing when run twice', async () => {
    const tree = await workspace();
    await allGenerator(tree, {});
    const first = tree.listChanges().map((c) => [c.path, c.content?.toString()]);
    await allGenerator(tree, {});
    expect(tree.listChanges().map((c) => [c.path, c.content?.toString()])).toEqual(first);
  });

  it('writes nothing for an invalid model', async () => {
    const tree = await workspace('statefulset:\n  replicas: 3\nservice:\n  type: LoadBalancer\n');
    await expect(allGenerator(tree, {})).rejects.toThrow(
      /2 problems[\s\S]*statefulset\.replicas[\s\S]*loadBalancerSourceRanges/,
    );
    expect(written(tree)).toEqual([]);
  });
});
