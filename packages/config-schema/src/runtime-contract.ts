import type { EngramDeployModel } from './normalize';

/**
 * Which of Engram's inputs comes from which model field (engram-runtime-contract.md): every
 * environment variable and every config.toml key the deployments set. The renderers of each target
 * read these tables (`renderContainerEnv`, `engramTomlData`), and the chart's helper templates are
 * generated from them, so a model field that becomes an env var or a TOML key is one row here.
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
