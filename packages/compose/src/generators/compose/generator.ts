import { joinPathFragments, logger, type Tree } from '@nx/devkit';
import {
  formatIssue,
  readModelFromTree,
  renderEngramToml,
  workspacePath,
  writeRenderedFiles,
  type EngramDeployModel,
  type RenderedFile,
} from '@engram/config-schema';
import {
  defaultComposeDirectory,
  exposureWarnings,
  packageName,
  renderComposeFile,
  renderEnvExample,
} from '../../render-compose';

export { defaultComposeDirectory };
import {
  renderGrafanaDashboard,
  renderGrafanaDashboardProvider,
  renderGrafanaDatasource,
  renderPrometheusConfig,
} from '../../render-monitoring';
import type { ComposeGeneratorSchema } from './schema';

/** Every file of the Compose stack: the Compose file and everything it mounts. */
export function composeFiles(model: EngramDeployModel, directory = defaultComposeDirectory): RenderedFile[] {
  const at = (path: string) => joinPathFragments(directory, path);
  return [
    { path: at('docker-compose.yml'), content: renderComposeFile(model, directory) },
    { path: at('.env.example'), content: renderEnvExample(model) },
    { path: at(`config/${model.runtime.configFile}`), content: renderEngramToml(model, packageName) },
    { path: at('monitoring/prometheus.yml'), content: renderPrometheusConfig(model) },
    { path: at('monitoring/grafana/provisioning/datasources/prometheus.yml'), content: renderGrafanaDatasource(model) },
    { path: at('monitoring/grafana/provisioning/dashboards/engram.yml'), content: renderGrafanaDashboardProvider(model) },
    { path: at('monitoring/grafana/dashboards/engram-overview.json'), content: renderGrafanaDashboard() },
  ];
}

/**
 * Writes the Compose stack; an invalid model throws before anything is written. A model that publishes
 * Engram beyond this host is written, with a warning per opening.
 */
export async function composeGenerator(tree: Tree, options: ComposeGeneratorSchema): Promise<void> {
  const model = readModelFromTree(tree, options.config);
  for (const warning of exposureWarnings(model)) logger.warn(`Warning: ${formatIssue(warning)}`);
  const directory = workspacePath(tree, options.directory ?? defaultComposeDirectory, '--directory');
  writeRenderedFiles(tree, composeFiles(model, directory));
}

export default composeGenerator;
