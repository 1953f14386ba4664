import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { describe, expect, it } from 'vitest';
import { initGenerator } from '../init/generator';
import { composeGenerator } from './generator';

const stack = [
  'deployments/docker/docker-compose.yml',
  'deployments/docker/.env.example',
  'deployments/docker/config/engram/config.toml',
  'deployments/docker/monitoring/prometheus.yml',
  'deployments/docker/monitoring/grafana/provisioning/datasources/prometheus.yml',
  'deployments/docker/monitoring/grafana/provisioning/dashboards/engram.yml',
  'deployments/docker/monitoring/grafana/dashboards/engram-overview.json',
];

describe('compose generator', () => {
  it('writes the Compose file and every file it mounts', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    await composeGenerator(tree, {});
    for (const path of stack) expect(tree.exists(path), path).toBe(true);
    expect(tree.read('deployments/docker/config/engram/config.toml', 'utf-8')).toContain('http_bind = "0.0.0.0"');
  });

  it('changes nothing when run twice', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    await composeGenerator(tree, {});
    const first = tree.listChanges().map((c) => [c.path, c.content?.toString()]);
    await composeGenerator(tree, {});
    expect(tree.listChanges().map((c) => [c.path, c.content?.toString()])).toEqual(first);
  });

  it('writes nothing for an invalid model and lists every problem', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('deployments/engram.deploy.yaml', 'compose:\n  restart: sometimes\n  logging:\n    maxFile: 0\n');
    await expect(composeGenerator(tree, {})).rejects.toThrow(
      /2 problems[\s\S]*compose\.restart[\s\S]*compose\.logging\.maxFile/,
    );
    for (const path of stack) expect(tree.exists(path)).toBe(false);
  });
});
