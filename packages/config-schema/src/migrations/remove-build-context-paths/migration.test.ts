import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { describe, expect, it } from 'vitest';
import { modelFromText } from '../../load-config';
import removeBuildContextPaths from './migration';

const legacyModel = `# yaml-language-server: $schema=../node_modules/@engram/config-schema/schema/engram-deploy.schema.json
name: engram
build:
  # how the image builds the binary
  contextPaths: [proto, migrations, engram-cli/config]
  cargoPackage: engram-cli
persistence:
  size: 20Gi # room for a year
`;

describe('migration remove-build-context-paths', () => {
  it('removes build.contextPaths, keeps every other key and comment, and the model then validates', () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('deployments/engram.deploy.yaml', legacyModel);
    expect(() => modelFromText(legacyModel, 'deployments/engram.deploy.yaml')).toThrow(/contextPaths/);

    removeBuildContextPaths(tree);

    const migrated = tree.read('deployments/engram.deploy.yaml', 'utf8') ?? '';
    expect(migrated).toBe(`# yaml-language-server: $schema=../node_modules/@engram/config-schema/schema/engram-deploy.schema.json
name: engram
build:
  # how the image builds the binary
  cargoPackage: engram-cli
persistence:
  size: 20Gi # room for a year
`);
    expect(modelFromText(migrated, 'deployments/engram.deploy.yaml').build.cargoPackage).toBe('engram-cli');
  });

  it('drops build when contextPaths was all it held, in a model under any *.deploy.yaml name', () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('infra/staging.deploy.yml', 'name: staging\nbuild:\n  contextPaths: [proto]\n');
    removeBuildContextPaths(tree);
    expect(tree.read('infra/staging.deploy.yml', 'utf8')).toBe('name: staging\n');
  });

  it('changes nothing in a current model, in other YAML files, or in a model that does not parse', () => {
    const tree = createTreeWithEmptyWorkspace();
    const current = 'name: engram\nbuild:\n  cargoPackage: engram-cli\n';
    tree.write('deployments/engram.deploy.yaml', current);
    tree.write('ci/pipeline.yaml', 'build:\n  contextPaths: [kept]\n');
    tree.write('broken.deploy.yaml', 'build: [unclosed\n');
    const before = tree.listChanges().length;
    removeBuildContextPaths(tree);
    expect(tree.listChanges().length).toBe(before);
    expect(tree.read('ci/pipeline.yaml', 'utf8')).toBe('build:\n  contextPaths: [kept]\n');
  });
});
