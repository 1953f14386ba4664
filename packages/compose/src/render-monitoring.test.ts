import { normalize } from '@engram/config-schema';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  dashboardPanels,
  renderGrafanaDashboard,
  renderGrafanaDashboardProvider,
  renderGrafanaDatasource,
  renderPrometheusConfig,
} from './render-monitoring';

/** Metric families the real Engram registers (engram-runtime-contract.md, Metrics). */
const engramMetricFamilies = [
  'engram_memories_total',
  'engram_spreading_activations_total',
  'engram_spreading_latency_hot_seconds',
  'engram_spreading_latency_warm_seconds',
  'engram_spreading_latency_cold_seconds',
  'engram_spreading_failures_total',
  'engram_consolidation_runs_total',
  'engram_consolidation_failures_total',
  'engram_consolidation_freshness_seconds',
  'engram_wal_recovery_duration_seconds',
  'engram_wal_compaction_runs_total',
  'engram_streaming_queue_depth',
];

/** Metric names a PromQL expression reads (function names and label values excluded). */
function metricsIn(expr: string): string[] {
  return [...expr.replace(/\{[^}]*\}/g, '').matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)]
    .map((m) => m[1] as string)
    .filter((name) => !['by', 'le', 'sum', 'rate', 'increase', 'max', 'histogram_quantile'].includes(name));
}

describe('monitoring files', () => {
  it('Prometheus scrapes /metrics/prometheus through the engram-db alias', () => {
    const config = parse(renderPrometheusConfig(normalize({})));
    expect(config.scrape_configs).toEqual([
      {
        job_name: 'engram',
        metrics_path: '/metrics/prometheus',
        static_configs: [{ targets: ['engram-db:7432'], labels: { service: 'engram' } }],
      },
    ]);
  });

  it('provisions a Prometheus datasource and a file dashboard provider', () => {
    const datasource = parse(renderGrafanaDatasource());
    expect(datasource.apiVersion).toBe(1);
    expect(datasource.datasources[0]).toMatchObject({
      type: 'prometheus',
      url: 'http://prometheus:9090',
      uid: 'engram-prometheus',
    });
    const provider = parse(renderGrafanaDashboardProvider());
    expect(provider.providers[0]).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards' } });
  });

  it('builds the dashboard only on metric families Engram registers', () => {
    const dashboard = JSON.parse(renderGrafanaDashboard());
    expect(dashboard.uid).toBe('engram-overview');
    expect(dashboard.panels.length).toBe(dashboardPanels.length);
    const used = dashboard.panels.flatMap((panel: any) => panel.targets.flatMap((t: any) => metricsIn(t.expr)));
    expect(used).toContain('engram_memories_total');
    for (const metric of used) {
      const family = metric.replace(/_(bucket|sum|count)$/, '');
      expect(metric === 'up' || engramMetricFamilies.includes(family), metric).toBe(true);
    }
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid).toBe('engram-prometheus');
      expect(panel.gridPos).toEqual(expect.objectContaining({ h: expect.any(Number), w: expect.any(Number) }));
    }
  });
});
