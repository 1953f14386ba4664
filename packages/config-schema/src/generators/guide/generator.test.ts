import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { describe, expect, it } from 'vitest';
import { initGenerator } from '../init/generator';
import { guideGenerator } from './generator';

const guide = 'docs/operations/production-deployment.md';

describe('guide generator', () => {
  it("writes the guide with the model's values in its commands", async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    tree.write('deployments/engram.deploy.yaml', 'ports:\n  http: 8123\nkubernetes:\n  namespace: memory\n');
    await guideGenerator(tree, {});
    const text = tree.read(guide, 'utf-8') ?? '';
    expect(text).toContain('--publish 127.0.0.1:8123:8123');
    expect(text).toContain('kubectl --namespace memory rollout status statefulset/engram');
    expect(text).toContain('change the model and run `nx g @engram/config-schema:guide`');
  });

  it('writes nothing for an invalid model', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('deployments/engram.deploy.yaml', 'ports:\n  http: 99999\n');
    await expect(guideGenerator(tree, {})).rejects.toThrow(/ports\.http/);
    expect(tree.exists(guide)).toBe(false);
  });
});
