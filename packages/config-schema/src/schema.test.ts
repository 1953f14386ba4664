import { describe, expect, it } from 'vitest';
import { engramDeploySchema, resolveRef, type JsonSchema } from './schema';

/** Every property reachable from the root, with its dotted path. */
function walkProperties(schema: JsonSchema, path: string, seen = new Set<JsonSchema>()): [string, JsonSchema][] {
  const resolved = resolveRef(schema);
  const found: [string, JsonSchema][] = [];
  if (seen.has(resolved)) return found;
  seen.add(resolved);
  for (const [key, child] of Object.entries(resolved.properties ?? {})) {
    const childPath = path ? `${path}.${key}` : key;
    found.push([childPath, child]);
    found.push(...walkProperties(child, childPath, new Set(seen)));
  }
  if (resolved.items) found.push(...walkProperties(resolved.items, `${path}[]`, new Set(seen)));
  return found;
}

describe('the JSON Schema', () => {
  const properties = walkProperties(engramDeploySchema, '');

  it('is draft 2020-12', () => {
    expect(engramDeploySchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('walks a substantial model', () => {
    expect(properties.length).toBeGreaterThan(150);
  });

  it('gives every property a description and a default', () => {
    const missing = properties
      .filter(([, schema]) => {
        const resolved = resolveRef(schema);
        const description = schema.description ?? resolved.description;
        return !description || !('default' in schema || 'default' in resolved);
      })
      .map(([path]) => path);
    expect(missing).toEqual([]);
  });

  it('closes every structured object, so a misspelt key is reported', () => {
    const open = properties
      .filter(([, schema]) => {
        const resolved = resolveRef(schema);
        return resolved.properties && resolved.additionalProperties !== false;
      })
      .map(([path]) => path)
      // Escape hatches hold whole Kubernetes objects, which the Kubernetes API validates.
      .filter((path) => !/^kubernetes\.extra\w+\[\]/.test(path));
    expect(open).toEqual([]);
  });
});
