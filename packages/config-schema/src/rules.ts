import type { EngramDeployConfig } from './generated/engram-deploy-config';
import { describeGiven, type ConfigIssue } from './issues';
import type { EngramDeployModel } from './normalize';
import { parseCpuQuantity, parseMemoryQuantity } from './quantity';

type Rule = (model: EngramDeployModel, given: EngramDeployConfig) => ConfigIssue[];

function issue(path: string, message: string, expected: string, given: unknown): ConfigIssue {
  return { path, message, expected, given: describeGiven(given) };
}

function isWithin(path: string, directory: string): boolean {
  const dir = directory.endsWith('/') ? directory : `${directory}/`;
  return path === directory || path.startsWith(dir);
}

const portsAreDistinct: Rule = (model) => {
  const ports: [string, number][] = [
    ['ports.http', model.ports.http],
    ['ports.grpc', model.ports.grpc],
    ['compose.monitoring.prometheusPort', model.compose.monitoring.prometheusPort],
    ['compose.monitoring.grafanaPort', model.compose.monitoring.grafanaPort],
  ];
  const issues: ConfigIssue[] = [];
  ports.forEach(([path, port], index) => {
    const earlier = ports.slice(0, index).find(([, other]) => other === port);
    if (earlier) {
      issues.push(
        issue(path, `is already used by ${earlier[0]}: each port must be distinct`, `a port other than ${port}`, port),
      );
    }
  });
  return issues;
};

const requestsWithinLimits: Rule = (model) => {
  const issues: ConfigIssue[] = [];
  const { requests, limits } = model.resources;
  const compare = (key: 'cpu' | 'memory' | 'ephemeralStorage', parse: (q: string) => number) => {
    const request = requests[key];
    const limit = limits[key];
    if (request && limit && parse(request) > parse(limit)) {
      issues.push(
        issue(
          `resources.requests.${key}`,
          `is above the limit ${limit}: a request cannot exceed its limit`,
          `at most ${limit}`,
          request,
        ),
      );
    }
  };
  compare('cpu', parseCpuQuantity);
  compare('memory', parseMemoryQuantity);
  compare('ephemeralStorage', parseMemoryQuantity);
  return issues;
};

const singleWriter: Rule = (model) => {
  const issues: ConfigIssue[] = [];
  if (model.statefulset.replicas !== 1) {
    issues.push(
      issue(
        'statefulset.replicas',
        'must be 1: Engram is a single-writer database until multi-node lands; more replicas would each hold a diverging copy',
        '1',
        model.statefulset.replicas,
      ),
    );
  }
  if (model.autoscaling.enabled) {
    issues.push(
      issue(
        'autoscaling.enabled',
        'must be false: autoscaling a single-writer StatefulSet would fork the database (multi-node is a later milestone)',
        'false',
        true,
      ),
    );
  }
  return issues;
};

const defaultSpaceIsBootstrapped: Rule = (model) => {
  const { defaultSpace, bootstrapSpaces } = model.engram.memorySpaces;
  return bootstrapSpaces.includes(defaultSpace)
    ? []
    : [
        issue(
          'engram.memorySpaces.defaultSpace',
          'must be one of the bootstrap spaces, or requests without a space name fail',
          `one of ${JSON.stringify(bootstrapSpaces)}`,
          defaultSpace,
        ),
      ];
};

const existingClaimReplacesTemplate: Rule = (model, given) => {
  const { existingClaim, enabled } = model.persistence;
  if (!existingClaim) return [];
  const issues: ConfigIssue[] = [];
  if (!enabled) {
    issues.push(
      issue(
        'persistence.existingClaim',
        'needs persistence.enabled: true',
        'persistence.enabled true, or no existingClaim',
        existingClaim,
      ),
    );
  }
  if (given.persistence?.retentionPolicy !== undefined) {
    issues.push(
      issue(
        'persistence.retentionPolicy',
        'applies to claims the StatefulSet creates from its template, which persistence.existingClaim replaces',
        'no retentionPolicy when existingClaim is set',
        given.persistence.retentionPolicy,
      ),
    );
  }
  return issues;
};

const hostPathNeedsPersistence: Rule = (model) =>
  model.compose.dataVolume.hostPath && !model.persistence.enabled
    ? [
        issue(
          'compose.dataVolume.hostPath',
          'needs persistence.enabled: true (without persistence the data lives in an anonymous volume)',
          'persistence.enabled true, or no hostPath',
          model.compose.dataVolume.hostPath,
        ),
      ]
    : [];

const apiKeyAuthNeedsKeys: Rule = (model) => {
  const { authMode, apiKeysStoragePath } = model.engram.security;
  const issues: ConfigIssue[] = [];
  if (authMode === 'api_key' && !apiKeysStoragePath) {
    issues.push(
      issue(
        'engram.security.apiKeysStoragePath',
        'is required with authMode "api_key": Engram must know where the key file is',
        'an absolute path such as /secrets/engram/api-keys',
        apiKeysStoragePath,
      ),
    );
  }
  if (apiKeysStoragePath && isWithin(apiKeysStoragePath, model.runtime.dataDir)) {
    issues.push(
      issue(
        'engram.security.apiKeysStoragePath',
        `must not be inside the data root ${model.runtime.dataDir}: every directory there is taken as a memory space`,
        `a path outside ${model.runtime.dataDir}`,
        apiKeysStoragePath,
      ),
    );
  }
  return issues;
};

const mountPointsAreSeparate: Rule = (model) => {
  const mounts: [string, string][] = [
    ['runtime.dataDir', model.runtime.dataDir],
    ['runtime.configHome', model.runtime.configHome],
    ['runtime.tmpDir', model.runtime.tmpDir],
  ];
  const issues: ConfigIssue[] = [];
  mounts.forEach(([path, dir], index) => {
    if (dir === '/')
      issues.push(issue(path, 'must not be the root directory: it becomes a volume mount', 'a directory below /', dir));
    for (const [otherPath, other] of mounts.slice(0, index)) {
      if (isWithin(dir, other) || isWithin(other, dir)) {
        issues.push(
          issue(
            path,
            `overlaps ${otherPath} (${other}): each is a separate volume`,
            `a directory outside ${other}`,
            dir,
          ),
        );
      }
    }
  });
  return issues;
};

const writableFilesLiveInScratch: Rule = (model) => {
  const issues: ConfigIssue[] = [];
  const { tmpDir, dataDir } = model.runtime;
  for (const key of ['pidPath', 'consolidationAlertLog'] as const) {
    const file = model.runtime[key];
    if (isWithin(file, dataDir)) {
      issues.push(
        issue(
          `runtime.${key}`,
          `must not be inside the data root ${dataDir}: nothing but memory spaces may be written there`,
          `a path inside ${tmpDir}`,
          file,
        ),
      );
    } else if (model.security.readOnlyRootFilesystem && !isWithin(file, tmpDir)) {
      issues.push(
        issue(
          `runtime.${key}`,
          `must be inside runtime.tmpDir (${tmpDir}): the root filesystem is read-only and Engram must write this file`,
          `a path inside ${tmpDir}`,
          file,
        ),
      );
    }
  }
  return issues;
};

function probeBudget(probe: EngramDeployModel['probes']['startup']): number {
  return probe.initialDelaySeconds + probe.periodSeconds * probe.failureThreshold;
}

const startupIsCovered: Rule = (model) => {
  const budget = model.runtime.startupBudgetSeconds;
  const { startup, liveness } = model.probes;
  if (startup.enabled && probeBudget(startup) < budget) {
    return [
      issue(
        'probes.startup',
        `allows only ${probeBudget(startup)} s (initialDelaySeconds + periodSeconds x failureThreshold), less than Engram's start-up of up to ${budget} s (runtime.startupBudgetSeconds): the pod would be killed before it serves`,
        `a budget of at least ${budget} s`,
        startup,
      ),
    ];
  }
  if (
    !startup.enabled &&
    liveness.enabled &&
    liveness.initialDelaySeconds + liveness.periodSeconds * liveness.failureThreshold < budget
  ) {
    return [
      issue(
        'probes.liveness',
        `must cover Engram's start-up of up to ${budget} s when the startup probe is disabled`,
        `initialDelaySeconds + periodSeconds x failureThreshold >= ${budget}`,
        liveness,
      ),
    ];
  }
  return [];
};

const probesFollowKubernetesRules: Rule = (model) => {
  const issues: ConfigIssue[] = [];
  for (const name of ['startup', 'liveness'] as const) {
    const threshold = model.probes[name].successThreshold;
    if (threshold !== 1) {
      issues.push(
        issue(
          `probes.${name}.successThreshold`,
          `must be 1: Kubernetes rejects any other value for ${name} probes`,
          '1',
          threshold,
        ),
      );
    }
  }
  return issues;
};

const shutdownFitsGracePeriod: Rule = (model) => {
  const { stopGracePeriodSeconds, shutdownBudgetSeconds } = model.runtime;
  return stopGracePeriodSeconds > shutdownBudgetSeconds
    ? []
    : [
        issue(
          'runtime.stopGracePeriodSeconds',
          `must be longer than Engram's clean stop (runtime.shutdownBudgetSeconds = ${shutdownBudgetSeconds} s), or SIGKILL cuts the shutdown short`,
          `more than ${shutdownBudgetSeconds}`,
          stopGracePeriodSeconds,
        ),
      ];
};

const healthCheckTimeoutFitsInterval: Rule = (model) => {
  const { timeoutSeconds, intervalSeconds } = model.runtime.healthCheck;
  return timeoutSeconds <= intervalSeconds
    ? []
    : [
        issue(
          'runtime.healthCheck.timeoutSeconds',
          'must not exceed intervalSeconds, or checks overlap',
          `at most ${intervalSeconds}`,
          timeoutSeconds,
        ),
      ];
};

const exposureIsDeliberate: Rule = (model) => {
  const { type, loadBalancerSourceRanges, nodePorts } = model.service;
  const issues: ConfigIssue[] = [];
  if (type === 'LoadBalancer' && loadBalancerSourceRanges.length === 0 && model.engram.security.authMode === 'none') {
    issues.push(
      issue(
        'service.loadBalancerSourceRanges',
        'must list the allowed client networks for a LoadBalancer while authMode is "none": the HTTP API has an unauthenticated /shutdown',
        'at least one CIDR, or engram.security.authMode "api_key"',
        loadBalancerSourceRanges,
      ),
    );
  }
  if (type !== 'LoadBalancer' && loadBalancerSourceRanges.length > 0) {
    issues.push(
      issue(
        'service.loadBalancerSourceRanges',
        `has no effect on a ${type} Service`,
        'service.type "LoadBalancer", or no source ranges',
        loadBalancerSourceRanges,
      ),
    );
  }
  if (type === 'ClusterIP' && (nodePorts.http !== null || nodePorts.grpc !== null)) {
    issues.push(
      issue(
        'service.nodePorts',
        'has no effect on a ClusterIP Service',
        'service.type "NodePort" or "LoadBalancer", or null node ports',
        nodePorts,
      ),
    );
  }
  if (nodePorts.http !== null && nodePorts.http === nodePorts.grpc) {
    issues.push(
      issue(
        'service.nodePorts.grpc',
        'is the same node port as service.nodePorts.http',
        'a distinct node port',
        nodePorts.grpc,
      ),
    );
  }
  return issues;
};

const ingressIsComplete: Rule = (model) => {
  const { enabled, hosts, tls } = model.ingress;
  const issues: ConfigIssue[] = [];
  if (enabled && hosts.length === 0) {
    issues.push(
      issue('ingress.hosts', 'must name at least one host when the Ingress is enabled', 'at least one host', hosts),
    );
  }
  const known = new Set(hosts.map((h) => h.host));
  tls.forEach((entry, index) =>
    entry.hosts.forEach((host, hostIndex) => {
      if (!known.has(host)) {
        issues.push(
          issue(
            `ingress.tls[${index}].hosts[${hostIndex}]`,
            'is not one of ingress.hosts: the certificate would cover a host the Ingress does not route',
            `one of ${JSON.stringify([...known])}`,
            host,
          ),
        );
      }
    }),
  );
  return issues;
};

function seconds(duration: string): number {
  const match = /^([0-9]+)(ms|s|m|h|d|w|y)$/.exec(duration);
  const factor: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  return match ? Number(match[1]) * (factor[match[2] as string] as number) : Number.NaN;
}

const scrapeTimeoutFitsInterval: Rule = (model) => {
  const { interval, scrapeTimeout } = model.monitoring.serviceMonitor;
  return seconds(scrapeTimeout) <= seconds(interval)
    ? []
    : [
        issue(
          'monitoring.serviceMonitor.scrapeTimeout',
          'must not exceed the scrape interval (Prometheus rejects it)',
          `at most ${interval}`,
          scrapeTimeout,
        ),
      ];
};

function percentOrCount(value: number | string, replicas: number): number {
  return typeof value === 'number' ? value : Math.ceil((Number.parseInt(value, 10) / 100) * replicas);
}

const disruptionBudgetAllowsDrains: Rule = (model) => {
  const { enabled, minAvailable, maxUnavailable } = model.podDisruptionBudget;
  const replicas = model.statefulset.replicas;
  if (!enabled) return [];
  if (minAvailable !== null && maxUnavailable !== null) {
    return [
      issue(
        'podDisruptionBudget.minAvailable',
        'cannot be set together with maxUnavailable (Kubernetes takes only one)',
        'null when maxUnavailable is set',
        minAvailable,
      ),
    ];
  }
  if (minAvailable === null && maxUnavailable === null) {
    return [
      issue(
        'podDisruptionBudget.maxUnavailable',
        'or minAvailable must be set when the budget is enabled',
        'an integer or a percentage',
        null,
      ),
    ];
  }
  if (minAvailable !== null && percentOrCount(minAvailable, replicas) >= replicas) {
    return [
      issue(
        'podDisruptionBudget.minAvailable',
        `keeps all ${replicas} pod(s) up, so no node drain could ever evict Engram`,
        `less than ${replicas}`,
        minAvailable,
      ),
    ];
  }
  if (maxUnavailable !== null && percentOrCount(maxUnavailable, replicas) === 0) {
    return [
      issue('podDisruptionBudget.maxUnavailable', 'of 0 blocks every node drain forever', 'at least 1', maxUnavailable),
    ];
  }
  return [];
};

const restrictedPodSecurity: Rule = (model) => {
  const { capabilities, allowPrivilegeEscalation, seccompProfile, seccompLocalhostProfile } = model.security;
  const issues: ConfigIssue[] = [];
  if (!capabilities.drop.includes('ALL')) {
    issues.push(
      issue(
        'security.capabilities.drop',
        'must include ALL (Pod Security "restricted")',
        'a list containing "ALL"',
        capabilities.drop,
      ),
    );
  }
  capabilities.add.forEach((capability, index) => {
    if (capability !== 'NET_BIND_SERVICE') {
      issues.push(
        issue(
          `security.capabilities.add[${index}]`,
          'is not allowed by Pod Security "restricted" (only NET_BIND_SERVICE may be added, and Engram needs none)',
          '"NET_BIND_SERVICE"',
          capability,
        ),
      );
    }
  });
  if (allowPrivilegeEscalation) {
    issues.push(
      issue(
        'security.allowPrivilegeEscalation',
        'must be false: Pod Security "restricted" rejects the pod otherwise',
        'false',
        true,
      ),
    );
  }
  if (seccompProfile === 'Unconfined') {
    issues.push(
      issue(
        'security.seccompProfile',
        'must not be Unconfined: Pod Security "restricted" requires a seccomp filter',
        '"RuntimeDefault" or "Localhost"',
        seccompProfile,
      ),
    );
  }
  if (seccompProfile === 'Localhost' && !seccompLocalhostProfile) {
    issues.push(
      issue(
        'security.seccompLocalhostProfile',
        'is required with seccompProfile "Localhost"',
        'a profile file name',
        seccompLocalhostProfile,
      ),
    );
  }
  if (seccompProfile !== 'Localhost' && seccompLocalhostProfile) {
    issues.push(
      issue(
        'security.seccompLocalhostProfile',
        `has no effect with seccompProfile "${seccompProfile}"`,
        'seccompProfile "Localhost", or no profile',
        seccompLocalhostProfile,
      ),
    );
  }
  return issues;
};

/** config.toml keys the model sets itself; `engram.extra` may not set them a second time. */
const modelledTomlKeys: Record<string, string> = {
  'server.http_bind': 'engram.server.httpBind',
  'feature_flags.spreading_api_beta': 'engram.featureFlags.spreadingApiBeta',
  'memory_spaces.default_space': 'engram.memorySpaces.defaultSpace',
  'memory_spaces.bootstrap_spaces': 'engram.memorySpaces.bootstrapSpaces',
  'security.auth_mode': 'engram.security.authMode',
  'security.api_keys.storage_path': 'engram.security.apiKeysStoragePath',
  'persistence.data_root': 'runtime.dataDir',
  'persistence.hot_capacity': 'engram.persistence.hotCapacity',
  'persistence.warm_capacity': 'engram.persistence.warmCapacity',
  'persistence.cold_capacity': 'engram.persistence.coldCapacity',
};

const extraTomlIsUnambiguous: Rule = (model) => {
  const issues: ConfigIssue[] = [];
  const walk = (value: unknown, keys: string[]) => {
    const tomlKey = keys.join('.');
    const path = `engram.extra.${tomlKey}`;
    if (modelledTomlKeys[tomlKey]) {
      issues.push(
        issue(
          path,
          `is set by the model: use ${modelledTomlKeys[tomlKey]} instead`,
          `no ${tomlKey} in engram.extra`,
          value,
        ),
      );
    } else if (value === null) {
      issues.push(
        issue(path, 'is null, which TOML cannot express', 'a string, number, boolean, array or table', value),
      );
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, [...keys.slice(0, -1), `${keys[keys.length - 1]}[${index}]`]));
    } else if (typeof value === 'object') {
      for (const [key, child] of Object.entries(value as object)) walk(child, [...keys, key]);
    }
  };
  for (const [key, value] of Object.entries(model.engram.extra)) walk(value, [key]);
  return issues;
};

/** Environment the model sets on the Engram container; extra env may not override it. */
const modelledEnv: Record<string, string> = {
  ENGRAM_DATA_DIR: 'runtime.dataDir',
  ENGRAM_HTTP_BIND: 'engram.server.httpBind',
  ENGRAM_PID_PATH: 'runtime.pidPath',
  ENGRAM_CONSOLIDATION_ALERT_LOG: 'runtime.consolidationAlertLog',
  XDG_CONFIG_HOME: 'runtime.configHome',
  TMPDIR: 'runtime.tmpDir',
  MIMALLOC_LARGE_OS_PAGES: 'runtime.allocator.largeOsPages',
  MIMALLOC_RESERVE_HUGE_OS_PAGES: 'runtime.allocator.reserveHugeOsPages',
};

const extrasDoNotShadowModel: Rule = (model) => {
  const issues: ConfigIssue[] = [];
  model.kubernetes.extraEnv.forEach((env, index) => {
    const name = String(env.name);
    if (modelledEnv[name]) {
      issues.push(
        issue(
          `kubernetes.extraEnv[${index}].name`,
          `is set by the model: use ${modelledEnv[name]} instead`,
          `a variable other than ${name}`,
          name,
        ),
      );
    }
  });
  const builtInVolumes = ['data', 'config', 'tmp'];
  const volumeNames = new Set<string>();
  model.kubernetes.extraVolumes.forEach((volume, index) => {
    const name = String(volume.name);
    if (builtInVolumes.includes(name)) {
      issues.push(
        issue(
          `kubernetes.extraVolumes[${index}].name`,
          'is the name of a volume the model creates',
          `a name other than ${builtInVolumes.join(', ')}`,
          name,
        ),
      );
    }
    volumeNames.add(name);
  });
  model.kubernetes.extraVolumeMounts.forEach((mount, index) => {
    const name = String(mount.name);
    const mountPath = String(mount.mountPath);
    if (!volumeNames.has(name)) {
      issues.push(
        issue(
          `kubernetes.extraVolumeMounts[${index}].name`,
          'names no volume in kubernetes.extraVolumes',
          `one of ${JSON.stringify([...volumeNames])}`,
          name,
        ),
      );
    }
    for (const [path, dir] of [
      ['runtime.dataDir', model.runtime.dataDir],
      ['runtime.configHome', model.runtime.configHome],
      ['runtime.tmpDir', model.runtime.tmpDir],
    ] as const) {
      if (isWithin(mountPath, dir) || isWithin(dir, mountPath)) {
        issues.push(
          issue(
            `kubernetes.extraVolumeMounts[${index}].mountPath`,
            `overlaps ${path} (${dir}), which the model mounts`,
            `a path outside ${dir}`,
            mountPath,
          ),
        );
      }
    }
  });
  return issues;
};

const networkPolicyLetsClientsIn: Rule = (model) => {
  const { enabled, allowExternal, ingressFrom } = model.networkPolicy;
  return enabled && !allowExternal && ingressFrom.length === 0
    ? [
        issue(
          'networkPolicy.ingressFrom',
          'is empty while allowExternal is false: no client could reach Engram',
          'at least one NetworkPolicyPeer, or allowExternal true',
          ingressFrom,
        ),
      ]
    : [];
};

const rules: Rule[] = [
  portsAreDistinct,
  requestsWithinLimits,
  singleWriter,
  defaultSpaceIsBootstrapped,
  existingClaimReplacesTemplate,
  hostPathNeedsPersistence,
  apiKeyAuthNeedsKeys,
  mountPointsAreSeparate,
  writableFilesLiveInScratch,
  startupIsCovered,
  probesFollowKubernetesRules,
  shutdownFitsGracePeriod,
  healthCheckTimeoutFitsInterval,
  exposureIsDeliberate,
  ingressIsComplete,
  scrapeTimeoutFitsInterval,
  disruptionBudgetAllowsDrains,
  restrictedPodSecurity,
  extraTomlIsUnambiguous,
  extrasDoNotShadowModel,
  networkPolicyLetsClientsIn,
];

/** Rules across fields that JSON Schema cannot express; each message says why. */
export function checkRules(model: EngramDeployModel, given: EngramDeployConfig): ConfigIssue[] {
  return rules.flatMap((rule) => rule(model, given));
}
