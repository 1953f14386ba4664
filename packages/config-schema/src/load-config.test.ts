import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigValidationError } from './issues';
import { loadConfig, modelFromText } from './load-config';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'engram-config-'));
  tempDirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('loadConfig', () => {
  it('reads YAML and JSON', () => {
    expect(loadConfig(tempFile('a.yaml', 'ports:\n  http: 8000\n')).ports.http).toBe(8000);
    expect(loadConfig(tempFile('a.json', '{"ports": {"grpc": 50052}}')).ports.grpc).toBe(50052);
  });

  it('takes an empty file as the default model', () => {
    expect(loadConfig(tempFile('empty.yaml', '')).name).toBe('engram');
  });

  it('lists every issue, with the file name', () => {
    const path = tempFile('bad.yaml', 'ports:\n  http: 1\n  grpc: 1\nstatefulset:\n  replicas: 2\n');
    expect(() => loadConfig(path)).toThrowError(ConfigValidationError);
    try {
      loadConfig(path);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain(`${path} is not a valid Engram deployment model (2 problems)`);
      expect(message).toContain('ports.grpc: is already used by ports.http');
      expect(message).toContain('statefulset.replicas: must be 1');
    }
  });

  it('reports YAML syntax errors with their line', () => {
    expect(() => modelFromText('ports:\n  http: [1\n', 'broken.yaml')).toThrowError(
      /broken.yaml.*\n.*not valid YAML.*line \d/,
    );
  });

  it('rejects duplicate keys rather than keeping the last one silently', () => {
    expect(() => modelFromText('name: a\nname: b\n', 'dup.yaml')).toThrowError(/not valid YAML/);
  });
});
