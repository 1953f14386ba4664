import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigValidationError } from './issues';
import { loadConfig, modelFromText } from './load-config';
import { validate } from './validate';

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

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('loadConfig', () => {
  it('reads YAML and JSON', () => {
    expect(loadConfig(tempFile('a.yaml', 'ports:\n  http: 8000\n')).ports.http).toBe(8000);
    expect(loadConfig(tempFile('a.json', '{"ports": {"grpc": 50052}}')).ports.grpc).toBe(50052);
  });

  it('refuses an empty file unless the caller asks for defaults', () => {
    for (const text of ['', '# only a comment\n', 'null\n']) {
      const path = tempFile('empty.yaml', text);
      expect(() => loadConfig(path)).toThrowError(/\(root\): the model is empty/);
      expect(loadConfig(path, { emptyIsDefault: true }).name).toBe('engram');
    }
  });

  it('throws ConfigValidationError, not a raw ENOENT, for a missing file', () => {
    const path = join(tmpdir(), 'engram-no-such-dir', 'engram.deploy.yaml');
    const error = catchError(() => loadConfig(path));
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).source).toBe(path);
    expect((error as ConfigValidationError).issues).toEqual([
      {
        path: '(root)',
        message: 'the model file does not exist',
        expected: 'a readable YAML or JSON file',
        given: path,
      },
    ]);
  });

  it('refuses bytes that are not UTF-8 instead of replacing them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'engram-config-'));
    tempDirs.push(dir);
    const path = join(dir, 'latin1.yaml');
    writeFileSync(path, Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(() => loadConfig(path)).toThrowError(/\(root\): is not valid UTF-8/);
  });

  it('turns an alias bomb into an issue, not a ReferenceError', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      levels.push(
        `l${i}: &l${i} [${Array(9)
          .fill(i === 1 ? '*a' : `*l${i - 1}`)
          .join(', ')}]`,
      );
    const error = catchError(() => modelFromText(`${levels.join('\n')}\n`, 'bomb.yaml'));
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).issues[0]).toMatchObject({
      path: '(root)',
      message: expect.stringMatching(/alias/),
    });
  });

  it('turns deep nesting into an issue, not a stack overflow', () => {
    for (const text of [
      `engram:\n  extra:\n    x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
      `${'['.repeat(200000)}`,
    ]) {
      const error = catchError(() => modelFromText(text, 'deep.yaml'));
      expect(error).toBeInstanceOf(ConfigValidationError);
      expect((error as ConfigValidationError).issues[0]?.path).toBe('(root)');
    }
    const blocks = Array.from({ length: 300 }, (_, level) => `${' '.repeat(level)}k${level}:`).join('\n');
    expect(() => modelFromText(`${blocks} 1\n`, 'deep.yaml')).toThrowError(/\(root\): is indented more than/);
    let nested: unknown = 1;
    for (let level = 0; level < 20000; level++) nested = { x: nested };
    expect(validate({ engram: { extra: nested } }).issues).toEqual([
      expect.objectContaining({ path: '(root)', message: expect.stringMatching(/nested far deeper than 64 levels/) }),
    ]);
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
