import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const workspaceRoot = join(__dirname, '..', '..');

describe('generated files', () => {
  it('are what the generators write from deployments/engram.deploy.yaml, byte for byte', () => {
    // Exits 1 and names each file that regenerating would change.
    const output = execFileSync(process.execPath, ['tools/generate-deployments.mjs', '--check'], {
      cwd: workspaceRoot,
      encoding: 'utf8',
    });
    expect(output).toMatch(/generated files are up to date/);
  });
});
