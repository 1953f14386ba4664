export { commonLabels, configMapKey, objectNames, portNames, selectorLabels } from './names';
export {
  claimTemplate,
  configChecksumAnnotation,
  containerSecurityContext,
  engramContainer,
  podSecurityContext,
  renderStatefulSet,
} from './render-statefulset';
export * from './render-objects';
export {
  kubernetesFiles,
  renderKustomization,
  renderSliceFile,
  renderSlices,
  sliceNames,
  type Manifest,
  type Slice,
  type SliceName,
} from './manifests';
export * from './generators/manifests/generator';
export { initGenerator } from './generators/init/generator';
