import { normalize } from './normalize';
import { engramDeploySchema, resolveRef, type JsonSchema } from './schema';

function typeOf(schema: JsonSchema): string {
  const resolved = resolveRef(schema);
  if (resolved.enum) return resolved.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  const type = resolved.type;
  if (type === 'array') return `${resolved.items ? typeOf(resolved.items) : 'value'}[]`;
  if (type === 'object' && !resolved.properties) return 'map';
  return Array.isArray(type) ? type.join(' \\| ') : (type ?? 'value');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * `effective` is the value the empty model normalizes to at this path: the default a renderer really
 * uses (a section's default or a derived value wins over the leaf default of a shared definition).
 */
function rows(schema: JsonSchema, path: string, effective: unknown): string[] {
  const resolved = resolveRef(schema);
  if (resolved.properties) {
    return Object.entries(resolved.properties).flatMap(([key, child]) =>
      rows(child, path ? `${path}.${key}` : key, (effective as Record<string, unknown> | undefined)?.[key]),
    );
  }
  const format = schema.$ref ? resolved.description : undefined;
  const description = [schema.description, format ? `Format: ${format}.` : ''].filter(Boolean).join(' ');
  const shown = effective === undefined ? schema.default : effective;
  return [`| \`${path}\` | ${typeOf(schema)} | \`${cell(JSON.stringify(shown))}\` | ${cell(description)} |`];
}

/** Markdown reference of every model property: path, type, default and description. */
export function renderConfigurationReference(header: string): string {
  const tableHead = ['| key | type | default | description |', '| --- | --- | --- | --- |'];
  const entries = Object.entries(engramDeploySchema.properties ?? {});
  const defaults = normalize({}) as Record<string, unknown>;
  const scalars = entries.filter(([, schema]) => !resolveRef(schema).properties);
  const sections = [
    [
      '## Top level',
      '',
      ...tableHead,
      ...scalars.flatMap(([key, schema]) => rows(schema, key, defaults[key])),
      '',
    ].join('\n'),
    ...entries
      .filter(([, schema]) => resolveRef(schema).properties)
      .map(([key, schema]) =>
        [`## \`${key}\``, '', schema.description ?? '', '', ...tableHead, ...rows(schema, key, defaults[key]), ''].join(
          '\n',
        ),
      ),
  ];
  return [
    header,
    '# Deployment model reference',
    '',
    'Every key of `deployments/engram.deploy.yaml`, from the JSON Schema in `@engram/config-schema`.',
    'All keys are optional; a missing key takes its default. Object defaults of `{}` mean "every field at its own default".',
    '',
    ...sections,
  ].join('\n');
}
