import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { describe, expect, it } from 'vitest';
import { initGenerator } from '../init/generator';
import { chartGenerator } from './generator';

describe('chart generator', () => {
  it('writes the chart and changes nothing when run twice', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    await chartGenerator(tree, {});
    expect(tree.exists('deployments/helm/engram/templates/statefulset.yaml')).toBe(true);
    const first = tree.listChanges().map((c) => [c.path, c.content?.toString()]);
    await chartGenerator(tree, {});
    expect(tree.listChanges().map((c) => [c.path, c.content?.toString()])).toEqual(first);
  });

  it('writes nothing for an invalid model', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('deployments/engram.deploy.yaml', 'autoscaling:\n  enabled: true\n');
    await expect(chartGenerator(tree, {})).rejects.toThrow(/autoscaling\.enabled: must be false/);
    expect(tree.exists('deployments/helm/engram/Chart.yaml')).toBe(false);
  });
});
