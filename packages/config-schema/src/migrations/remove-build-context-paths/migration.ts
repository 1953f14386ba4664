import { visitNotIgnoredFiles, type Tree } from '@nx/devkit';
import { isMap, parseDocument } from 'yaml';

/** Files `nx migrate` rewrites: deployment models by the name `init` and the generators' --config use. */
const modelFile = /(^|\/)[^/]*\.deploy\.ya?ml$/;

/**
 * Removes `build.contextPaths` from every deployment model in the workspace (and `build` itself when
 * nothing else is left in it). Comments and the rest of the file are kept as written; a file without
 * the key, or that is not YAML, is left alone.
 */
export default function removeBuildContextPaths(tree: Tree): void {
  visitNotIgnoredFiles(tree, '', (path) => {
    if (!modelFile.test(path)) return;
    const text = tree.read(path, 'utf8');
    if (text === null) return;
    const document = parseDocument(text);
    if (document.errors.length > 0 || !document.hasIn(['build', 'contextPaths'])) return;
    document.deleteIn(['build', 'contextPaths']);
    const build = document.get('build');
    if (isMap(build) && build.items.length === 0) document.delete('build');
    tree.write(path, document.toString());
  });
}
