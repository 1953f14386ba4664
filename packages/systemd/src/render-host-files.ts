import { engramReadsEnvPrefix, generatedHeader, type EngramDeployModel } from '@engram/config-schema';
import { assertBareMetal, layoutFor, packageName } from './bare-metal';
import { directoryModes } from './render-unit';

/** deployments/systemd/<name>.sysusers.conf: the system user and group that own Engram's data. */
export function renderSysusers(model: EngramDeployModel): string {
  assertBareMetal(model);
  const layout = layoutFor(model);
  return [
    generatedHeader(packageName, '#', model).trimEnd(),
    `# Installed as ${layout.sysusersFile}. A fixed, non-dynamic account: the data in ${layout.dataDir}`,
    '# keeps its owner across reinstalls (DynamicUser= would hand out a new UID).',
    `u ${layout.name} - "Engram cognitive graph database" ${layout.dataDir} /usr/sbin/nologin`,
    '',
  ].join('\n');
}

/** deployments/systemd/<name>.tmpfiles.conf: Engram's directories exist, with their owner, before the first start. */
export function renderTmpfiles(model: EngramDeployModel): string {
  assertBareMetal(model);
  const layout = layoutFor(model);
  return [
    generatedHeader(packageName, '#', model).trimEnd(),
    `# Installed as ${layout.tmpfilesFile}. The unit's StateDirectory= and LogsDirectory= create the same`,
    '# directories with the same modes; this makes them exist right after install (for backups, restores',
    '# and `engram` commands run by hand) and never deletes anything in them (no age field).',
    `d ${layout.dataDir} ${directoryModes.state} ${layout.name} ${layout.name} -`,
    `d ${layout.logsDir} ${directoryModes.logs} ${layout.name} ${layout.name} -`,
    '',
  ].join('\n');
}

/** deployments/systemd/<name>.env: the operator's overrides, all commented out, installed once and then kept. */
export function renderEnvironmentFile(model: EngramDeployModel): string {
  assertBareMetal(model);
  const layout = layoutFor(model);
  return [
    generatedHeader(packageName, '#', model).trimEnd(),
    `# Installed once as ${layout.environmentFile}; install.sh never overwrites it, so edits stay.`,
    "# Values here override the unit's Environment= lines. Restart the service after a change:",
    `#   systemctl restart ${layout.name}`,
    '#',
    `# Paths must stay inside ${layout.dataDir}, ${layout.logsDir} or ${layout.runtimeDir}: the sandbox`,
    '# (ProtectSystem=strict) keeps everything else read-only.',
    '',
    `# Address of the HTTP API. ${layout.httpBind} by default: the API has an unauthenticated /shutdown,`,
    '# so open it up (0.0.0.0) only behind a firewall or an authenticating proxy.',
    `#ENGRAM_HTTP_BIND=${layout.httpBind}`,
    '',
    '# Authentication: none or api_key. The key store is a SQLite database Engram writes.',
    '#ENGRAM_AUTH_MODE=api_key',
    `#ENGRAM_API_KEY_PATH=${layout.dataDir}/api_keys.db`,
    '',
    `# Allocator (mimalloc) tuning: any ${engramReadsEnvPrefix}* variable, for example`,
    `#${engramReadsEnvPrefix}LARGE_OS_PAGES=1`,
    '',
  ].join('\n');
}
