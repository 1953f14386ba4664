import { engramTomlData, normalize, renderEngramToml, validate } from '@engram/config-schema';
import { renderComposeFile } from '@engram/compose';
import { chartValues, renderValuesYaml } from '@engram/helm';
import { renderSliceFile, renderSlices } from '@engram/k8s';
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { base, exampleOf, fields, modelWith, valuesOf } from './string-fields';

function yamlData(text: string): unknown[] {
  const documents = parseAllDocuments(text);
  for (const document of documents) {
    expect(document.errors).toEqual([]);
    expect(document.warnings).toEqual([]);
  }
  return documents.map((document) => document.toJS());
}

const reference = yamlData(renderComposeFile(normalize(base as never)))[0] as Record<string, any>;
const covered = new Map<string, number>();
afterAll(() => {
  const missing = fields.map((field) => field.path.join('.')).filter((name) => !covered.get(name));
  console.log(
    `string fields: ${fields.length}; covered by a valid value: ${fields.length - missing.length}; not covered: ${missing.join(', ') || 'none'}`,
  );
});

describe('every string field of the schema, given any value validation accepts', () => {
  it('is found in the schema', () => {
    expect(fields.length).toBeGreaterThan(100);
  });

  it.each(fields.map((field) => [field.path.join('.'), field] as const))(
    '%s: every YAML and TOML output still parses to the data the renderer meant',
    (name, field) => {
      fc.assert(
        fc.property(valuesOf(field), (text) => {
          const config = modelWith(field, text);
          if (!validate(config).ok) return;
          covered.set(name, (covered.get(name) ?? 0) + 1);
          const model = normalize(config as never);

          // Kubernetes: each slice file parses back to exactly its objects.
          for (const slice of Object.values(renderSlices(model))) {
            if (!slice.objects.length) continue;
            expect(yamlData(renderSliceFile(slice, model))).toEqual(JSON.parse(JSON.stringify(slice.objects)));
          }
          // Helm: values.yaml parses back to exactly the chart's values.
          expect(yamlData(renderValuesYaml(model))).toEqual([JSON.parse(JSON.stringify(chartValues(model)))]);
          // config.toml parses back to exactly its data.
          expect(parseToml(renderEngramToml(model))).toEqual(JSON.parse(JSON.stringify(engramTomlData(model))));
          // Compose: one document with the same services and the same shape as the model that sets every option.
          const [compose] = yamlData(renderComposeFile(model)) as Record<string, any>[];
          expect(Object.keys(compose!)).toEqual(Object.keys(reference));
          expect(Object.keys(compose!.services)).toEqual(Object.keys(reference.services));
          expect(Array.isArray(compose!.services.engram.command)).toBe(true);
        }),
        { numRuns: 4, examples: exampleOf(field.path) === undefined ? [] : [[exampleOf(field.path)!]] },
      );
      expect(covered.get(name), `${name}: no valid value was rendered`).toBeGreaterThan(0);
    },
  );
});
