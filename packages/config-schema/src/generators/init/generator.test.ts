import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const yamllintRules = parse(readFileSync(resolve(__dirname, '../../../../../tools/scanners/yamllint.yaml'), 'utf8'));
const yamllintMaxLineLength: number = yamllintRules.rules['line-length'].max;
import { validate } from '../../validate';
import { initGenerator, schemaDefault, startingFields } from './generator';

describe('init generator', () => {
  it('writes a default model that validates and points editors at the schema', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    const text = tree.read('deployments/engram.deploy.yaml', 'utf-8') ?? '';
    expect(text).toMatch(
      /^# yaml-language-server: \$schema=\.\.\/node_modules\/@engram\/config-schema\/schema\/engram-deploy\.schema\.json\n/,
    );
    expect(validate(parse(text)).issues).toEqual([]);
  });

  it("names commands that work in any Nx workspace, not this repository's pnpm scripts", async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    const text = tree.read('deployments/engram.deploy.yaml', 'utf-8') ?? '';
    expect(text).not.toContain('pnpm generate');
    expect(text).toContain('#   nx g @engram/k8s:all\n');
    expect(text).toContain('#   nx g @engram/helm:chart\n');
  });

  it('keeps every line within the line length the YAML linter allows', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, { config: 'a/deeply/nested/place/for/the/model/engram.deploy.yaml' });
    const lines = (tree.read('a/deeply/nested/place/for/the/model/engram.deploy.yaml', 'utf-8') ?? '').split('\n');
    expect(lines.filter((line) => line.length > yamllintMaxLineLength)).toEqual([]);
  });

  it('is idempotent: a second run changes nothing', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    const before = tree.read('deployments/engram.deploy.yaml', 'utf-8');
    const changesBefore = tree.listChanges().length;
    await initGenerator(tree, {});
    expect(tree.read('deployments/engram.deploy.yaml', 'utf-8')).toBe(before);
    expect(tree.listChanges().length).toBe(changesBefore);
  });

  it('never overwrites an existing model', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('deployments/engram.deploy.yaml', 'name: mine\n');
    await initGenerator(tree, { name: 'other' });
    expect(tree.read('deployments/engram.deploy.yaml', 'utf-8')).toBe('name: mine\n');
  });

  it('writes elsewhere on request, with a schema path relative to that place', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, { config: 'ops/prod/engram.yaml', name: 'memory' });
    const text = tree.read('ops/prod/engram.yaml', 'utf-8') ?? '';
    expect(text).toContain('$schema=../../node_modules/@engram/config-schema/');
    expect(text).toContain('name: memory');
  });

  it('rejects an invalid name before writing anything', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await expect(initGenerator(tree, { name: 'Not Valid' })).rejects.toThrow(/name: has the wrong format/);
    expect(tree.exists('deployments/engram.deploy.yaml')).toBe(false);
  });
});

describe('the starting model', () => {
  it("names each starting field at the schema's default, so a schema change moves the sample with it", async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    const model = parse(tree.read('deployments/engram.deploy.yaml', 'utf-8') ?? '');
    for (const path of startingFields) {
      const value = path.reduce<any>((node, key) => node?.[key], model);
      expect(value, path.join('.')).toEqual(schemaDefault(path));
      expect(value, path.join('.')).not.toBeUndefined();
    }
    expect(model.name).toBe('engram');
  });
});
