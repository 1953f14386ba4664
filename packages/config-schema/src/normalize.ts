import type { EngramDeployConfig } from './generated/engram-deploy-config';
import { parseCpuQuantity, parseMemoryQuantity } from './quantity';
import { engramDeploySchema, resolveRef, type JsonSchema } from './schema';

/** Every property present, recursively: what renderers read. */
export type DeepRequired<T> = T extends readonly (infer U)[]
  ? DeepRequired<U>[]
  : T extends object
    ? { [K in keyof T]-?: DeepRequired<NonNullable<T[K]>> | Extract<T[K], null> }
    : T;

export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The fully populated, frozen model every renderer takes. */
export type EngramDeployModel = DeepReadonly<DeepRequired<EngramDeployConfig>>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

/** Default values under given values, for structured objects (maps are replaced, not merged). */
function mergeDefaults(defaults: unknown, given: Record<string, unknown>): Record<string, unknown> {
  if (!isPlainObject(defaults)) return given;
  const merged: Record<string, unknown> = clone(defaults);
  for (const [key, value] of Object.entries(given)) merged[key] = value;
  return merged;
}

function applyDefaults(schema: JsonSchema, given: unknown): unknown {
  const resolved = resolveRef(schema);
  const fallback = 'default' in schema ? schema.default : resolved.default;
  let value = given === undefined ? clone(fallback) : given;
  if (resolved.properties && isPlainObject(value)) {
    value = mergeDefaults(schema.default, value) as Record<string, unknown>;
    const filled: Record<string, unknown> = {};
    for (const [key, propertySchema] of Object.entries(resolved.properties)) {
      const child = applyDefaults(propertySchema, (value as Record<string, unknown>)[key]);
      if (child !== undefined) filled[key] = child;
    }
    // Keys the schema does not model (only possible in free-form objects) are kept as given.
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (!(key in filled)) filled[key] = child;
    }
    value = filled;
  } else if (resolved.items && Array.isArray(value)) {
    value = value.map((item) => applyDefaults(resolved.items as JsonSchema, item));
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * A request the user never wrote must not fail against a limit the user did write: with only
 * `limits.memory: 1Gi` given, the default request (2Gi) comes down to the limit, as Kubernetes
 * itself takes the limit as the request when no request is set.
 */
function fitDefaultRequestsUnderLimits(filled: Record<string, any>, config: EngramDeployConfig): void {
  const given = config?.resources as
    { requests?: Record<string, unknown>; limits?: Record<string, unknown> } | undefined;
  const parsers = { cpu: parseCpuQuantity, memory: parseMemoryQuantity, ephemeralStorage: parseMemoryQuantity };
  for (const [key, parse] of Object.entries(parsers)) {
    const request = filled.resources?.requests?.[key];
    const limit = filled.resources?.limits?.[key];
    if (given?.requests?.[key] !== undefined || given?.limits?.[key] === undefined || !request || !limit) continue;
    try {
      if (parse(request) > parse(limit)) filled.resources.requests[key] = limit;
    } catch {
      // Not a quantity: validate reports it; normalize only fills in defaults.
    }
  }
}

/**
 * Applies every default of the schema once and returns a fully populated, deeply frozen model.
 * Takes a config that `validate` accepted; values derived from others (image tags) are filled here
 * too, so renderers never repeat a fallback.
 */
export function normalize(config: EngramDeployConfig): EngramDeployModel {
  const filled = applyDefaults(engramDeploySchema, structuredClone(config ?? {})) as Record<string, any>;
  if (!filled.image.tag) filled.image.tag = filled.appVersion;
  if (!filled.build.builderImage.tag) filled.build.builderImage.tag = `${filled.build.rustVersion}-slim-trixie`;
  if (!filled.kubernetes.serviceAccount.name) filled.kubernetes.serviceAccount.name = filled.name;
  if (!filled.networkPolicy.clientLabel.key) filled.networkPolicy.clientLabel.key = `${filled.name}-client`;
  fitDefaultRequestsUnderLimits(filled, config);
  return deepFreeze(filled) as EngramDeployModel;
}
