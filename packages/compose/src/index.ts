export {
  composeVariables,
  dockerCpus,
  dockerMemory,
  exposureWarnings,
  grafanaPasswordGuard,
  renderComposeFile,
  renderEnvExample,
  type ComposeVariable,
} from './render-compose';
export {
  dashboardPanels,
  renderGrafanaDashboard,
  renderGrafanaDashboardProvider,
  renderGrafanaDatasource,
  renderPrometheusConfig,
} from './render-monitoring';
export { composeFiles, composeGenerator } from './generators/compose/generator';
export { initGenerator } from './generators/init/generator';
