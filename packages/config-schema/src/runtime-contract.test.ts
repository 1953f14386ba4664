import { describe, expect, it } from 'vitest';
import { everyOptionConfig } from '../test/helpers';
import { normalize } from './normalize';
import { validate } from './validate';
import { engramReadsEnv, engramReadsEnvPrefix, renderContainerEnv } from './render-container-env';
import { engramTomlData } from './render-engram-toml';
import {
  applies,
  contractEnv,
  contractMetricsEndpoint,
  contractProbes,
  contractStartArguments,
  contractToml,
  modelValue,
  objectNames,
  startArguments,
} from './runtime-contract';

const defaults = normalize({});

describe('the runtime contract', () => {
  it('names only model fields that exist', () => {
    const paths = [
      ...[...contractEnv, ...contractToml].map((row) => row.from),
      ...contractStartArguments.flatMap((row) => ('list' in row ? [row.list] : [row.flag, row.from])),
      ...contractProbes.flatMap((row) => [row.path, row.timings]),
      contractMetricsEndpoint.path,
      contractMetricsEndpoint.port,
    ];
    for (const path of paths) expect(() => modelValue(defaults, path), path).not.toThrow();
    expect(() => modelValue(defaults, 'runtime.noSuchField')).toThrow(
      /names runtime.noSuchField, which the model does not have/,
    );
  });

  it('sets only variables the engram binary reads', () => {
    for (const { name } of contractEnv)
      expect((engramReadsEnv as readonly string[]).includes(name) || name.startsWith(engramReadsEnvPrefix), name).toBe(
        true,
      );
  });

  it('gives each variable and each TOML key once', () => {
    const names = contractEnv.map((row) => row.name);
    const keys = contractToml.map((row) => row.key);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('applies a conditional row only when its field says so', () => {
    const hugePages = contractEnv.find((row) => row.name === 'MIMALLOC_RESERVE_HUGE_OS_PAGES')!;
    expect(applies(defaults, hugePages)).toBe(false);
    const reserving = normalize({ runtime: { allocator: { reserveHugeOsPages: 4 } } });
    expect(applies(reserving, hugePages)).toBe(true);
    expect(renderContainerEnv(reserving)).toContainEqual({ name: 'MIMALLOC_RESERVE_HUGE_OS_PAGES', value: '4' });
    expect(renderContainerEnv(defaults).map((variable) => variable.name)).not.toContain('MIMALLOC_PURGE_DELAY');
    expect(renderContainerEnv(normalize({ runtime: { allocator: { purgeDelayMs: 250 } } }))).toContainEqual({
      name: 'MIMALLOC_PURGE_DELAY',
      value: '250',
    });
    expect(renderContainerEnv(normalize({ runtime: { allocator: { largeOsPages: true } } }))).toContainEqual({
      name: 'MIMALLOC_LARGE_OS_PAGES',
      value: '1',
    });
  });

  it('places every TOML row at its dotted key, and the extra table over them', () => {
    const model = normalize({ engram: { extra: { server: { workers: 4 } } } });
    const data = engramTomlData(model) as Record<string, any>;
    for (const row of contractToml.filter((row) => applies(model, row)))
      expect(
        row.key.split('.').reduce((table, key) => table?.[key], data),
        row.key,
      ).toEqual(modelValue(model, row.from));
    expect(data.server).toEqual({ http_bind: model.engram.server.httpBind, workers: 4 });
    expect(data.security.api_keys).toBeUndefined();
  });

  it('starts Engram with the real flags, the log level before the subcommand', () => {
    expect(startArguments(normalize({}))).toEqual(['--log-level=info', 'start', '--port=7432', '--grpc-port=50051']);
    expect(startArguments(normalize(everyOptionConfig()))).toEqual([
      '--log-level=debug',
      'start',
      '--port=8432',
      '--grpc-port=50052',
      '--quiet-banner',
    ]);
  });

  it("probes on the model's paths, with an HTTP path and the timings of each probe", () => {
    for (const row of contractProbes) {
      expect(String(modelValue(defaults, row.path))).toMatch(/^\//);
      expect(modelValue(defaults, row.timings)).toHaveProperty('enabled');
    }
    expect(contractProbes.map((row) => row.probe)).toEqual(['startup', 'liveness', 'readiness']);
  });

  it('is what validation holds extras against: no extra env or TOML key and no extra volume may shadow a row', () => {
    const model = {
      kubernetes: {
        extraEnv: contractEnv.map((row) => ({ name: row.name, value: 'x' })),
        extraVolumes: [{ name: objectNames(defaults).tmpVolume, emptyDir: {} }],
      },
      engram: { extra: { persistence: { hot_capacity: 1 } } },
    };
    const issues = validate(model).issues.map((issue) => issue.path);
    contractEnv.forEach((_, index) =>
      expect(issues, contractEnv[index]!.name).toContain(`kubernetes.extraEnv[${index}].name`),
    );
    expect(issues).toContain('kubernetes.extraVolumes[0].name');
    expect(issues).toContain('engram.extra.persistence.hot_capacity');
  });
});
