import type { EngramDeployModel } from './normalize';
import { applies, contractEnv, modelValue } from './runtime-contract';

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

/** The Engram container's environment, in a stable order: the rows of the runtime contract that apply. */
export function renderContainerEnv(model: EngramDeployModel): EnvVar[] {
  return contractEnv
    .filter((row) => applies(model, row))
    .map((row) => ({ name: row.name, value: row.value ?? String(modelValue(model, row.from)) }));
}
