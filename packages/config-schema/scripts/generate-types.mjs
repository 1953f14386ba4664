#!/usr/bin/env node
// Regenerates src/generated/engram-deploy-config.ts from the JSON Schema, the source of truth.
// `--check` exits non-zero when the committed file differs (test/generated-types.test.ts checks the same).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaPath = join(packageDir, 'schema/engram-deploy.schema.json');
const outputPath = join(packageDir, 'src/generated/engram-deploy-config.ts');

export async function renderTypes() {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  return compile(schema, 'EngramDeployConfig', {
    bannerComment:
      '/* Generated from schema/engram-deploy.schema.json by scripts/generate-types.mjs. Do not edit. */',
    additionalProperties: false,
    unreachableDefinitions: false,
    style: { singleQuote: true, printWidth: 100 },
    cwd: join(packageDir, 'schema'),
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const types = await renderTypes();
  if (process.argv.includes('--check')) {
    if (readFileSync(outputPath, 'utf8') !== types) {
      console.error(`${outputPath} is out of date: run node ${process.argv[1]}`);
      process.exit(1);
    }
  } else {
    writeFileSync(outputPath, types);
  }
}
