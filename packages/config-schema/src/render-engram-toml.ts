import { stringify } from 'smol-toml';
import { generatedHeader } from './generated-header';
import type { EngramDeployModel } from './normalize';
import { applies, contractToml, modelValue } from './runtime-contract';

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

/** The data of Engram's config.toml: the contract's keys that apply, then `engram.extra` over them. */
export function engramTomlData(model: EngramDeployModel): TomlTable {
  const modelled: TomlTable = {};
  for (const row of contractToml.filter((row) => applies(model, row))) {
    const keys = row.key.split('.');
    const leaf = keys.pop()!;
    let table = modelled;
    for (const key of keys) table = (table[key] ??= {}) as TomlTable;
    table[leaf] = structuredClone(modelValue(model, row.from));
  }
  return mergeTables(modelled, structuredClone(model.engram.extra) as TomlTable);
}

/** Engram's config.toml, read from `$XDG_CONFIG_HOME/engram/config.toml`. */
export function renderEngramToml(model: EngramDeployModel, writtenBy = '@engram/config-schema'): string {
  return `${generatedHeader(writtenBy, '#', model)}${stringify(engramTomlData(model))}`;
}
