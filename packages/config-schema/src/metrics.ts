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

/** The Prometheus job that scrapes Engram, in every scrape config and panel query. */
export const scrapeJob = 'engram';

export interface DashboardPanel {
  title: string;
  type: 'stat' | 'timeseries';
  unit: string;
  expr: string;
  legend: string;
  /** What the panel shows and how to read it, for operators. */
  meaning: string;
}

/**
 * The panels of the Engram overview dashboard, built only on metric families the real Engram exports
 * (`engramMetricFamilies`), read with their real meaning: the `_total` families are sums over a
 * sliding 5-minute window, plotted as they are ("per 5 min"), and histograms are read as their window
 * mean (`_sum / _count`), because their bucket bounds are recomputed on every scrape. Each panel's
 * query returns data on a server that has served remember and search requests (the Compose
 * end-to-end test checks it).
 */
export const dashboardPanels: readonly DashboardPanel[] = [
  {
    title: 'Engram up',
    type: 'stat',
    unit: 'none',
    expr: `up{job="${scrapeJob}"}`,
    legend: '{{instance}}',
    meaning:
      'Prometheus reached the metrics endpoint on its last scrape (1) or not (0). It says nothing about the health checks: use the readiness endpoint for that.',
  },
  {
    title: 'Spreading activations (per 5 min)',
    type: 'timeseries',
    unit: 'short',
    expr: 'sum(engram_spreading_activations_total)',
    legend: 'activations',
    meaning:
      'Spreading activations (the recall work behind searches) over the last five minutes. Engram exports it as a counter but it is a sliding-window sum that goes down again when traffic stops, so read it as it is: never wrap it in rate() or increase().',
  },
  {
    title: 'Spreading latency, warm tier (5-min mean)',
    type: 'timeseries',
    unit: 's',
    expr: 'sum(engram_spreading_latency_warm_seconds_sum) / sum(engram_spreading_latency_warm_seconds_count)',
    legend: 'mean',
    meaning:
      'Mean time of a spreading activation over the warm tier in the last five minutes. The histogram bucket bounds are quantiles recomputed on every scrape, so histogram_quantile() over them gives nothing meaningful: the mean is the reliable reading.',
  },
  {
    title: 'Activation pool utilization',
    type: 'timeseries',
    unit: 'percentunit',
    expr: 'max(activation_pool_utilization)',
    legend: 'utilization',
    meaning:
      'Share of the activation record pool in use (a gauge, averaged over the window). Staying near 100% means recall is waiting for records: give the server more CPU or memory.',
  },
  {
    title: 'Activation pool hit rate',
    type: 'timeseries',
    unit: 'percentunit',
    expr: 'max(activation_pool_hit_rate)',
    legend: 'hit rate',
    meaning:
      'Share of activation records reused from the pool instead of allocated. A falling hit rate under steady load means the pool is too small for the traffic.',
  },
];
