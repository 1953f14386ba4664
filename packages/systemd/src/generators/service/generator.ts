import { joinPathFragments, type Tree } from '@nx/devkit';
import {
  readModelFromTree,
  renderEngramToml,
  writeRenderedFiles,
  type EngramDeployModel,
  type RenderedFile,
} from '@engram/config-schema';
import { assertBareMetal, bareMetalModel, packageName } from '../../bare-metal';
import { renderEnvironmentFile, renderSysusers, renderTmpfiles } from '../../render-host-files';
import { installSources, renderInstallScript } from '../../render-install-script';
import { renderServiceUnit } from '../../render-unit';
import type { SystemdGeneratorSchema } from './schema';

export const defaultSystemdDirectory = 'deployments/systemd';
export const installScriptName = 'install.sh';

/** Every file of the bare-metal install: what install.sh puts in place, and install.sh itself. */
export function systemdFiles(
  model: EngramDeployModel,
  directory = defaultSystemdDirectory,
  source = 'the deployment model',
): RenderedFile[] {
  assertBareMetal(model, source);
  const at = (path: string) => joinPathFragments(directory, path);
  const sources = installSources(model);
  return [
    { path: at(sources.unit), content: renderServiceUnit(model) },
    { path: at(sources.sysusers), content: renderSysusers(model) },
    { path: at(sources.tmpfiles), content: renderTmpfiles(model) },
    { path: at(sources.config), content: renderEngramToml(bareMetalModel(model), packageName) },
    { path: at(sources.environment), content: renderEnvironmentFile(model) },
    // Executable, so operators can run ./install.sh.
    { path: at(installScriptName), content: renderInstallScript(model), mode: '755' },
  ];
}

/** Writes deployments/systemd/; an invalid model throws before anything is written. */
export async function systemdGenerator(tree: Tree, options: SystemdGeneratorSchema): Promise<void> {
  const configPath = options.config ?? 'deployments/engram.deploy.yaml';
  const model = readModelFromTree(tree, configPath);
  writeRenderedFiles(tree, systemdFiles(model, options.directory, configPath));
}

export default systemdGenerator;
