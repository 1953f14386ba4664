import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { describe, expect, it } from 'vitest';
import { renderDockerfile } from '../../render-dockerfile';
import { normalize } from '@engram/config-schema';
import { dockerfileGenerator } from './generator';
import { initGenerator } from '../init/generator';

describe('dockerfile generator', () => {
  it('writes the Dockerfile and its ignore file from the model', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('deployments/engram.deploy.yaml', 'ports:\n  http: 8000\n');
    await dockerfileGenerator(tree, {});
    expect(tree.read('deployments/docker/Dockerfile', 'utf-8')).toBe(
      renderDockerfile(normalize({ ports: { http: 8000 } })),
    );
    expect(tree.exists('deployments/docker/Dockerfile.dockerignore')).toBe(true);
    expect(tree.exists('deployments/docker/.dockerignore')).toBe(false);
  });

  it('writes into another directory on request', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    await dockerfileGenerator(tree, { directory: 'ops/image' });
    expect(tree.exists('ops/image/Dockerfile')).toBe(true);
  });

  it('changes nothing when run twice', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    await dockerfileGenerator(tree, {});
    const first = tree.listChanges().map((c) => [c.path, c.content?.toString()]);
    await dockerfileGenerator(tree, {});
    expect(tree.listChanges().map((c) => [c.path, c.content?.toString()])).toEqual(first);
  });

  it('prints every problem of an invalid model and writes nothing', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('deployments/engram.deploy.yaml', 'ports:\n  http: 1\n  grpc: 1\nruntime:\n  logLevel: loud\n');
    const before = tree.listChanges().length;
    await expect(dockerfileGenerator(tree, {})).rejects.toThrow(
      /\(1 problem\):\n {2}- runtime\.logLevel: is not an allowed value/,
    );
    expect(tree.listChanges().length).toBe(before);
    expect(tree.exists('deployments/docker/Dockerfile')).toBe(false);
  });

  it('says how to create a missing model', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await expect(dockerfileGenerator(tree, {})).rejects.toThrow(/nx g @engram\/config-schema:init/);
  });
});
