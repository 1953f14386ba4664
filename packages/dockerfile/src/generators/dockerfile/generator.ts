import { joinPathFragments, type Tree } from '@nx/devkit';
import {
  readModelFromTree,
  workspacePath,
  writeRenderedFiles,
  type RenderedFile,
  type EngramDeployModel,
} from '@engram/config-schema';
import { renderDockerfile, renderDockerignore } from '../../render-dockerfile';
import type { DockerfileGeneratorSchema } from './schema';

export const defaultDockerDirectory = 'deployments/docker';

/** Every file this generator owns, for a model and a target directory. */
export function dockerfileFiles(model: EngramDeployModel, directory = defaultDockerDirectory): RenderedFile[] {
  return [
    { path: joinPathFragments(directory, 'Dockerfile'), content: renderDockerfile(model) },
    // BuildKit reads the ignore file named after the Dockerfile; a plain .dockerignore here would
    // be ignored because the build context is the workspace root.
    { path: joinPathFragments(directory, 'Dockerfile.dockerignore'), content: renderDockerignore(model) },
  ];
}

/** Writes Dockerfile and Dockerfile.dockerignore; an invalid model throws before anything is written. */
export async function dockerfileGenerator(tree: Tree, options: DockerfileGeneratorSchema): Promise<void> {
  const model = readModelFromTree(tree, options.config);
  const directory = workspacePath(tree, options.directory ?? defaultDockerDirectory, '--directory');
  writeRenderedFiles(tree, dockerfileFiles(model, directory));
}

export default dockerfileGenerator;
