// Names and labels are the runtime contract's (@engram/config-schema); they stay part of this package's API.
export {
  commonLabels,
  configMapKey,
  objectNames,
  portNames,
  selectorLabels,
  serviceRoleLabel,
} from '@engram/config-schema';
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
