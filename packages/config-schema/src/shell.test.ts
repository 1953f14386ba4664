import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shellCommand, shellQuote } from './shell';

/** The arguments a real shell passes for a command line (its printf builtin prints each, NUL-ended). */
function argumentsSeenBy(shell: string, commandLine: string): string[] {
  const result = spawnSync(shell, ['-c', `printf '%s\\0' ${commandLine}`], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${shell} exited ${result.status}: ${result.stderr}`);
  return result.stdout.split('\0').slice(0, -1);
}

const hostile = [
  "it's",
  '$(touch /tmp/pwned)',
  '`id`',
  'a b',
  'tab\there',
  'new\nline',
  '*',
  '~root',
  '; rm -rf /',
  '"quoted"',
  '\\',
  "''",
  '',
  '-n',
  '!event',
  '${HOME}',
  'ünïcode ✓',
];

describe('shellQuote', () => {
  it('leaves plain words bare and quotes everything else', () => {
    expect(shellQuote('docker.io/engram/engram:0.1.0')).toBe('docker.io/engram/engram:0.1.0');
    expect(shellQuote('127.0.0.1:7432:7432')).toBe('127.0.0.1:7432:7432');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe(`''`);
  });

  it('refuses a NUL byte, which no shell word can carry', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });

  for (const shell of ['sh', 'bash']) {
    it(`gives ${shell} back every hostile value unchanged, as one argument`, () => {
      expect(argumentsSeenBy(shell, shellCommand(hostile))).toEqual(hostile);
    });
  }

  it('round-trips any string without NUL through bash', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0')),
          { minLength: 1, maxLength: 4 },
        ),
        (values) => {
          expect(argumentsSeenBy('bash', shellCommand(values))).toEqual(values);
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});
