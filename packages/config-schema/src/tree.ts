import type { Tree } from 'nx/src/devkit-exports';
import { defaultConfigPath, modelFromText } from './load-config';
import type { EngramDeployModel } from './normalize';

/** Options every target generator takes. */
export interface ModelOptions {
  /** The model file, relative to the workspace root. */
  config?: string;
}

/**
 * Loads the model a generator renders from, through the Nx tree (so dry runs and tests see
 * pending changes). Throws, with every issue listed, before the generator writes anything.
 */
export function readModelFromTree(tree: Tree, configPath: string = defaultConfigPath): EngramDeployModel {
  const text = tree.read(configPath, 'utf-8');
  if (text === null) {
    throw new Error(
      `${configPath} does not exist: run \`nx g @engram/config-schema:init\` to write the default model, or pass --config.`,
    );
  }
  return modelFromText(text, configPath);
}

export interface RenderedFile {
  /** Path relative to the workspace root. */
  path: string;
  content: string;
}

/** Writes rendered files; Nx records no change for a file whose content is already the same. */
export function writeRenderedFiles(tree: Tree, files: readonly RenderedFile[]): void {
  for (const file of files) tree.write(file.path, file.content);
}
