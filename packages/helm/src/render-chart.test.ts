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

  it('refuses api_key auth, which Engram 0.1.x cannot make safe, and says why in its description', () => {
    expect(validateValues({ engram: { security: { authMode: 'api_key' } } })).toBe(false);
    expect(validateValues.errors?.map((e) => e.instancePath)).toEqual(['/engram/security/authMode']);
    expect(validateValues({ engram: { security: { authMode: 'none' } } }), JSON.stringify(validateValues.errors)).toBe(
      true,
    );
    const schema = renderValuesSchema() as any;
    expect(schema.properties.engram.properties.security.properties.authMode.description).toMatch(
      /cannot create API keys.*\/shutdown included.*NetworkPolicy/,
    );
  });

  it('refuses Ingress path types whose matching the allow-list cannot check', () => {
    const withPathType = (pathType: string) => ({
      ingress: { hosts: [{ host: 'a.example.com', paths: [{ path: '/api/v1/memories', pathType }] }] },
    });
    expect(validateValues(withPathType('ImplementationSpecific'))).toBe(false);
    expect(validateValues(withPathType('Prefix')), JSON.stringify(validateValues.errors)).toBe(true);
    expect(validateValues(withPathType('Exact')), JSON.stringify(validateValues.errors)).toBe(true);
  });

  it('takes the model\'s closed NetworkPolicy defaults, the client label derived from the release', () => {
    const values = chartValues(model) as any;
    expect(values.networkPolicy).toMatchObject({
      allowExternal: false,
      clientLabel: { key: '', value: 'true' },
      clientNamespaces: [],
      prometheus: { namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } },
    });
    expect(values.kubernetes.apiKeySecret).toBeUndefined();
  });
});

describe('global values shared with parent charts', () => {
  const validateValues = new Ajv2020({ allErrors: true, strict: false }).compile(renderValuesSchema());
  const errorsAt = (values: unknown) => {
    validateValues(values);
    return (validateValues.errors ?? []).map((error) => error.instancePath);
  };

  it('are in values.yaml, empty, each with its comment', () => {
    const values = chartValues(model) as Record<string, any>;
    expect(values.global).toEqual({ imageRegistry: '', imagePullSecrets: [], storageClass: '' });
    const text = renderValuesYaml(model);
    expect(text).toMatch(
      /# Pull secrets added to those of each pod of the chart[^\n]*\n( *#[^\n]*\n)* {2}imagePullSecrets: \[\]/,
    );
    expect(text).toMatch(
      /# StorageClass of the data claim when persistence\.storageClass is empty[^\n]*\n( *#[^\n]*\n)* {2}storageClass: ""/,
    );
  });

  it('are typed and described in values.schema.json, no longer rejected', () => {
    const global = (renderValuesSchema().properties as Record<string, any>).global.properties;
    for (const key of ['imagePullSecrets', 'storageClass']) {
      expect(global[key].not, key).toBeUndefined();
      expect(global[key].description, key).toMatch(/\w/);
    }
    expect(global.imagePullSecrets.type).toBe('array');
    expect(global.storageClass.type).toBe('string');
    const accepted = {
      global: { imagePullSecrets: ['regcred', { name: 'mirror.pull' }], storageClass: 'fast-ssd' },
    };
    expect(validateValues(accepted), JSON.stringify(validateValues.errors)).toBe(true);
    expect(validateValues({ global: { storageClass: '-' } })).toBe(true);
  });

  it('reject a wrong type or shape at the value that has it', () => {
    expect(errorsAt({ global: { storageClass: 42 } })).toContain('/global/storageClass');
    expect(errorsAt({ global: { storageClass: 'Fast SSD' } })).toContain('/global/storageClass');
    expect(errorsAt({ global: { imagePullSecrets: 'regcred' } })).toContain('/global/imagePullSecrets');
    expect(errorsAt({ global: { imagePullSecrets: [{ secret: 'regcred' }] } })).toContain('/global/imagePullSecrets/0');
    expect(errorsAt({ global: { imagePullSecrets: [7] } })).toContain('/global/imagePullSecrets/0');
  });

  it('are in the README values table, with the precedence and the way to change the class later', () => {
    const readme = chartFiles(model, 'c').find((f) => f.path === 'c/README.md')!.content;
    expect(readme).toMatch(/^\| `global\.imagePullSecrets` \| list \| `\[\]` \| Pull secrets added/m);
    expect(readme).toMatch(/^\| `global\.storageClass` \| string \| `""` \| StorageClass of the data claim/m);
    expect(readme).toMatch(/`persistence\.storageClass`, else\s+`global\.storageClass`, else the cluster default/);
    expect(readme).toMatch(/## Changing the storage class after install/);
    expect(readme).not.toMatch(/reach config\.toml as floats/);
  });
});

// What the templates do (global pull secrets merged into both pods, the claim's storage class, config.toml
// integers and the key-by-key merge of engram.extra) is asserted on `helm template` output in
// tools/e2e/helm/chart.e2e.test.ts, where helm is installed, never on the template source text.

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
      'c/templates/_contract.tpl',
      'c/templates/statefulset.yaml',
      'c/templates/NOTES.txt',
      'c/templates/tests/test-round-trip.yaml',
    ]) {
      expect(paths).toContain(path);
    }
  });

  it('declare no prometheus or grafana dependency', () => {
    const chart = chartFiles(model, 'c').find((f) => f.path === 'c/Chart.yaml')!.content;
    expect(chart).not.toMatch(/dependencies/);
    expect(chart).toMatch(/kubeVersion: ">=1\.28\.0-0"/);
  });
});
