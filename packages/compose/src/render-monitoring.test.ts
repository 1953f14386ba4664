import { engramMetricFamilies, normalize } from '@engram/config-schema';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  dashboardPanels,
  renderGrafanaDashboard,
  renderGrafanaDashboardProvider,
  renderGrafanaDatasource,
  renderPrometheusConfig,
} from './render-monitoring';

/** Metric names a PromQL expression reads (function names and label values excluded). */
function metricsIn(expr: string): string[] {
  return [...expr.replace(/\{[^}]*\}/g, '').matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)]
    .map((m) => m[1] as string)
    .filter((name) => !['by', 'le', 'sum', 'max', 'min', 'avg'].includes(name));
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
    const datasource = parse(renderGrafanaDatasource(normalize({})));
    expect(datasource.apiVersion).toBe(1);
    expect(datasource.datasources[0]).toMatchObject({
      type: 'prometheus',
      url: 'http://prometheus:9090',
      uid: 'engram-prometheus',
    });
    const provider = parse(renderGrafanaDashboardProvider(normalize({})));
    expect(provider.providers[0]).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards' } });
  });

  it('builds the dashboard only on metric families Engram exports, read with their real meaning', () => {
    const dashboard = JSON.parse(renderGrafanaDashboard());
    expect(dashboard.uid).toBe('engram-overview');
    expect(dashboard.panels.length).toBe(dashboardPanels.length);
    const exprs: string[] = dashboard.panels.flatMap((panel: any) => panel.targets.map((t: any) => t.expr));
    for (const expr of exprs) {
      for (const metric of metricsIn(expr)) {
        const family = metric.replace(/_(bucket|sum|count)$/, '');
        expect(metric === 'up' || family in engramMetricFamilies, metric).toBe(true);
      }
      // Window sums go down and histogram bounds are recomputed per scrape: no rate(), increase()
      // or histogram_quantile() over them, and no bucket read at all.
      expect(expr).not.toMatch(/\b(rate|irate|increase|histogram_quantile)\(|_bucket\b/);
    }
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid).toBe('engram-prometheus');
      expect(panel.gridPos).toEqual(expect.objectContaining({ h: expect.any(Number), w: expect.any(Number) }));
    }
  });
});
