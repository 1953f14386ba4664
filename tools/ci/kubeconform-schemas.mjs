#!/usr/bin/env node
// Writes kubeconform's JSON schemas for one Kubernetes release from that release's own OpenAPI
// document (api/openapi-spec/swagger.json of the k8s.io/kubernetes Go module), so kubeconform
// validates offline against exactly the API the release serves.
//
//   node tools/ci/kubeconform-schemas.mjs SWAGGER_JSON VERSION OUT_DIR
//
// Writes OUT_DIR/v<VERSION>-standalone-strict/<kind>-<group>-<version>.json, the layout of
// kubeconform's default schema location, so `-schema-location OUT_DIR` finds them. Each file holds
// one kind and every definition it references; "strict" closes every object to unknown fields, as
// `kubectl apply --validate=strict` does.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [swaggerPath, version, outDir] = process.argv.slice(2);
if (!swaggerPath || !/^\d+\.\d+\.\d+$/.test(version ?? '') || !outDir) {
  console.error('usage: kubeconform-schemas.mjs SWAGGER_JSON VERSION(1.37.2) OUT_DIR');
  process.exit(2);
}

const { definitions } = JSON.parse(readFileSync(swaggerPath, 'utf8'));
const refPrefix = '#/definitions/';

// Types the OpenAPI document writes as strings but that manifests may give as numbers.
const numberOrString = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { oneOf: [{ type: 'string' }, { type: 'integer' }] },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }] },
};

function strict(schema) {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    // Property names are data, not schema keywords: copy the map, convert its values.
    out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strict(v)])) : strict(value);
  }
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

function definition(name) {
  return numberOrString[name] ?? strict(definitions[name]);
}

function references(schema, found = new Set()) {
  if (Array.isArray(schema)) {
    for (const item of schema) references(item, found);
  } else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(refPrefix)) {
        const name = value.slice(refPrefix.length);
        if (!found.has(name)) {
          found.add(name);
          references(definitions[name], found);
        }
      } else {
        references(value, found);
      }
    }
  }
  return found;
}

const target = join(outDir, `v${version}-standalone-strict`);
const partial = `${target}.partial`;
rmSync(partial, { recursive: true, force: true });
mkdirSync(partial, { recursive: true });
let written = 0;
for (const [name, schema] of Object.entries(definitions)) {
  for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
    // kubeconform's file name: kind, the first label of the group (none for the core group), version.
    const group = gvk.group ? `-${gvk.group.split('.')[0].toLowerCase()}` : '';
    const file = `${gvk.kind.toLowerCase()}${group}-${gvk.version.toLowerCase()}.json`;
    const closure = [...references(schema)].sort();
    const body = {
      ...definition(name),
      definitions: Object.fromEntries(closure.map((ref) => [ref, definition(ref)])),
    };
    writeFileSync(join(partial, file), JSON.stringify(body));
    written += 1;
  }
}
rmSync(target, { recursive: true, force: true });
renameSync(partial, target);
console.error(`kubeconform schemas: ${written} kinds of Kubernetes ${version} in ${target}`);
