import { joinPathFragments, type Tree } from '@nx/devkit';
import {
  readModelFromTree,
  workspacePath,
  writeRenderedFiles,
  type EngramDeployModel,
  type RenderedFile,
} from '@engram/config-schema';
import { renderCheckScript } from '../../render-check-script';
import { renderCiWorkflow, type CiPaths } from '../../render-ci-workflow';
import { defaultDockerDirectory } from '../dockerfile/generator';
import type { CiGeneratorSchema } from './schema';

export const defaultWorkflowPath = '.github/workflows/engram-deploy.yml';
export const defaultCheckScriptPath = 'deployments/ci/check.sh';

/** The workflow and its check script, for a model and the paths the workflow reads. */
export function ciFiles(model: EngramDeployModel, workflowPath: string, paths: CiPaths): RenderedFile[] {
  return [
    { path: workflowPath, content: renderCiWorkflow(model, paths) },
    { path: paths.checkScript, content: renderCheckScript() },
  ];
}

/** Writes the workflow and the check script; an invalid model or a path outside the workspace throws before anything is written. */
export async function ciGenerator(tree: Tree, options: CiGeneratorSchema): Promise<void> {
  const model = readModelFromTree(tree, options.config);
  const workflowPath = workspacePath(tree, options.workflow ?? defaultWorkflowPath, '--workflow');
  const paths: CiPaths = {
    checkScript: workspacePath(tree, options.checkScript ?? defaultCheckScriptPath, '--checkScript'),
    dockerfile: joinPathFragments(
      workspacePath(tree, options.dockerDirectory ?? defaultDockerDirectory, '--dockerDirectory'),
      'Dockerfile',
    ),
    kubernetesDirectory: workspacePath(tree, options.kubernetesDirectory ?? 'deployments/kubernetes', '--kubernetesDirectory'),
    chartDirectory: workspacePath(tree, options.chartDirectory ?? 'deployments/helm/engram', '--chartDirectory'),
  };
  const files = ciFiles(model, workflowPath, paths);
  writeRenderedFiles(tree, files);
}

export default ciGenerator;
