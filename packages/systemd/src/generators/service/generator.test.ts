import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { describe, expect, it } from 'vitest';
import { initGenerator } from '../init/generator';
import { systemdGenerator } from './generator';

const files = [
  'deployments/systemd/engram.service',
  'deployments/systemd/engram.sysusers.conf',
  'deployments/systemd/engram.tmpfiles.conf',
  'deployments/systemd/config/engram/config.toml',
  'deployments/systemd/engram.env',
  'deployments/systemd/install.sh',
];

describe('service generator', () => {
  it('writes the unit, its sysusers.d and tmpfiles.d entries, config, environment file and an executable install.sh', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    await systemdGenerator(tree, {});
    for (const path of files) expect(tree.exists(path), path).toBe(true);
    const script = tree.listChanges().find((change) => change.path === 'deployments/systemd/install.sh');
    expect(script?.options?.mode).toBe('755');
  });

  it('names the files after the model and writes them into --directory', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('deployments/engram.deploy.yaml', 'name: memory\n');
    await systemdGenerator(tree, { directory: 'ops/host' });
    for (const path of ['memory.service', 'memory.sysusers.conf', 'memory.tmpfiles.conf', 'memory.env', 'install.sh'])
      expect(tree.exists(`ops/host/${path}`), path).toBe(true);
  });

  it('changes nothing when run twice', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    await systemdGenerator(tree, {});
    const first = tree.listChanges().map((c) => [c.path, c.content?.toString()]);
    await systemdGenerator(tree, {});
    expect(tree.listChanges().map((c) => [c.path, c.content?.toString()])).toEqual(first);
  });

  it('writes nothing for a model the schema rejects', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('deployments/engram.deploy.yaml', 'runtime:\n  stopGracePeriodSeconds: 0\n');
    await expect(systemdGenerator(tree, {})).rejects.toThrow(/runtime\.stopGracePeriodSeconds/);
    for (const path of files) expect(tree.exists(path)).toBe(false);
  });

  it('writes nothing for a model the schema accepts but a unit or shell script cannot carry, and names each field', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write(
      'deployments/engram.deploy.yaml',
      [
        'name: engram-with-a-name-too-long-for-acct',
        'runtime:',
        '  configFile: config.toml',
        '  extraArgs: ["ok", "café"]',
        '',
      ].join('\n'),
    );
    const error = await systemdGenerator(tree, {}).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(/deployments\/engram\.deploy\.yaml is not a valid Engram deployment model \(3 problems\)/);
    expect(message).toMatch(/- name: .*expected .*31 characters.*given "engram-with-a-name-too-long-for-acct"/);
    expect(message).toMatch(/- runtime\.configFile: .*expected DIRECTORY\/FILE\.toml.*given "config\.toml"/);
    expect(message).toMatch(/- runtime\.extraArgs\[1\]: .*given "café"/);
    expect(tree.listChanges().filter((change) => change.path.startsWith('deployments/systemd'))).toEqual([]);
  });
});
