export { renderDockerfile, renderDockerignore } from './render-dockerfile';
export { dockerfileFiles, dockerfileGenerator } from './generators/dockerfile/generator';
export { initGenerator } from './generators/init/generator';
export { ciChecks, incompleteExitStatus, renderCheckScript, type CiCheck } from './render-check-script';
export {
  ciChartRepository,
  ciImageRepository,
  ciToolVersions,
  ciWorkflowEnv,
  pinnedActions,
  renderCiWorkflow,
  type CiPaths,
} from './render-ci-workflow';
export { ciFiles, ciGenerator, defaultCheckScriptPath, defaultWorkflowPath } from './generators/ci/generator';
