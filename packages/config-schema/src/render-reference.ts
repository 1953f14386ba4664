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

function rows(schema: JsonSchema, path: string): string[] {
  const resolved = resolveRef(schema);
  if (resolved.properties) {
    return Object.entries(resolved.properties).flatMap(([key, child]) => rows(child, path ? `${path}.${key}` : key));
  }
  const format = schema.$ref ? resolved.description : undefined;
  const description = [schema.description, format ? `Format: ${format}.` : ''].filter(Boolean).join(' ');
  return [`| \`${path}\` | ${typeOf(schema)} | \`${cell(JSON.stringify(schema.default))}\` | ${cell(description)} |`];
}

/** Markdown reference of every model property: path, type, default and description. */
export function renderConfigurationReference(header: string): string {
  const tableHead = ['| key | type | default | description |', '| --- | --- | --- | --- |'];
  const entries = Object.entries(engramDeploySchema.properties ?? {});
  const scalars = entries.filter(([, schema]) => !resolveRef(schema).properties);
  const sections = [
    ['## Top level', '', ...tableHead, ...scalars.flatMap(([key, schema]) => rows(schema, key)), ''].join('\n'),
    ...entries
      .filter(([, schema]) => resolveRef(schema).properties)
      .map(([key, schema]) =>
        [`## \`${key}\``, '', schema.description ?? '', '', ...tableHead, ...rows(schema, key), ''].join('\n'),
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
