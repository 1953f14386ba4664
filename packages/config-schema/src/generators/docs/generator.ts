import type { Tree } from '@nx/devkit';
import { generatedHeader } from '../../generated-header';
import { workspacePath } from '../../tree';
import { renderConfigurationReference } from '../../render-reference';
import type { DocsGeneratorSchema } from './schema';

export const defaultReferencePath = 'docs/reference/configuration.md';

/** Writes the Markdown reference of the deployment model, generated from the schema. */
export async function docsGenerator(tree: Tree, options: DocsGeneratorSchema): Promise<void> {
  const header = `<!--\n${generatedHeader('@engram/config-schema', '', 'its JSON Schema').replace(/^ /gm, '')}-->\n`;
  tree.write(workspacePath(tree, options.path ?? defaultReferencePath, '--path'), renderConfigurationReference(header));
}

export default docsGenerator;
