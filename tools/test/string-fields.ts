import { engramDeploySchema, resolveRef, type JsonSchema } from '@engram/config-schema';
import fc from 'fast-check';
import { everyOptionConfig } from '../../packages/config-schema/test/helpers';

/** Where a string sits in a model: `[]` an item of a list, `{}` a value of a map, `{key}` a key of a map. */
export type Segment = string;
export interface StringField {
  path: Segment[];
  schema: JsonSchema;
}

/** Every string field of the model schema, `$ref`s followed, with the schema of its strings. */
export function stringFields(schema: JsonSchema, path: Segment[] = []): StringField[] {
  const resolved = resolveRef(schema);
  const types = [resolved.type].flat();
  const fields: StringField[] = [];
  if (types.includes('string')) fields.push({ path, schema: resolved });
  if (resolved.properties)
    for (const [key, child] of Object.entries(resolved.properties)) fields.push(...stringFields(child, [...path, key]));
  if (resolved.items) fields.push(...stringFields(resolved.items, [...path, '[]']));
  if (typeof resolved.additionalProperties === 'object') {
    const keys = (resolved.propertyNames as JsonSchema | undefined) ?? { type: 'string' };
    fields.push({ path: [...path, '{key}'], schema: resolveRef(keys) });
    fields.push(...stringFields(resolved.additionalProperties, [...path, '{}']));
  }
  return fields;
}

/** Strings a hostile user would try, beside arbitrary ones: YAML, TOML, Go template, shell and Compose syntax. */
export const hostile = [
  'x\n  hostNetwork: true',
  '${HOME}',
  '$HOME',
  '"; id; "',
  "' # ",
  '\\',
  '{{ .Values }}',
  '- item',
  'key: value',
  '[a]',
  '&anchor *alias',
  '!!binary',
  'null',
  'true',
  '0x1F',
  '1e3',
  ']]\n[table]',
  '\u2028\u0085',
  '',
];

export function valuesOf(field: StringField): fc.Arbitrary<string> {
  const { schema } = field;
  if (inScratch(field))
    return fc.stringMatching(/^[A-Za-z0-9_@+-][A-Za-z0-9_.@+-]{0,30}$/).map((name) => `${base.runtime.tmpDir}/${name}`);
  if (schema.enum) return fc.constantFrom(...(schema.enum as string[]));
  const arbitrary = schema.pattern
    ? fc.oneof(fc.stringMatching(new RegExp(schema.pattern as string)), fc.constantFrom(...hostile))
    : fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom(...hostile));
  return arbitrary;
}

/** The model with `text` at `path`; list items and map entries are created, or the first one is replaced. */
export function withString(base: Record<string, any>, path: Segment[], text: string): Record<string, any> {
  const model = structuredClone(base);
  let node: any = model;
  for (let index = 0; index < path.length - 1; index++) {
    const segment = path[index]!;
    const next = path[index + 1]!;
    const fresh = next === '[]' ? [] : {};
    if (segment === '[]') {
      if (!Array.isArray(node) || node.length === 0) return model;
      node = node[0];
    } else if (segment === '{}') {
      const key = Object.keys(node)[0] ?? 'injected';
      node[key] ??= fresh;
      node = node[key];
    } else {
      node[segment] ??= fresh;
      node = node[segment];
    }
  }
  const last = path[path.length - 1]!;
  if (last === '[]') {
    if (Array.isArray(node)) node.splice(0, node.length, text);
  } else if (last === '{}') node.injected = text;
  else if (last === '{key}') node[text] = Object.values(node)[0] ?? '';
  else node[last] = text;
  return model;
}

/**
 * Fields a rule ties to another: the other one follows, so that the value itself is what is tested
 * (a PID file lives in the scratch dir, the default space is a bootstrap space, a mount names a volume).
 */
export const coupled: Record<string, (model: Record<string, any>, text: string) => void> = {
  'runtime.tmpDir': (model, text) => {
    model.runtime.pidPath = `${text}/engram.pid`;
    model.runtime.consolidationAlertLog = `${text}/alerts.log`;
  },
  'engram.memorySpaces.defaultSpace': (model, text) => (model.engram.memorySpaces.bootstrapSpaces = [text]),
  'engram.memorySpaces.bootstrapSpaces.[]': (model, text) => (model.engram.memorySpaces.defaultSpace = text),
  'ingress.hosts.[].host': (model, text) => (model.ingress.tls = [{ ...model.ingress.tls[0], hosts: [text] }]),
  'ingress.tls.[].hosts.[]': (model, text) => (model.ingress.hosts[0].host = text),
  'kubernetes.extraVolumes.[].name': (model, text) => (model.kubernetes.extraVolumeMounts[0].name = text),
  'kubernetes.extraVolumeMounts.[].name': (model, text) => (model.kubernetes.extraVolumes[0].name = text),
  'podDisruptionBudget.maxUnavailable': (model) => (model.podDisruptionBudget.minAvailable = null),
  'podDisruptionBudget.minAvailable': (model) => (model.podDisruptionBudget.maxUnavailable = null),
};

/** Fields whose values are drawn next to a fixed directory, as the rules require. */
const inScratch = (field: StringField) =>
  ['runtime.pidPath', 'runtime.consolidationAlertLog'].includes(field.path.join('.'));

/** The value the model that sets every option has at a field: one valid example of each. */
export function exampleOf(path: Segment[]): string | undefined {
  // The every-option model gives counts here; the string form is a percentage. Random percentages
  // are often refused (a budget that blocks every drain), so each field has one that is valid.
  if (path.join('.') === 'podDisruptionBudget.minAvailable') return '0%';
  if (path.join('.') === 'podDisruptionBudget.maxUnavailable') return '100%';
  let node: any = base;
  for (const segment of path) {
    if (node === undefined || node === null) return undefined;
    if (segment === '[]') node = Array.isArray(node) ? node[0] : undefined;
    else if (segment === '{}') node = Object.values(node)[0];
    else if (segment === '{key}') node = Object.keys(node)[0];
    else node = node[segment];
  }
  return typeof node === 'string' ? node : undefined;
}

/** The model that sets every option: each field's value is varied from it. */
export const base = everyOptionConfig() as Record<string, any>;
/** Every string field of the model's schema. */
export const fields = stringFields(engramDeploySchema);

/** The model `base` with `text` at `field`, and the fields a rule ties to it made to follow. */
export function modelWith(field: StringField, text: string): Record<string, any> {
  const config = withString(base, field.path, text);
  coupled[field.path.join('.')]?.(config, text);
  return config;
}
