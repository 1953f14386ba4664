import { joinPathFragments, type Tree } from 'nx/src/devkit-exports';
import { posix } from 'node:path';
import { generatedHeader } from '../../generated-header';
import { defaultConfigPath, modelFromText } from '../../load-config';
import { schemaModulePath } from '../../schema';
import type { InitGeneratorSchema } from './schema';

/** The starting model: the schema holds every default, so the file names only what users change first. */
export function renderDefaultModel(configPath: string, name: string): string {
  const schemaRef = posix.relative(posix.dirname(configPath), joinPathFragments('node_modules', schemaModulePath));
  return [
    `# yaml-language-server: $schema=${schemaRef}`,
    generatedHeader('@engram/config-schema', '#').split('\n')[0]?.replace('Do not edit by hand:', 'Edit freely:'),
    '# every value not set here takes the default documented in the schema (hover a key in your editor).',
    '# Then run `pnpm generate` (or the @engram/* generators) to render the deployments.',
    `name: ${name}`,
    'appVersion: 0.1.0',
    'engram:',
    '  memorySpaces:',
    '    defaultSpace: default',
    '    bootstrapSpaces: [default]',
    'runtime:',
    '  logLevel: info',
    'persistence:',
    '  size: 20Gi',
    '',
  ].join('\n');
}

/** Writes the default model unless one exists; running it again changes nothing. */
export async function initGenerator(tree: Tree, options: InitGeneratorSchema): Promise<void> {
  const configPath = options.config ?? defaultConfigPath;
  if (tree.exists(configPath)) return;
  const content = renderDefaultModel(configPath, options.name ?? 'engram');
  modelFromText(content, configPath);
  tree.write(configPath, content);
}

export default initGenerator;
