import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const workspaceRoot = join(__dirname, '..', '..');
const require = createRequire(__filename);
const packages = ['config-schema', 'dockerfile', 'compose', 'k8s', 'helm', 'systemd'];

function packedFiles(name: string): string[] {
  const output = execFileSync('pnpm', ['pack', '--dry-run', '--json'], {
    cwd: join(workspaceRoot, 'packages', name),
    encoding: 'utf8',
  });
  return (JSON.parse(output).files as { path: string }[]).map((file) => file.path).sort();
}

describe.each(packages)('the @engram/%s tarball', (name) => {
  const files = packedFiles(name);
  const manifest = JSON.parse(readFileSync(join(workspaceRoot, 'packages', name, 'package.json'), 'utf8'));
  const generators = JSON.parse(readFileSync(join(workspaceRoot, 'packages', name, 'generators.json'), 'utf8'));

  it('holds the compiled code, type declarations, generators.json, README and LICENSE', () => {
    for (const file of ['package.json', 'README.md', 'LICENSE', 'generators.json', 'dist/index.js', 'dist/index.d.ts'])
      expect(files).toContain(file);
  });

  it('carries the text of the license its package.json declares', () => {
    const spdx = JSON.parse(
      readFileSync(require.resolve(`spdx-license-list/licenses/${manifest.license}.json`), 'utf8'),
    );
    expect(readFileSync(join(workspaceRoot, 'packages', name, 'LICENSE'), 'utf8').trim()).toBe(spdx.licenseText.trim());
  });

  it('holds every generator factory and schema that generators.json names', () => {
    for (const generator of Object.values(generators.generators) as { factory: string; schema: string }[]) {
      expect(files).toContain(`${generator.factory.replace(/^\.\//, '').split('#')[0]}.js`);
      expect(files).toContain(generator.schema.replace(/^\.\//, ''));
    }
  });

  it('holds nothing else: no tests, TypeScript sources, fixtures or build info', () => {
    const unexpected = files.filter(
      (file) =>
        !/^(package\.json|README\.md|LICENSE|generators\.json|migrations\.json|dist\/.+\.(js|d\.ts|json)|dist\/generators\/[^/]+\/files\/.+|schema\/[^/]+\.schema\.json)$/.test(
          file,
        ) || /\.test\.|tsbuildinfo|fixtures/.test(file),
    );
    expect(unexpected).toEqual([]);
  });

  it('declares its Node engines, and nx and @nx/devkit for the Nx majors the release test installs, as its peers', () => {
    expect(manifest.engines.node).toBe('>=20.19');
    expect(manifest.peerDependencies).toEqual({ '@nx/devkit': '>=22.0.0 <24.0.0', nx: '>=22.0.0 <24.0.0' });
    expect(manifest.publishConfig.access).toBe('public');
  });
});

it('the model schema ships with @engram/config-schema', () => {
  expect(packedFiles('config-schema')).toContain('schema/engram-deploy.schema.json');
});

it('the chart template files ship with @engram/helm, where chartFiles reads them', () => {
  const files = packedFiles('helm');
  const templates = join(workspaceRoot, 'packages', 'helm', 'src', 'generators', 'chart', 'files');
  const sources = (readdirSync(templates, { recursive: true }) as string[])
    .filter((path) => statSync(join(templates, path)).isFile())
    .map((path) => `dist/generators/chart/files/${path.split(sep).join('/')}`);
  expect(sources).toContain('dist/generators/chart/files/templates/statefulset.yaml');
  for (const file of sources) expect(files).toContain(file);
});
