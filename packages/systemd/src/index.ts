export { assertBareMetal, bareMetalIssues, bareMetalModel, layoutFor, type BareMetalLayout } from './bare-metal';
export { shellWord, systemdEnvironmentAssignment, systemdExecWord } from './quoting';
export { execStart, renderServiceUnit, systemdBytes, systemdCpuQuota } from './render-unit';
export { renderEnvironmentFile, renderSysusers, renderTmpfiles } from './render-host-files';
export { installSources, renderInstallScript } from './render-install-script';
export { systemdFiles, systemdGenerator } from './generators/service/generator';
export { initGenerator } from './generators/init/generator';
