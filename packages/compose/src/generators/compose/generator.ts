import { joinPathFragments, type Tree } from 'nx/src/devkit-exports';
import {
  readModelFromTree,
  renderEngramToml,
  writeRenderedFiles,
  type EngramDeployModel,
  type RenderedFile,
} from '@engram/config-schema';
import { packageName, renderComposeFile, renderEnvExample } from '../../render-compose';
import {
  renderGrafanaDashboard,
  renderGrafanaDashboardProvider,
  renderGrafanaDatasource,
  renderPrometheusConfig,
} from '../../render-monitoring';
import type { ComposeGeneratorSchema } from './schema';

export const defaultComposeDirectory = 'deployments/docker';

/** Every file of the Compose stack: the Compose file and everything it mounts. */
export function composeFiles(model: EngramDeployModel, directory = defaultComposeDirectory): RenderedFile[] {
  const at = (path: string) => joinPathFragments(directory, path);
  return [
    { path: at('docker-compose.yml'), content: renderComposeFile(model) },
    { path: at('.env.example'), content: renderEnvExample(model) },
    { path: at(`config/${model.runtime.configFile}`), content: renderEngramToml(model, packageName) },
    { path: at('monitoring/prometheus.yml'), content: renderPrometheusConfig(model) },
    { path: at('monitoring/grafana/provisioning/datasources/prometheus.yml'), content: renderGrafanaDatasource() },
    { path: at('monitoring/grafana/provisioning/dashboards/engram.yml'), content: renderGrafanaDashboardProvider() },
    { path: at('monitoring/grafana/dashboards/engram-overview.json'), content: renderGrafanaDashboard() },
  ];
}

/** Writes the Compose stack; an invalid model throws before anything is written. */
export async function composeGenerator(tree: Tree, options: ComposeGeneratorSchema): Promise<void> {
  const model = readModelFromTree(tree, options.config);
  writeRenderedFiles(tree, composeFiles(model, options.directory));
}

export default composeGenerator;
