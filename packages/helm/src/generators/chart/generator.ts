import type { Tree } from '@nx/devkit';
import { readModelFromTree, workspacePath, writeRenderedFiles } from '@engram/config-schema';
import { chartFiles } from '../../render-chart';
import type { ChartGeneratorSchema } from './schema';

export const defaultChartDirectory = 'deployments/helm/engram';

/**
 * Writes the chart; an invalid model throws before anything is written. No formatFiles here:
 * prettier would turn `{{- include ... }}` into `{ { - include ... } }`.
 */
export async function chartGenerator(tree: Tree, options: ChartGeneratorSchema): Promise<void> {
  const model = readModelFromTree(tree, options.config);
  writeRenderedFiles(
    tree,
    chartFiles(model, workspacePath(tree, options.directory ?? defaultChartDirectory, '--directory')),
  );
}

export default chartGenerator;
