import { stringify } from 'smol-toml';
import { generatedHeader } from './generated-header';
import type { EngramDeployModel } from './normalize';

type TomlTable = Record<string, unknown>;

function mergeTables(base: TomlTable, extra: TomlTable): TomlTable {
  const merged: TomlTable = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const existing = merged[key];
    merged[key] =
      typeof existing === 'object' &&
      existing !== null &&
      !Array.isArray(existing) &&
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value)
        ? mergeTables(existing as TomlTable, value as TomlTable)
        : value;
  }
  return merged;
}

/** The data of Engram's config.toml: only sections and keys the server reads, then `engram.extra`. */
export function engramTomlData(model: EngramDeployModel): TomlTable {
  const { server, featureFlags, memorySpaces, security, persistence, extra } = model.engram;
  const securityTable: TomlTable = { auth_mode: security.authMode };
  if (security.apiKeysStoragePath) securityTable.api_keys = { storage_path: security.apiKeysStoragePath };
  const modelled: TomlTable = {
    server: { http_bind: server.httpBind },
    feature_flags: { spreading_api_beta: featureFlags.spreadingApiBeta },
    memory_spaces: { default_space: memorySpaces.defaultSpace, bootstrap_spaces: [...memorySpaces.bootstrapSpaces] },
    security: securityTable,
    persistence: {
      data_root: model.runtime.dataDir,
      hot_capacity: persistence.hotCapacity,
      warm_capacity: persistence.warmCapacity,
      cold_capacity: persistence.coldCapacity,
    },
  };
  return mergeTables(modelled, structuredClone(extra) as TomlTable);
}

/** Engram's config.toml, read from `$XDG_CONFIG_HOME/engram/config.toml`. */
export function renderEngramToml(model: EngramDeployModel, writtenBy = '@engram/config-schema'): string {
  return `${generatedHeader(writtenBy, '#', model)}${stringify(engramTomlData(model))}`;
}
