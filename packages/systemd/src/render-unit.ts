import {
  generatedHeader,
  parseCpuQuantity,
  parseMemoryQuantity,
  renderContainerEnv,
  startArguments,
  type EngramDeployModel,
} from '@engram/config-schema';
import { assertBareMetal, bareMetalModel, layoutFor, packageName } from './bare-metal';
import { systemdEnvironmentAssignment, systemdExecWord, systemdPath } from './quoting';

/** Directory modes: the data and logs only for the service user; the PID file readable by its group. */
export const directoryModes = { state: '0700', logs: '0700', runtime: '0750' } as const;

/** Open files: a WAL and three tiers per memory space, plus client connections. */
export const openFilesLimit = 65536;

/** Restarts on failure, at most `burst` starts per `intervalSeconds`, then the unit stays failed. */
export const restartPolicy = { delaySeconds: 5, burst: 5, intervalSeconds: 300 } as const;

/** systemd sizes are binary: 4G is 4 GiB, the Kubernetes quantity 4Gi. */
export function systemdBytes(quantity: string): string {
  const bytes = parseMemoryQuantity(quantity);
  for (const [suffix, size] of [
    ['T', 2 ** 40],
    ['G', 2 ** 30],
    ['M', 2 ** 20],
    ['K', 2 ** 10],
  ] as const) {
    if (bytes % size === 0 && bytes >= size) return `${bytes / size}${suffix}`;
  }
  return String(bytes);
}

/** CPUQuota= is a percentage of one CPU: 2000m is 200%. */
export function systemdCpuQuota(quantity: string): string {
  return `${Math.max(1, Math.round(parseCpuQuantity(quantity) * 100))}%`;
}

function resourceLines(model: EngramDeployModel): string[] {
  const { limits, requests } = model.resources;
  const lines: string[] = [];
  if (limits.memory) lines.push(`MemoryMax=${systemdBytes(limits.memory)}`);
  if (requests.memory) lines.push(`MemoryLow=${systemdBytes(requests.memory)}`);
  if (limits.cpu) lines.push(`CPUQuota=${systemdCpuQuota(limits.cpu)}`);
  return lines;
}

/** The command line: the binary and the model's start arguments, each word quoted for systemd. */
export function execStart(model: EngramDeployModel): string {
  return [model.runtime.binaryPath, ...startArguments(model)].map(systemdExecWord).join(' ');
}

/** deployments/systemd/<name>.service. */
export function renderServiceUnit(model: EngramDeployModel): string {
  assertBareMetal(model);
  const layout = layoutFor(model);
  const environment = renderContainerEnv(bareMetalModel(model));
  const lines = [
    generatedHeader(packageName, '#', model).trimEnd(),
    '#',
    `# Installed by install.sh as ${layout.unitPath}. Overrides: ${layout.environmentFile}`,
    `# (environment) or \`systemctl edit ${layout.name}\` (directives).`,
    '',
    '[Unit]',
    'Description=Engram cognitive graph database',
    'After=network-online.target',
    'Wants=network-online.target',
    `StartLimitIntervalSec=${restartPolicy.intervalSeconds}`,
    `StartLimitBurst=${restartPolicy.burst}`,
    '',
    '[Service]',
    '# Engram does not notify readiness: the service is up once the binary runs.',
    'Type=exec',
    `ExecStart=${execStart(model)}`,
    `User=${layout.name}`,
    `Group=${layout.name}`,
    '',
    `# ${layout.dataDir}, ${layout.runtimeDir}, ${layout.logsDir} (owned by ${layout.name}) and ${layout.configHome}/${layout.configDirectoryName} (read-only).`,
    `StateDirectory=${systemdPath(layout.name)}`,
    `StateDirectoryMode=${directoryModes.state}`,
    `RuntimeDirectory=${systemdPath(layout.name)}`,
    `RuntimeDirectoryMode=${directoryModes.runtime}`,
    `LogsDirectory=${systemdPath(layout.name)}`,
    `LogsDirectoryMode=${directoryModes.logs}`,
    `ConfigurationDirectory=${systemdPath(layout.configDirectoryName)}`,
    '# No WorkingDirectory=: it stays /, read-only, so a relative default of Engram (./data/api_keys.db)',
    '# fails loudly instead of creating a bogus memory space in the data root.',
    ...environment.map(({ name, value }) => `Environment=${systemdEnvironmentAssignment(name, value)}`),
    `EnvironmentFile=-${systemdPath(layout.environmentFile)}`,
    '',
    '# SIGTERM: Engram drains connections, stops its background tasks and logs a clean stop.',
    'KillSignal=SIGTERM',
    'KillMode=mixed',
    `TimeoutStopSec=${model.runtime.stopGracePeriodSeconds}`,
    'Restart=on-failure',
    `RestartSec=${restartPolicy.delaySeconds}`,
    '',
    `LimitNOFILE=${openFilesLimit}`,
    ...resourceLines(model),
    '',
    '# Sandbox. Engram needs the network (AF_INET, AF_INET6; AF_UNIX for the journal), its state,',
    '# runtime and logs directories, and nothing else.',
    'UMask=0077',
    'NoNewPrivileges=yes',
    'CapabilityBoundingSet=',
    'AmbientCapabilities=',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'DevicePolicy=closed',
    'PrivateUsers=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'ProtectProc=invisible',
    '# No ProcSubset=pid: hwloc, which Engram links for its CPU topology, reads /proc/cpuinfo and',
    '# /proc/meminfo, which ProcSubset=pid hides.',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'RemoveIPC=yes',
    'LockPersonality=yes',
    '# Engram is native code without a JIT: nothing maps memory writable and executable at once.',
    'MemoryDenyWriteExecute=yes',
    'SystemCallArchitectures=native',
    'SystemCallFilter=@system-service',
    'SystemCallFilter=~@privileged @resources',
    '# A denied call fails with EPERM instead of killing the process.',
    'SystemCallErrorNumber=EPERM',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.join('\n');
}
