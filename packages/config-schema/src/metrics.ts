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
 * (the runtime contract's `engramMetricFamilies`), read with their real meaning: the `_total`
 * families are sums over a sliding 5-minute window, plotted as they are ("per 5 min"), and
 * histograms are read as their window mean (`_sum / _count`), because their bucket bounds are
 * recomputed on every scrape. Each panel's query returns data on a server that has served remember
 * and search requests (the Compose end-to-end test checks it).
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
