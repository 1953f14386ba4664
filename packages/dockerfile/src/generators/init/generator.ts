import type { Tree } from '@nx/devkit';
import { initGenerator as writeDefaultModel } from '@engram/config-schema';
import type { DockerfileInitSchema } from './schema';

/** What `nx add @engram/dockerfile` runs: make sure a deployment model exists. */
export async function initGenerator(tree: Tree, options: DockerfileInitSchema): Promise<void> {
  await writeDefaultModel(tree, { config: options.config, skipFormat: true });
}

export default initGenerator;
