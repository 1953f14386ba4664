#!/usr/bin/env node
// Builds one package: compiles src/ to dist/ with tsc, then copies what tsc does not
// emit but generators load at run time (generator schema.json files and files/ templates).
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
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

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
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
