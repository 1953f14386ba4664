#!/usr/bin/env node
// Runs every generator listed in tools/deployment-generators.json against this workspace,
// the same code `nx g` runs, from the built packages.
//   node tools/generate-deployments.mjs          write the changes
//   node tools/generate-deployments.mjs --check  write nothing; exit 1 if anything would change
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { FsTree, flushChanges } = require('nx/src/generators/tree');

const workspaceRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const { generators } = JSON.parse(readFileSync(join(workspaceRoot, 'tools/deployment-generators.json'), 'utf8'));

function loadGenerator(id) {
  const [packageName, name] = id.split(/:(?=[^:]+$)/);
  const manifestPath = require.resolve(`${packageName}/package.json`, { paths: [workspaceRoot] });
  const packageDir = dirname(manifestPath);
  const collection = JSON.parse(readFileSync(join(packageDir, 'generators.json'), 'utf8'));
  const entry = collection.generators[name];
  if (!entry) throw new Error(`${packageName} has no generator "${name}"`);
  const [modulePath, exportName = 'default'] = entry.factory.split('#');
  const module = require(join(packageDir, modulePath));
  return module[exportName] ?? module.default ?? module;
}

const tree = new FsTree(workspaceRoot, false);
for (const { generator, options } of generators) {
  const run = loadGenerator(generator);
  await run(tree, { ...options });
}
const changes = tree.listChanges();
if (check) {
  if (changes.length) {
    console.error('Regenerating from the model would change:');
    for (const change of changes) console.error(`  ${change.type.padEnd(6)} ${change.path}`);
    console.error('Run `pnpm generate` and commit the result.');
    process.exit(1);
  }
  console.log(`generated files are up to date (${generators.length} generators)`);
} else {
  flushChanges(workspaceRoot, changes);
  for (const change of changes) console.log(`${change.type.padEnd(6)} ${change.path}`);
  if (!changes.length) console.log('nothing changed');
}
