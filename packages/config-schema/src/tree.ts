import type { Tree } from '@nx/devkit';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import { defaultConfigPath, modelFromBytes, recordModelSource } from './load-config';
import type { EngramDeployModel } from './normalize';

/** Options every target generator takes. */
export interface ModelOptions {
  /** The model file, relative to the workspace root (or absolute, inside it). */
  config?: string;
}

/** Thrown when a generator option or a rendered file would reach outside the Nx workspace. */
export class OutsideWorkspaceError extends Error {
  constructor(
    readonly option: string,
    readonly given: string,
    readonly root: string,
  ) {
    super(
      `${option} "${given}" is outside the workspace ${root}: generators read and write only inside it (expected a path relative to the workspace root, or an absolute path inside it)`,
    );
    this.name = 'OutsideWorkspaceError';
  }
}

/**
 * A path given on the command line or built from the model, as the workspace-relative POSIX path the
 * Nx tree takes. An absolute path inside the workspace becomes relative; a path outside it, by `..`
 * or absolute, is refused before anything is read or written.
 */
export function workspacePath(tree: Tree, given: string, option: string): string {
  const root = resolve(tree.root);
  const absolute = resolve(root, given);
  const inside = relative(root, absolute);
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new OutsideWorkspaceError(option, given, root);
  }
  return posix.normalize(inside.split(sep).join('/') || '.');
}

/**
 * Loads the model a generator renders from, through the Nx tree (so dry runs and tests see
 * pending changes). Throws, with every issue listed, before the generator writes anything.
 */
export function readModelFromTree(tree: Tree, configPath: string = defaultConfigPath): EngramDeployModel {
  const path = workspacePath(tree, configPath, '--config');
  const bytes = tree.read(path);
  if (bytes === null) {
    throw new Error(
      `${configPath} does not exist: run \`nx g @engram/config-schema:init\` to write the default model, or pass --config.`,
    );
  }
  return recordModelSource(modelFromBytes(bytes, configPath), path);
}

export interface RenderedFile {
  /** Path relative to the workspace root. */
  path: string;
  content: string;
  /** File mode, e.g. '755' for a script operators run; the tree's default otherwise. */
  mode?: string;
}

/**
 * Writes rendered files; Nx records no change for a file whose content is already the same. Every path
 * is checked first, so a file outside the workspace fails the run before any file is written.
 */
export function writeRenderedFiles(tree: Tree, files: readonly RenderedFile[], option = '--directory'): void {
  const checked = files.map((file) => ({ ...file, path: workspacePath(tree, file.path, option) }));
  for (const file of checked) tree.write(file.path, file.content, file.mode ? { mode: file.mode } : undefined);
}
