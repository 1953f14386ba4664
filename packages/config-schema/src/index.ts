export type { EngramDeployConfig } from './generated/engram-deploy-config';
export { engramDeploySchema, resolveRef, schemaModulePath, schemaPath, type JsonSchema } from './schema';
export { validate, toDottedPath, type ValidationResult } from './validate';
export { ConfigValidationError, formatIssue, type ConfigIssue } from './issues';
export { normalize, type EngramDeployModel } from './normalize';
export { defaultConfigPath, loadConfig, modelFromText, parseConfigText } from './load-config';
export { readModelFromTree, writeRenderedFiles, type ModelOptions, type RenderedFile } from './tree';
export { generatedHeader, regenerateCommand } from './generated-header';
export { engramTomlData, renderEngramToml } from './render-engram-toml';
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
  startArguments,
  type ImageParts,
} from './runtime-profile';
export { parseCpuQuantity, parseMemoryQuantity } from './quantity';
export { initGenerator } from './generators/init/generator';
export { docsGenerator } from './generators/docs/generator';
export { renderConfigurationReference } from './render-reference';
