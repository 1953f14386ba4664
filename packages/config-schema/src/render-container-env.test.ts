import { describe, expect, it } from 'vitest';
import { everyOptionConfig } from '../test/helpers';
import { normalize } from './normalize';
import { engramReadsEnv, engramReadsEnvPrefix, renderContainerEnv } from './render-container-env';

const readByEngram = (name: string) =>
  (engramReadsEnv as readonly string[]).includes(name) || name.startsWith(engramReadsEnvPrefix);

describe('renderContainerEnv', () => {
  it.each([
    ['default', {}],
    ['every option', everyOptionConfig()],
  ])('emits only variables Engram reads (%s model)', (_name, config) => {
    const env = renderContainerEnv(normalize(config));
    expect(env.filter((v) => !readByEngram(v.name))).toEqual([]);
    expect(new Set(env.map((v) => v.name)).size).toBe(env.length);
  });

  it('sets what the runtime contract requires of a container', () => {
    expect(renderContainerEnv(normalize({}))).toEqual([
      { name: 'ENGRAM_DATA_DIR', value: '/data' },
      { name: 'ENGRAM_HTTP_BIND', value: '0.0.0.0' },
      { name: 'ENGRAM_PID_PATH', value: '/tmp/engram.pid' },
      { name: 'ENGRAM_CONSOLIDATION_ALERT_LOG', value: '/tmp/engram-consolidation-alerts.log' },
      { name: 'XDG_CONFIG_HOME', value: '/config' },
      { name: 'TMPDIR', value: '/tmp' },
    ]);
  });

  it('turns huge pages on only when asked', () => {
    const env = renderContainerEnv(normalize(everyOptionConfig()));
    expect(env).toContainEqual({ name: 'MIMALLOC_LARGE_OS_PAGES', value: '1' });
    expect(env).toContainEqual({ name: 'MIMALLOC_RESERVE_HUGE_OS_PAGES', value: '2' });
  });

  it('never emits the variables the task guessed but Engram ignores', () => {
    const names = renderContainerEnv(normalize(everyOptionConfig())).map((v) => v.name);
    for (const ignored of [
      'ENGRAM_HTTP_PORT',
      'ENGRAM_GRPC_PORT',
      'ENGRAM_CACHE_SIZE_MB',
      'RUST_LOG',
      'ENGRAM_NODE_ID',
    ]) {
      expect(names).not.toContain(ignored);
    }
  });
});
