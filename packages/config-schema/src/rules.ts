import { BlockList, isIP } from 'node:net';
import { posix } from 'node:path';
import type { EngramDeployConfig } from './generated/engram-deploy-config';
import { describeGiven, type ConfigIssue } from './issues';
import type { EngramDeployModel } from './normalize';
import { parseCpuQuantity, parseMemoryQuantity } from './quantity';
import { adminPaths, contractEnv, contractToml, objectNames } from './runtime-contract';

type Rule = (model: EngramDeployModel, given: EngramDeployConfig) => ConfigIssue[];

function issue(path: string, message: string, expected: string, given: unknown): ConfigIssue {
  return { path, message, expected, given: describeGiven(given) };
}

/** `/data/./spaces/` -> `/data/spaces`: paths are compared once resolved, never as text. */
function resolved(path: string): string {
  return posix.resolve('/', path);
}

function isWithin(path: string, directory: string): boolean {
  const file = resolved(path);
  const dir = resolved(directory);
  return file === dir || file.startsWith(dir === '/' ? '/' : `${dir}/`);
}

/** Directories of the operating system a volume must never replace or shadow, in a container or on a host. */
const systemDirectories = [
  '/etc',
  '/bin',
  '/sbin',
  '/usr',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/run',
  '/var/run',
  '/root',
];

/** The system directory `path` is or lies in (`/lib*` included), `/` for the root itself. */
function systemDirectoryOf(path: string): string | undefined {
  const file = resolved(path);
  if (file === '/') return '/';
  const lib = /^\/lib[^/]*/.exec(file)?.[0];
  return lib ?? systemDirectories.find((dir) => isWithin(file, dir));
}

const notASystemDirectory = `a directory of its own such as /data, not /, nor in ${[...systemDirectories, '/lib*'].join(', ')}`;

/** Every directory a volume is mounted on in the container, and the host directory Compose binds. */
const mountsStayOutOfSystemDirectories: Rule = (model) => {
  const mounts: [string, string][] = [
    ['runtime.dataDir', model.runtime.dataDir],
    ['runtime.configHome', model.runtime.configHome],
    ['runtime.tmpDir', model.runtime.tmpDir],
  ];
  const { apiKeysStoragePath } = model.engram.security;
  if (apiKeysStoragePath)
    mounts.push(['engram.security.apiKeysStoragePath', posix.dirname(resolved(apiKeysStoragePath))]);
  model.kubernetes.extraVolumeMounts.forEach((mount, index) =>
    mounts.push([`kubernetes.extraVolumeMounts[${index}].mountPath`, String(mount.mountPath)]),
  );
  const issues: ConfigIssue[] = [];
  for (const [path, directory] of mounts) {
    const system = systemDirectoryOf(directory);
    if (system) {
      issues.push(
        issue(
          path,
          system === '/'
            ? `mounts a volume on the root directory (${directory}), which would replace the whole image`
            : `mounts a volume on ${resolved(directory)}, which is or lies in the system directory ${system} and would replace what the image keeps there`,
          notASystemDirectory,
          path === 'engram.security.apiKeysStoragePath' ? apiKeysStoragePath : directory,
        ),
      );
    }
  }
  const { hostPath } = model.compose.dataVolume;
  if (hostPath) {
    const system = systemDirectoryOf(hostPath);
    if (system) {
      issues.push(
        issue(
          'compose.dataVolume.hostPath',
          system === '/'
            ? 'binds the host root directory into the container'
            : `binds ${resolved(hostPath)} of the host, which is or lies in the system directory ${system} (the Docker socket lives in /run and /var/run): the container would own the host`,
          `a host ${notASystemDirectory}`,
          hostPath,
        ),
      );
    }
  }
  return issues;
};

/** IPv4 and IPv6 addresses and prefixes checked by Node's own parser, not by a pattern alone. */
function cidrProblem(cidr: string): string | undefined {
  const slash = cidr.lastIndexOf('/');
  const address = cidr.slice(0, slash);
  const prefix = Number(cidr.slice(slash + 1));
  const family = isIP(address);
  if (slash < 0 || family === 0) return `${address} is not an IPv4 or IPv6 address`;
  const bits = family === 4 ? 32 : 128;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return `the prefix length must be 0-${bits}`;
  const network = new BlockList();
  try {
    network.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return undefined;
}

const addressesAreReal: Rule = (model) => {
  const issues: ConfigIssue[] = [];
  const addresses: [string, string][] = [
    ['engram.server.httpBind', model.engram.server.httpBind],
    ['compose.publishAddress', model.compose.publishAddress],
  ];
  for (const [path, address] of addresses) {
    if (isIP(address) === 0)
      issues.push(issue(path, 'is not an IPv4 or IPv6 address', 'an address such as 127.0.0.1 or ::1', address));
  }
  const cidrs: [string, string][] = model.service.loadBalancerSourceRanges.map((cidr, index) => [
    `service.loadBalancerSourceRanges[${index}]`,
    cidr,
  ]);
  if (model.compose.network.subnet) cidrs.push(['compose.network.subnet', model.compose.network.subnet]);
  for (const [path, cidr] of cidrs) {
    const problem = cidrProblem(cidr);
    if (problem) issues.push(issue(path, `is not a CIDR: ${problem}`, 'a CIDR such as 10.0.0.0/8 or fd00::/8', cidr));
  }
  return issues;
};

/**
 * Compose reads a key that begins with `x-` in its top-level maps as an extension field, not as an
 * entry: a network or volume of that name would be silently dropped from the project.
 */
const composeNamesAreNotExtensions: Rule = (model) =>
  (
    [
      ['compose.network.name', model.compose.network.name],
      ['compose.dataVolume.name', model.compose.dataVolume.name],
    ] as const
  )
    .filter(([, name]) => name.startsWith('x-'))
    .map(([path, name]) =>
      issue(
        path,
        'must not begin with "x-": Compose reads such a key as an extension field and ignores the entry',
        'a name that does not begin with "x-"',
        name,
      ),
    );

/** The part of a label or annotation key before '/' is a DNS subdomain of at most 253 characters. */
const labelKeyPrefixesFit: Rule = (model) => {
  const maps: [string, Record<string, unknown>][] = [
    ['persistence.annotations', model.persistence.annotations],
    ['service.annotations', model.service.annotations],
    ['ingress.annotations', model.ingress.annotations],
    ['monitoring.serviceMonitor.labels', model.monitoring.serviceMonitor.labels],
    ['monitoring.grafanaDashboards.labels', model.monitoring.grafanaDashboards.labels],
    ['scheduling.nodeSelector', model.scheduling.nodeSelector],
    ['kubernetes.commonLabels', model.kubernetes.commonLabels],
    ['kubernetes.podLabels', model.kubernetes.podLabels],
    ['kubernetes.podAnnotations', model.kubernetes.podAnnotations],
    ['kubernetes.serviceAccount.annotations', model.kubernetes.serviceAccount.annotations],
  ];
  return maps.flatMap(([path, map]) =>
    Object.keys(map)
      .filter((key) => key.includes('/') && key.slice(0, key.indexOf('/')).length > 253)
      .map((key) =>
        issue(
          `${path}[${JSON.stringify(key)}]`,
          'has a key prefix longer than 253 characters',
          'a DNS-subdomain prefix of at most 253 characters',
          key,
        ),
      ),
  );
};

const loneSurrogate = /[\uD800-\uDFFF]/u;

/** Strings with lone UTF-16 surrogates (from JSON escapes) have no UTF-8 form: Kubernetes and Docker refuse them. */
function malformedStrings(value: unknown, path: string, found: [string, string][]): void {
  if (typeof value === 'string') {
    if (loneSurrogate.test(value)) found.push([path, value]);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => malformedStrings(item, `${path}[${index}]`, found));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyPath = /^[A-Za-z_$][\w$]*$/.test(key)
        ? path
          ? `${path}.${key}`
          : key
        : `${path}[${JSON.stringify(key)}]`;
      if (loneSurrogate.test(key)) found.push([keyPath, key]);
      malformedStrings(item, keyPath, found);
    }
  }
}

const stringsAreUnicode: Rule = (_model, given) => {
  const found: [string, string][] = [];
  malformedStrings(given, '', found);
  return found.map(([path, value]) =>
    issue(path || '(root)', 'holds a lone UTF-16 surrogate, which has no UTF-8 form', 'valid Unicode text', value),
  );
};

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

/** Where to protect Engram instead, named by every message that refuses an open door. */
const workingProtections =
  'keep it unexposed (the closed NetworkPolicy, ports published on 127.0.0.1) and put TLS and authentication at an ingress or proxy in front of it';

const noSilentlyOpenAuth: Rule = (model) => {
  const { authMode, apiKeysStoragePath } = model.engram.security;
  const issues: ConfigIssue[] = [];
  if (authMode !== 'none') {
    issues.push(
      issue(
        'engram.security.authMode',
        `cannot be "${authMode}": Engram 0.1.x has no way to create an API key, and when its key store cannot be opened it serves every route, /shutdown included, with no authentication at all; ${workingProtections}`,
        '"none"',
        authMode,
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
  const { apiKeysStoragePath } = model.engram.security;
  if (apiKeysStoragePath)
    mounts.push(['engram.security.apiKeysStoragePath', posix.dirname(resolved(apiKeysStoragePath))]);
  const issues: ConfigIssue[] = [];
  mounts.forEach(([path, dir], index) => {
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
  if (type === 'LoadBalancer' && loadBalancerSourceRanges.length === 0) {
    issues.push(
      issue(
        'service.loadBalancerSourceRanges',
        'must list the allowed client networks for a LoadBalancer: Engram has no authentication and its HTTP API has an unauthenticated /shutdown',
        'at least one CIDR',
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

/** Why an Ingress path would reach an admin route, or undefined when it cannot. */
function routesAdminSurface(path: string): string | undefined {
  if (path === '/') return `routes every path, ${adminPaths.join(' and ')} included`;
  for (const admin of adminPaths) {
    if (isWithin(path, admin)) return `is ${admin} or below it`;
    // A character prefix, not only a path-element one: controllers differ on how they match.
    if (admin.startsWith(path)) return `is a prefix of ${admin}, so it could route it`;
  }
  return undefined;
}

const ingressIsComplete: Rule = (model) => {
  const { enabled, hosts, tls, plainHttp, certManager } = model.ingress;
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
  if (enabled && plainHttp !== 'allow') {
    const covered = new Set(tls.flatMap((entry) => entry.hosts));
    hosts.forEach((host, index) => {
      if (!covered.has(host.host)) {
        issues.push(
          issue(
            `ingress.hosts[${index}].host`,
            `has no certificate in ingress.tls while ingress.plainHttp is "${plainHttp}": the host would not be served over TLS`,
            'a host listed in an ingress.tls entry, or ingress.plainHttp "allow"',
            host.host,
          ),
        );
      }
    });
  }
  if (certManager.clusterIssuer && certManager.issuer) {
    issues.push(
      issue(
        'ingress.certManager.issuer',
        'cannot be set together with clusterIssuer: cert-manager takes one',
        'an empty issuer when clusterIssuer is set',
        certManager.issuer,
      ),
    );
  }
  if ((certManager.clusterIssuer || certManager.issuer) && tls.length === 0) {
    issues.push(
      issue(
        'ingress.tls',
        'must name the Secret and hosts of each certificate: cert-manager issues one per ingress.tls entry',
        'at least one ingress.tls entry',
        tls,
      ),
    );
  }
  return issues;
};

const ingressRoutesOnlyTheApi: Rule = (model) => {
  const issues: ConfigIssue[] = [];
  model.ingress.hosts.forEach((host, hostIndex) =>
    host.paths.forEach((entry, pathIndex) => {
      const at = `ingress.hosts[${hostIndex}].paths[${pathIndex}]`;
      const reason = routesAdminSurface(entry.path);
      if (reason) {
        issues.push(
          issue(
            `${at}.path`,
            `${reason}: the Ingress never routes ${adminPaths.join(' or ')}, which Engram serves without authentication; list the API paths clients use`,
            `an API path such as /api/v1/memories, not /, not under ${adminPaths.join(' or ')}, and no prefix of any`,
            entry.path,
          ),
        );
      }
      if (entry.pathType === 'ImplementationSpecific') {
        issues.push(
          issue(
            `${at}.pathType`,
            `is refused: its matching is up to the controller (a regular expression for some), so the Ingress could route ${adminPaths.join(' or ')}`,
            '"Prefix" or "Exact"',
            entry.pathType,
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
const modelledTomlKeys: Record<string, string> = Object.fromEntries(contractToml.map((row) => [row.key, row.from]));

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
const modelledEnv: Record<string, string> = Object.fromEntries(contractEnv.map((row) => [row.name, row.from]));

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
  const { dataVolume, configVolume, tmpVolume } = objectNames(model);
  const builtInVolumes: string[] = [dataVolume, configVolume, tmpVolume];
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

const networkPolicyAdmitsTheIngressController: Rule = (model) => {
  const { enabled, allowExternal, ingressController } = model.networkPolicy;
  return model.ingress.enabled && enabled && !allowExternal && !ingressController.namespace
    ? [
        issue(
          'networkPolicy.ingressController.namespace',
          "must name the ingress controller's namespace when the Ingress is enabled: the closed NetworkPolicy refuses the controller otherwise",
          'the namespace of the ingress controller pods',
          ingressController.namespace,
        ),
      ]
    : [];
};

const upstreamBuilds: Rule = (model) =>
  model.build.defaultFeatures
    ? []
    : [
        issue(
          'build.defaultFeatures',
          'must be true: Engram 0.1.x does not compile with --no-default-features (engram-cli uses SpreadingAutoTuner outside its hnsw_index gate), and engram-cli turns on monitoring (libhwloc) either way',
          'true',
          false,
        ),
      ];

const rules: Rule[] = [
  upstreamBuilds,
  stringsAreUnicode,
  addressesAreReal,
  composeNamesAreNotExtensions,
  labelKeyPrefixesFit,
  mountsStayOutOfSystemDirectories,
  portsAreDistinct,
  requestsWithinLimits,
  singleWriter,
  defaultSpaceIsBootstrapped,
  existingClaimReplacesTemplate,
  hostPathNeedsPersistence,
  noSilentlyOpenAuth,
  mountPointsAreSeparate,
  writableFilesLiveInScratch,
  startupIsCovered,
  probesFollowKubernetesRules,
  shutdownFitsGracePeriod,
  healthCheckTimeoutFitsInterval,
  exposureIsDeliberate,
  ingressIsComplete,
  ingressRoutesOnlyTheApi,
  scrapeTimeoutFitsInterval,
  disruptionBudgetAllowsDrains,
  restrictedPodSecurity,
  extraTomlIsUnambiguous,
  extrasDoNotShadowModel,
  networkPolicyAdmitsTheIngressController,
];

/** Rules across fields that JSON Schema cannot express; each message says why. */
export function checkRules(model: EngramDeployModel, given: EngramDeployConfig): ConfigIssue[] {
  return rules.flatMap((rule) => rule(model, given));
}
