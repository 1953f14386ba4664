import type { EngramDeployModel } from './normalize';

/**
 * What the deployments and the engram binary agree on (engram-runtime-contract.md), and which model
 * field gives each of it: the environment, the config.toml keys, the start arguments, the probe
 * paths, the metrics endpoint and the metric families it exports, and the Kubernetes object names
 * and labels. Every target's renderer and the validation rules read these tables, and the chart's
 * helper templates are generated from them, so a model field that becomes an env var or a TOML key
 * is one row here.
 */

/** A dotted path into the model, such as `runtime.dataDir`. */
export type ModelPath = string;

/**
 * When a row applies: always, when its field is true or non-empty (`set`), or when its field is a
 * number above zero (`positive`).
 */
export type Condition = 'always' | 'set' | 'positive';

export interface EnvFromModel {
  readonly name: string;
  readonly from: ModelPath;
  readonly when?: Condition;
  /** A fixed value instead of the field's own (a switch that Engram reads as "1"). */
  readonly value?: string;
}

export interface TomlFromModel {
  /** Dotted TOML key: its tables, then the key. */
  readonly key: string;
  readonly from: ModelPath;
  readonly when?: Condition;
}

/** The Engram container's environment, in this order. */
export const contractEnv: readonly EnvFromModel[] = [
  { name: 'ENGRAM_DATA_DIR', from: 'runtime.dataDir' },
  { name: 'ENGRAM_HTTP_BIND', from: 'engram.server.httpBind' },
  { name: 'ENGRAM_PID_PATH', from: 'runtime.pidPath' },
  { name: 'ENGRAM_CONSOLIDATION_ALERT_LOG', from: 'runtime.consolidationAlertLog' },
  { name: 'XDG_CONFIG_HOME', from: 'runtime.configHome' },
  { name: 'TMPDIR', from: 'runtime.tmpDir' },
  { name: 'MIMALLOC_LARGE_OS_PAGES', from: 'runtime.allocator.largeOsPages', when: 'set', value: '1' },
  { name: 'MIMALLOC_RESERVE_HUGE_OS_PAGES', from: 'runtime.allocator.reserveHugeOsPages', when: 'positive' },
  { name: 'MIMALLOC_PURGE_DELAY', from: 'runtime.allocator.purgeDelayMs', when: 'positive' },
];

/** The keys of config.toml that the model sets; `engram.extra` is merged over them. */
export const contractToml: readonly TomlFromModel[] = [
  { key: 'server.http_bind', from: 'engram.server.httpBind' },
  { key: 'feature_flags.spreading_api_beta', from: 'engram.featureFlags.spreadingApiBeta' },
  { key: 'memory_spaces.default_space', from: 'engram.memorySpaces.defaultSpace' },
  { key: 'memory_spaces.bootstrap_spaces', from: 'engram.memorySpaces.bootstrapSpaces' },
  { key: 'security.auth_mode', from: 'engram.security.authMode' },
  { key: 'security.api_keys.storage_path', from: 'engram.security.apiKeysStoragePath', when: 'set' },
  { key: 'persistence.data_root', from: 'runtime.dataDir' },
  { key: 'persistence.hot_capacity', from: 'engram.persistence.hotCapacity' },
  { key: 'persistence.warm_capacity', from: 'engram.persistence.warmCapacity' },
  { key: 'persistence.cold_capacity', from: 'engram.persistence.coldCapacity' },
];

/**
 * The arguments after the binary that start the server, in this order: a list field gives each of
 * its items; a flag row gives `<flag>=<value>`, the flag's spelling and its value both from the
 * model. The log level is a global flag and must come before the subcommand.
 */
export type ArgumentFromModel = { readonly flag: ModelPath; readonly from: ModelPath } | { readonly list: ModelPath };

export const contractStartArguments: readonly ArgumentFromModel[] = [
  { flag: 'runtime.flags.logLevel', from: 'runtime.logLevel' },
  { list: 'runtime.startCommand' },
  { flag: 'runtime.flags.httpPort', from: 'ports.http' },
  { flag: 'runtime.flags.grpcPort', from: 'ports.grpc' },
  { list: 'runtime.extraArgs' },
];

/** A Kubernetes HTTP probe on the HTTP port: the path it checks and its timings (with `enabled`). */
export interface ProbeFromModel {
  readonly probe: 'startup' | 'liveness' | 'readiness';
  readonly path: ModelPath;
  readonly timings: ModelPath;
}

export const contractProbes: readonly ProbeFromModel[] = [
  { probe: 'startup', path: 'runtime.health.startupPath', timings: 'probes.startup' },
  { probe: 'liveness', path: 'runtime.health.livenessPath', timings: 'probes.liveness' },
  { probe: 'readiness', path: 'runtime.health.readinessPath', timings: 'probes.readiness' },
];

/** Where Prometheus scrapes Engram: a path on the HTTP port. */
export const contractMetricsEndpoint = { path: 'runtime.metricsPath', port: 'ports.http' } as const;

/** The path of Engram's Prometheus endpoint. */
export function metricsPath(model: EngramDeployModel): string {
  return String(modelValue(model, contractMetricsEndpoint.path));
}

/**
 * Paths Engram serves that no Ingress may route: /shutdown stops the server unauthenticated, and
 * /metrics (JSON) and below it the Prometheus endpoint are for the scraper inside the cluster.
 */
export const adminPaths = ['/shutdown', '/metrics'] as const;

/**
 * The metric families Engram 0.1.x exports on its Prometheus endpoint (the fixed export list of
 * engram-core `metrics/prometheus.rs`), with what their values mean. A family appears in a scrape
 * only once something recorded it inside the window, so an idle server exports few of them.
 *
 * - `window-sum`: typed `counter`, but the sum over a sliding 5-minute window; it goes down, so
 *   `rate()` and `increase()` over it mean nothing. Plot it as it is ("per 5 min").
 * - `gauge`: the mean of the recorded values over the same window.
 * - `window-histogram`: `_bucket` bounds are quantiles recomputed on every scrape, so
 *   `histogram_quantile()` over them means nothing; `_sum / _count` is the window's mean.
 */
export type MetricMeaning = 'window-sum' | 'gauge' | 'window-histogram';

export const engramMetricFamilies: Readonly<Record<string, MetricMeaning>> = {
  engram_spreading_activations_total: 'window-sum',
  engram_spreading_latency_hot_seconds: 'window-histogram',
  engram_spreading_latency_warm_seconds: 'window-histogram',
  engram_spreading_latency_cold_seconds: 'window-histogram',
  engram_spreading_latency_budget_violations_total: 'window-sum',
  engram_spreading_fallback_total: 'window-sum',
  engram_spreading_failures_total: 'window-sum',
  engram_spreading_breaker_state: 'gauge',
  engram_spreading_breaker_transitions_total: 'window-sum',
  engram_spreading_gpu_launch_total: 'window-sum',
  engram_spreading_gpu_fallback_total: 'window-sum',
  engram_spreading_pool_utilization: 'gauge',
  engram_spreading_pool_hit_rate: 'gauge',
  engram_cluster_assignments_total: 'window-sum',
  engram_cluster_rebalance_plans_total: 'window-sum',
  engram_cluster_spaces_per_node: 'gauge',
  engram_consolidation_runs_total: 'window-sum',
  engram_consolidation_failures_total: 'window-sum',
  engram_consolidation_novelty_gauge: 'gauge',
  engram_consolidation_novelty_variance: 'gauge',
  engram_consolidation_citation_churn: 'gauge',
  engram_consolidation_freshness_seconds: 'gauge',
  engram_consolidation_citations_current: 'gauge',
  engram_compaction_attempts_total: 'window-sum',
  engram_compaction_success_total: 'window-sum',
  engram_compaction_rollback_total: 'window-sum',
  engram_compaction_episodes_removed: 'window-sum',
  engram_compaction_storage_saved_bytes: 'window-sum',
  engram_wal_recovery_successes_total: 'window-sum',
  engram_wal_recovery_failures_total: 'window-sum',
  engram_wal_recovery_duration_seconds: 'window-histogram',
  engram_wal_compaction_runs_total: 'window-sum',
  engram_wal_compaction_bytes_reclaimed: 'window-sum',
  activation_pool_available_records: 'gauge',
  activation_pool_in_flight_records: 'gauge',
  activation_pool_high_water_mark: 'gauge',
  activation_pool_total_created: 'gauge',
  activation_pool_total_reused: 'gauge',
  activation_pool_miss_count: 'gauge',
  activation_pool_release_failures: 'gauge',
  activation_pool_hit_rate: 'gauge',
  activation_pool_utilization: 'gauge',
  adaptive_batch_updates_total: 'window-sum',
  adaptive_guardrail_hits_total: 'window-sum',
  adaptive_topology_changes_total: 'window-sum',
  adaptive_fallback_activations_total: 'window-sum',
  adaptive_batch_latency_ewma_ns: 'gauge',
  adaptive_batch_hot_size: 'gauge',
  adaptive_batch_warm_size: 'gauge',
  adaptive_batch_cold_size: 'gauge',
  adaptive_batch_hot_confidence: 'gauge',
  adaptive_batch_warm_confidence: 'gauge',
  adaptive_batch_cold_confidence: 'gauge',
};

/** Object names, all derived from the application name so several installs can share a namespace. */
export function objectNames(model: EngramDeployModel) {
  const name = model.name;
  return {
    statefulSet: name,
    headlessService: `${name}-headless`,
    clientService: name,
    configMap: `${name}-config`,
    serviceAccount: model.kubernetes.serviceAccount.name,
    tlsSecretExample: model.ingress.tls[0]?.secretName || `${name}-tls`,
    networkPolicy: name,
    podDisruptionBudget: name,
    ingress: name,
    httpRedirectIngress: `${name}-http-redirect`,
    httpsRedirectMiddleware: `${name}-https-redirect`,
    serviceMonitor: name,
    dataVolume: 'data',
    configVolume: 'config',
    tmpVolume: 'tmp',
    container: 'engram',
  } as const;
}

/** Names of the container's ports, which Services, probes, the NetworkPolicy and the Ingress refer to. */
export const portNames = { http: 'http', grpc: 'grpc' } as const;

/** The ConfigMap key that holds Engram's config.toml. */
export const configMapKey = 'engram.toml';

/** Tells the two Services apart, so a ServiceMonitor scrapes each pod once (through the client Service). */
export const serviceRoleLabel = 'engram/service-role';

/** Labels that select Engram's pods. They never change after install: selectors are immutable. */
export function selectorLabels(model: EngramDeployModel): Record<string, string> {
  return { 'app.kubernetes.io/name': 'engram', 'app.kubernetes.io/instance': model.name };
}

/** Kubernetes recommended labels, the task's `app` label, and the model's common labels. */
export function commonLabels(model: EngramDeployModel): Record<string, string> {
  return {
    ...model.kubernetes.commonLabels,
    app: 'engram',
    ...selectorLabels(model),
    'app.kubernetes.io/version': model.appVersion,
    'app.kubernetes.io/component': 'database',
    'app.kubernetes.io/part-of': 'engram',
  };
}

/** The value of the model field at a dotted path. */
export function modelValue(model: EngramDeployModel, path: ModelPath): unknown {
  let value: unknown = model;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !(key in value))
      throw new Error(`the runtime contract names ${path}, which the model does not have`);
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Whether a row applies to the model. */
export function applies(model: EngramDeployModel, row: { from: ModelPath; when?: Condition }): boolean {
  const value = modelValue(model, row.from);
  switch (row.when ?? 'always') {
    case 'always':
      return true;
    case 'set':
      return value !== false && value !== '' && value !== null && value !== undefined;
    case 'positive':
      return typeof value === 'number' && value > 0;
  }
}

/** The start arguments of the contract's rows, e.g. `--log-level=info start --port=7432 --grpc-port=50051`. */
export function startArguments(model: EngramDeployModel): string[] {
  return contractStartArguments.flatMap((row) =>
    'list' in row
      ? (modelValue(model, row.list) as string[])
      : [`${String(modelValue(model, row.flag))}=${String(modelValue(model, row.from))}`],
  );
}
