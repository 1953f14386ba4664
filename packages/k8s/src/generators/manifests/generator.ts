import type { Tree } from '@nx/devkit';
import { posix } from 'node:path';
import { parseDocument } from 'yaml';
import { readModelFromTree, workspacePath } from '@engram/config-schema';
import { kubernetesFiles, type SliceName } from '../../manifests';
import type { ManifestsGeneratorSchema } from './schema';

export const defaultKubernetesDirectory = 'deployments/kubernetes';

/**
 * Writes the given slices (all of them plus kustomization.yaml when `slices` is omitted). A slice the
 * model turns off (e.g. pvc.yaml outside existing-claim mode) has its file removed, so the directory
 * always matches the model.
 */
async function writeSlices(
  tree: Tree,
  options: ManifestsGeneratorSchema,
  slices?: readonly SliceName[],
): Promise<void> {
  const model = readModelFromTree(tree, options.config);
  const directory = workspacePath(tree, options.directory ?? defaultKubernetesDirectory, '--directory');
  const files = kubernetesFiles(model, directory, slices).map((file) => ({
    ...file,
    path: workspacePath(tree, file.path, '--directory'),
  }));
  for (const file of files) {
    if (file.content !== null) tree.write(file.path, file.content);
    else if (tree.exists(file.path)) tree.delete(file.path);
  }
  if (slices) {
    const listed = files
      .filter((file) => file.applied && file.content !== null)
      .map((file) => posix.basename(file.path));
    const gone = files.filter((file) => file.content === null).map((file) => posix.basename(file.path));
    keepKustomizationInStep(tree, directory, listed, gone);
  }
}

/**
 * A single slice written or removed on its own: kustomization.yaml must list exactly the files that
 * exist, or `kubectl apply -k` fails on a missing resource (or skips a new one).
 */
function keepKustomizationInStep(tree: Tree, directory: string, written: string[], removed: string[]): void {
  const path = `${directory}/kustomization.yaml`;
  const text = tree.read(path, 'utf-8');
  if (text === null) return;
  const document = parseDocument(text);
  const resources = (document.toJS()?.resources ?? []) as string[];
  const next = resources.filter((resource) => !removed.includes(resource));
  for (const file of written) if (!next.includes(file)) next.push(file);
  if (next.length === resources.length && next.every((resource, index) => resource === resources[index])) return;
  document.set('resources', next);
  tree.write(path, document.toString({ lineWidth: 0 }));
}

const sliceGenerator =
  (...slices: SliceName[]) =>
  (tree: Tree, options: ManifestsGeneratorSchema) =>
    writeSlices(tree, options, slices);

export const allGenerator = (tree: Tree, options: ManifestsGeneratorSchema) => writeSlices(tree, options);
export const statefulsetGenerator = sliceGenerator('statefulset');
export const serviceGenerator = sliceGenerator('service');
export const configmapGenerator = sliceGenerator('configmap');
export const secretGenerator = sliceGenerator('secret');
export const serviceaccountGenerator = sliceGenerator('serviceaccount');
export const networkpolicyGenerator = sliceGenerator('networkpolicy');
export const pdbGenerator = sliceGenerator('pdb');
export const pvcGenerator = sliceGenerator('pvc');

export default allGenerator;
