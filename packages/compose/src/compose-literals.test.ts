import { normalize } from '@engram/config-schema';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderComposeFile } from './render-compose';

/**
 * Compose's interpolation (compose-spec "Interpolation"): `$$` is a literal `$`; `$NAME`, `${NAME}`
 * and `${NAME:-default}` / `${NAME-default}` take the variable from the environment.
 */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_match, body: string, braced?: string, colon?: string, fallback?: string, bare?: string) => {
      if (body === '$') return '$';
      const name = (braced ?? bare) as string;
      const value = env[name];
      if (fallback !== undefined && (value === undefined || (colon && value === ''))) return fallback;
      return value ?? '';
    },
  );
}

function interpolated(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolated(item, env));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolated(item, env)]));
  return value;
}

const hostile = ['${HOME}', '$HOME', '$$', '--x=${USER:-root}', 'a$b'];
const operatorEnv = { HOME: '/home/operator', USER: 'operator' };

describe('Compose interpolation', () => {
  const model = normalize({
    runtime: { extraArgs: hostile, healthCheck: { command: ['space', 'list', '${HOME}'] } },
  });
  const file = interpolated(parse(renderComposeFile(model)), operatorEnv) as any;

  it('keeps every $ of a model string literal', () => {
    expect(file.services.engram.command.slice(-hostile.length)).toEqual(hostile);
    expect(file.services.engram.healthcheck.test.slice(-1)).toEqual(['${HOME}']);
    expect(JSON.stringify(file)).not.toContain('/home/operator');
  });

  it('still interpolates the variables the file offers operators', () => {
    expect(file.services.engram.ports[0]).toBe('127.0.0.1:7432:7432');
    const withLogLevel = interpolated(parse(renderComposeFile(model)), { ENGRAM_LOG_LEVEL: 'debug' }) as any;
    expect(withLogLevel.services.engram.command).toContain('--log-level=debug');
  });
});
