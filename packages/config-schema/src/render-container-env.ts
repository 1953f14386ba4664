import type { EngramDeployModel } from './normalize';

/**
 * Environment variables the real engram binary reads (engram-runtime-contract.md). The renderer
 * never emits anything else: variables Engram ignores (ENGRAM_HTTP_PORT, RUST_LOG, ...) would only
 * mislead operators.
 */
export const engramReadsEnv = [
  'ENGRAM_DATA_DIR',
  'ENGRAM_HTTP_BIND',
  'ENGRAM_PID_PATH',
  'ENGRAM_AUTH_MODE',
  'ENGRAM_API_KEY_PATH',
  'ENGRAM_RATE_LIMIT',
  'ENGRAM_CONSOLIDATION_ALERT_LOG',
  'XDG_CONFIG_HOME',
  'HOME',
  'TMPDIR',
] as const;

/** mimalloc, Engram's allocator, reads every MIMALLOC_* variable. */
export const engramReadsEnvPrefix = 'MIMALLOC_';

export interface EnvVar {
  name: string;
  value: string;
}

/** The Engram container's environment, in a stable order. */
export function renderContainerEnv(model: EngramDeployModel): EnvVar[] {
  const { runtime } = model;
  const env: EnvVar[] = [
    { name: 'ENGRAM_DATA_DIR', value: runtime.dataDir },
    { name: 'ENGRAM_HTTP_BIND', value: model.engram.server.httpBind },
    { name: 'ENGRAM_PID_PATH', value: runtime.pidPath },
    { name: 'ENGRAM_CONSOLIDATION_ALERT_LOG', value: runtime.consolidationAlertLog },
    { name: 'XDG_CONFIG_HOME', value: runtime.configHome },
    { name: 'TMPDIR', value: runtime.tmpDir },
  ];
  if (runtime.allocator.largeOsPages) env.push({ name: 'MIMALLOC_LARGE_OS_PAGES', value: '1' });
  if (runtime.allocator.reserveHugeOsPages > 0) {
    env.push({ name: 'MIMALLOC_RESERVE_HUGE_OS_PAGES', value: String(runtime.allocator.reserveHugeOsPages) });
  }
  return env;
}
