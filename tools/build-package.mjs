#!/usr/bin/env node
// Builds one package: compiles src/ to dist/ with tsc, copies what tsc does not emit but
// generators load at run time (generator schema.json files and files/ templates), and writes
// the LICENSE file for the license its package.json declares, from the SPDX license list.
import { cpSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';

const packageDir = process.argv[2];
if (!packageDir) {
  console.error('usage: build-package.mjs <package-dir>');
  process.exit(2);
}
const src = join(packageDir, 'src');
const dist = join(packageDir, 'dist');
rmSync(dist, { recursive: true, force: true });

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(packageDir, 'tsconfig.lib.json')], { stdio: 'inherit' });

function copyAssets(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const target = join(dist, relative(src, path));
    if (statSync(path).isDirectory()) {
      if (entry === 'files') cpSync(path, target, { recursive: true });
      else copyAssets(path);
    } else if (entry.endsWith('.json')) {
      cpSync(path, target);
    }
  }
}
copyAssets(src);

// The license text comes from the registry's SPDX list at build time, so the tarball carries
// the exact text for the declared identifier and no copy of it is kept in the repository.
const { license } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
let licenseText;
try {
  licenseText = JSON.parse(
    readFileSync(require.resolve(`spdx-license-list/licenses/${license}.json`), 'utf8'),
  ).licenseText;
} catch {
  console.error(
    `${packageDir}/package.json: "license" must be an SPDX identifier in spdx-license-list, got ${JSON.stringify(license)}`,
  );
  process.exit(1);
}
writeFileSync(join(packageDir, 'LICENSE'), licenseText.endsWith('\n') ? licenseText : `${licenseText}\n`);
