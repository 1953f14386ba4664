import { normalize } from '@engram/config-schema';
import Ajv2020 from 'ajv/dist/2020';
import { isMap, parseDocument, type Pair, type YAMLMap } from 'yaml';
import { describe, expect, it } from 'vitest';
import { chartFiles, chartSections, chartValues, renderValuesSchema, renderValuesYaml } from './render-chart';

const model = normalize({});

/** Keys without a comment line above them (the parser gives a map's first comment to the map). */
function uncommented(map: YAMLMap, path: string): string[] {
  return (map.items as Pair<any, any>[]).flatMap((pair, index) => {
    const key = `${path}${path ? '.' : ''}${pair.key.value}`;
    const comment = pair.key.commentBefore ?? (index === 0 ? map.commentBefore : undefined);
    const missing = comment ? [] : [key];
    return isMap(pair.value) ? [...missing, ...uncommented(pair.value, key)] : missing;
  });
}

describe('values.yaml', () => {
  it('comments every value with its schema description', () => {
    const document = parseDocument(renderValuesYaml(model));
    const missing = uncommented(document.contents as YAMLMap, '').filter(
      (key) =>
        !/^(engram\.extra|scheduling\.affinity|kubernetes\.dnsConfig)\.|\.(labels|annotations|nodeSelector|commonLabels|podLabels|podAnnotations)\./.test(
          key,
        ),
    );
    expect(missing).toEqual([]);
  });

  it('holds the model defaults for every chart section, leaving derived values to the templates', () => {
    const values = chartValues(model) as Record<string, any>;
    for (const section of chartSections) expect(Object.keys(values)).toContain(section);
    expect(values.ports).toEqual({ http: 7432, grpc: 50051 });
    expect(values.image.tag).toBe('');
    expect(values.kubernetes.serviceAccount.name).toBe('');
    expect(values.kubernetes.namespace).toBeUndefined();
  });
});

describe('values.schema.json', () => {
  const validateValues = new Ajv2020({ allErrors: true, strict: false }).compile(renderValuesSchema());

  it('accepts the chart defaults and the seed test values', () => {
    expect(validateValues(chartValues(model)), JSON.stringify(validateValues.errors)).toBe(true);
    const seed = {
      ...chartValues(model),
      statefulset: { replicaCount: 1 },
      monitoring: { prometheus: { enabled: true, serviceMonitor: { enabled: true } } },
    };
    expect(validateValues(seed), JSON.stringify(validateValues.errors)).toBe(true);
  });

  it('rejects what a single-writer database cannot run', () => {
    expect(validateValues({ statefulset: { replicas: 2 } })).toBe(false);
    expect(validateValues({ statefulset: { replicaCount: 2 } })).toBe(false);
    expect(validateValues({ autoscaling: { enabled: true } })).toBe(false);
    expect(validateValues({ compose: {} })).toBe(false);
  });
});

describe('chart files', () => {
  it('are the chart, its values, schema, docs and every template', () => {
    const paths = chartFiles(model, 'c').map((file) => file.path);
    for (const path of [
      'c/Chart.yaml',
      'c/values.yaml',
      'c/values.schema.json',
      'c/README.md',
      'c/.helmignore',
      'c/templates/_helpers.tpl',
      'c/templates/statefulset.yaml',
      'c/templates/NOTES.txt',
      'c/templates/tests/test-round-trip.yaml',
    ]) {
      expect(paths).toContain(path);
    }
  });

  it('keep Go template delimiters intact', () => {
    for (const file of chartFiles(model, 'c').filter((f) => f.path.includes('/templates/'))) {
      expect(file.content, file.path).not.toMatch(/\{ \{|\} \}/);
    }
  });

  it('declare no prometheus or grafana dependency', () => {
    const chart = chartFiles(model, 'c').find((f) => f.path === 'c/Chart.yaml')!.content;
    expect(chart).not.toMatch(/dependencies/);
    expect(chart).toMatch(/kubeVersion: ">=1\.28\.0-0"/);
  });
});
