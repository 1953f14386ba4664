import type { Tree } from 'nx/src/devkit-exports';
import { readModelFromTree } from '@engram/config-schema';
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
  for (const file of kubernetesFiles(model, options.directory ?? defaultKubernetesDirectory, slices)) {
    if (file.content !== null) tree.write(file.path, file.content);
    else if (tree.exists(file.path)) tree.delete(file.path);
  }
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
