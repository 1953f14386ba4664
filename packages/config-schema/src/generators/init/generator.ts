import { joinPathFragments, type Tree } from '@nx/devkit';
import { posix } from 'node:path';
import { generatedHeader, regenerateCommand, regeneratingGenerators } from '../../generated-header';
import { defaultConfigPath, modelFromText } from '../../load-config';
import { Document, isSeq } from 'yaml';
import { engramDeploySchema, resolveRef, schemaModulePath } from '../../schema';
import { workspacePath } from '../../tree';
import type { InitGeneratorSchema } from './schema';

/** The starting model: the schema holds every default, so the file names only what users change first. */
export function renderDefaultModel(configPath: string, name: string): string {
  const schemaRef = posix.relative(posix.dirname(configPath), joinPathFragments('node_modules', schemaModulePath));
  return [
    `# yaml-language-server: $schema=${schemaRef}`,
    generatedHeader('@engram/config-schema', '#').split('\n')[0]?.replace('Do not edit by hand:', 'Edit freely:'),
    '# every value not set here takes the default documented in the schema (hover a key in your editor).',
    '# Then render the deployments with:',
    ...Object.keys(regeneratingGenerators)
      .filter((name) => name !== '@engram/config-schema')
      .map((name) => `#   ${regenerateCommand(name)}`),
    startingValues(name),
  ].join('\n');
}

/** The fields users change first, which the starting model names, each at its schema default. */
export const startingFields: readonly (readonly string[])[] = [
  ['appVersion'],
  ['engram', 'memorySpaces', 'defaultSpace'],
  ['engram', 'memorySpaces', 'bootstrapSpaces'],
  ['runtime', 'logLevel'],
  ['persistence', 'size'],
];

/** The default the schema gives the field at a path. */
export function schemaDefault(path: readonly string[]): unknown {
  let node = engramDeploySchema;
  for (const key of path) {
    const child = resolveRef(node).properties?.[key];
    if (!child) throw new Error(`the model schema has no field ${path.join('.')}`);
    node = child;
  }
  // A default written beside a $ref belongs to the field, not to the definition it refers to.
  return node.default ?? resolveRef(node).default;
}

function startingValues(name: string): string {
  const document = new Document({ name });
  for (const path of startingFields) {
    const node = document.createNode(schemaDefault(path));
    if (isSeq(node)) node.flow = true; // a short list stays on its key's line
    document.setIn(path, node);
  }
  return document.toString({ flowCollectionPadding: false });
}

/** Writes the default model unless one exists; running it again changes nothing. */
export async function initGenerator(tree: Tree, options: InitGeneratorSchema): Promise<void> {
  const configPath = workspacePath(tree, options.config ?? defaultConfigPath, '--config');
  if (tree.exists(configPath)) return;
  const content = renderDefaultModel(configPath, options.name ?? 'engram');
  modelFromText(content, configPath);
  tree.write(configPath, content);
}

export default initGenerator;
