import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the JSON Schema lives inside the package (same relative place from src/ and dist/). */
export const schemaPath = join(__dirname, '..', 'schema', 'engram-deploy.schema.json');

/** Package-relative path of the schema, for `$schema` references from a workspace. */
export const schemaModulePath = '@engram/config-schema/schema/engram-deploy.schema.json';

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  pattern?: string;
  $defs?: Record<string, JsonSchema>;
  [keyword: string]: unknown;
};

/** The Engram deployment JSON Schema (draft 2020-12), the source of truth of the model. */
export const engramDeploySchema: JsonSchema = JSON.parse(readFileSync(schemaPath, 'utf8'));

/** Follows a local `$ref` (`#/$defs/name`); other schemas are returned as they are. */
export function resolveRef(schema: JsonSchema, root: JsonSchema = engramDeploySchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace(/^#\/\$defs\//, '');
  const target = root.$defs?.[name];
  if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
  return target;
}
