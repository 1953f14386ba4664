import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { chartDirectory, helm, kubeVersion } from '../support/helm';

/** A value that, spliced unquoted into a template, would add hostNetwork to the pod. */
const payload = 'x\n  hostNetwork: true\n  hostPID: true';
const benign = 'x';

const scratch = mkdtempSync(join(tmpdir(), 'engram-helm-injection-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Path = (string | number)[];

/**
 * Every place of the chart's values a string can go: each scalar leaf (a values file may put a string
 * where the defaults hold a number, a boolean or null; only values.schema.json refuses it), one new
 * entry of each empty map (key and value) and one new item of each empty list.
 */
function stringSlots(value: unknown, path: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [path];
  if (Array.isArray(value)) {
    if (value.length === 0) return [[...path, 0]];
    return value.flatMap((item, index) => stringSlots(item, [...path, index]));
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return [[...path, 'injected']];
  return entries.flatMap(([key, item]) => stringSlots(item, [...path, key]));
}

function withString(values: unknown, path: Path, text: string): unknown {
  const copy = structuredClone(values) as Record<string | number, any>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]!] = text;
  return copy;
}

/**
 * Every key path of every rendered object, array positions kept: the structure, not the values. A key
 * may carry a value (the client label key holds the release name), so the value's text in a key is
 * read as the benign text: a value kept whole inside one key is data, not structure.
 */
function structure(yaml: string, value = benign): string[] {
  const keys = new Set<string>();
  const walk = (node: unknown, at: string) => {
    if (Array.isArray(node)) node.forEach((item, index) => walk(item, `${at}[${index}]`));
    else if (node && typeof node === 'object')
      for (const [key, item] of Object.entries(node)) {
        const path = `${at}.${key.replaceAll(value, benign)}`;
        keys.add(path);
        walk(item, path);
      }
  };
  for (const document of parseAllDocuments(yaml)) {
    expect(document.errors, yaml).toEqual([]);
    const object = document.toJS() as { kind?: string; metadata?: { name?: string } } | null;
    if (object?.kind) walk(object, object.kind);
  }
  return [...keys].sort();
}

function render(values: unknown, name: string, ...flags: string[]) {
  // Value paths hold '/' and '.' (app.kubernetes.io/name): one flat file name per path.
  const file = join(scratch, `${encodeURIComponent(name)}.yaml`);
  writeFileSync(file, stringify(values));
  return helm(
    'template',
    'engram',
    chartDirectory,
    '--namespace',
    'engram',
    '--kube-version',
    kubeVersion,
    '-f',
    file,
    ...flags,
  );
}

const defaults = parse(readFileSync(join(chartDirectory, 'values.yaml'), 'utf8'));
const slots = stringSlots(defaults);

describe('helm chart: no value can change the structure of what it renders', () => {
  it('finds a string slot in every section of the values', () => {
    const sections = new Set(slots.map((path) => path[0]));
    for (const section of Object.keys(defaults)) expect(sections, section).toContain(section);
  });

  it.each(slots.map((path) => [path.join('.'), path] as const))('%s', (name, path) => {
    const plain = render(withString(defaults, path, benign), `${name}-plain`, '--skip-schema-validation');
    const hostile = render(withString(defaults, path, payload), `${name}-hostile`, '--skip-schema-validation');
    // The templates alone, without values.schema.json: the same objects with the same keys, or the same refusal.
    expect(hostile.status === 0, hostile.stderr).toBe(plain.status === 0);
    if (plain.status === 0) {
      const keys = structure(hostile.stdout, payload);
      expect(keys).toEqual(structure(plain.stdout));
      // The payload's lines may appear as text inside a block scalar; as keys they must not.
      expect(keys.filter((key) => /\.host(Network|PID)$/.test(key))).toEqual([]);
    }
    // With values.schema.json: refused, or rendered with that same structure.
    const checked = render(withString(defaults, path, payload), `${name}-checked`);
    if (checked.status === 0) expect(structure(checked.stdout, payload)).toEqual(structure(plain.stdout));
  });
});
