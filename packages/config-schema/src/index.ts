export type { EngramDeployConfig } from './generated/engram-deploy-config';
export { engramDeploySchema, resolveRef, schemaModulePath, schemaPath, type JsonSchema } from './schema';
export { validate, toDottedPath, type ValidationResult } from './validate';
export { ConfigValidationError, formatIssue, type ConfigIssue } from './issues';
export { normalize, type EngramDeployModel } from './normalize';
export {
  defaultConfigPath,
  loadConfig,
  modelFromBytes,
  modelFromText,
  parseConfigText,
  type LoadOptions,
} from './load-config';
export {
  OutsideWorkspaceError,
  readModelFromTree,
  workspacePath,
  writeRenderedFiles,
  type ModelOptions,
  type RenderedFile,
} from './tree';
export { generatedHeader, regenerateCommand, regeneratingGenerators } from './generated-header';
export { engramTomlData, renderEngramToml } from './render-engram-toml';
export {
  adminPaths,
  applies,
  commonLabels,
  configMapKey,
  contractEnv,
  contractMetricsEndpoint,
  contractProbes,
  contractStartArguments,
  contractToml,
  engramMetricFamilies,
  metricsPath,
  modelValue,
  objectNames,
  portNames,
  selectorLabels,
  serviceRoleLabel,
  startArguments,
  type ArgumentFromModel,
  type Condition,
  type EnvFromModel,
  type MetricMeaning,
  type ModelPath,
  type ProbeFromModel,
  type TomlFromModel,
} from './runtime-contract';
export { engramReadsEnv, engramReadsEnvPrefix, renderContainerEnv, type EnvVar } from './render-container-env';
export {
  builderImage,
  configFilePath,
  dockerfileFrontendImage,
  engramImage,
  healthCheckCommand,
  imageReference,
  monitoringImage,
  parseImageReference,
  runtimeBaseImage,
  type ImageParts,
} from './runtime-profile';
export { layoutFor, type BareMetalLayout } from './bare-metal-layout';
export { dockerCpus, dockerMemory, parseCpuQuantity, parseMemoryQuantity } from './quantity';
export { initGenerator } from './generators/init/generator';
export { docsGenerator } from './generators/docs/generator';
export { renderConfigurationReference } from './render-reference';
export { dashboardPanels, scrapeJob, type DashboardPanel } from './metrics';
export { shellCommand, shellQuote } from './shell';
export {
  dockerRunLines,
  embeddingDimensions,
  exampleClient,
  guidePaths,
  renderProductionGuide,
  toolImage,
  troubleshootingEntries,
  waitHealthyLines,
  type BlockMarker,
  type DockerRunOptions,
  type TroubleshootingEntry,
} from './render-guide';
export { guideGenerator } from './generators/guide/generator';
