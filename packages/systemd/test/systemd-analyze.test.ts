import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { layoutFor, renderServiceUnit } from '../src';
import { model, run, systemdTools, verifyRoot, workspaceRoot } from './tools';

let tools: ReturnType<typeof systemdTools>;
const analyze = (args: string[]) => run(join(tools.bin, 'systemd-analyze'), args);

/** `systemd-analyze verify` on the unit installed in a root tree that also holds its binary. */
function verify(unitText: string, m = model()) {
  const layout = layoutFor(m);
  const root = verifyRoot(tools.referenceUnits, layout.unitFile, unitText, layout.binaryPath);
  return analyze(['verify', `--root=${root}`, layout.unitFile]);
}

/** Overall exposure of `systemd-analyze security --offline=true` (0 safest, 10 most exposed). */
function exposure(unitPath: string): number {
  const result = analyze(['security', '--offline=true', '--no-pager', unitPath]);
  const match = /Overall exposure level for \S+: ([0-9.]+)/.exec(result.stdout);
  if (!match) throw new Error(`no exposure level in:\n${result.stdout}\n${result.stderr}`);
  return Number(match[1]);
}

function writeUnit(text: string, name: string): string {
  const root = verifyRoot(tools.referenceUnits, name, text, '/usr/local/bin/engram');
  return join(root, 'etc/systemd/system', name);
}

// Every character a hostile model may put into an argument: the unit must quote each one.
const hostileArguments = [
  '50% off',
  '%n',
  '$HOME',
  '${PATH}',
  'say "hi"',
  "it's",
  'back\\slash',
  ';',
  '',
  '  two  spaces ',
];

describe('systemd-analyze', () => {
  beforeAll(() => {
    tools = systemdTools();
  }, 300_000);

  it('verify finds nothing wrong with the unit of the default model', () => {
    const result = verify(renderServiceUnit(model()));
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('verify finds nothing wrong with a unit whose arguments carry quotes, %, $ and backslashes', () => {
    const m = model(
      `name: engram-eu-1\nruntime:\n  binaryPath: /opt/engram-0.1.0/bin/engram\n  extraArgs: ${JSON.stringify(hostileArguments)}\n`,
    );
    const result = verify(renderServiceUnit(m), m);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('verify reports a broken directive, a missing binary and a bad quote (so silence above means clean)', () => {
    const unit = renderServiceUnit(model());
    expect(verify(unit.replace('Type=exec', 'Type=exce')).stderr).toMatch(/Failed to parse service type/);
    expect(verify(unit.replace('ExecStart=/usr/local/bin/engram', 'ExecStart=/usr/local/bin/engrm')).stderr).toMatch(
      /not executable/,
    );
    expect(verify(unit.replace('--log-level=info', '"--log-level=info')).stderr).toMatch(/Unbalanced quoting/);
  });

  it('security --offline rates the unit at an overall exposure of 1.5 or lower', () => {
    expect(exposure(writeUnit(renderServiceUnit(model()), 'engram.service'))).toBeLessThanOrEqual(1.5);
  });

  it('the README table shows the exposure measured here', () => {
    const ours = exposure(writeUnit(renderServiceUnit(model()), 'engram.service'));
    const readme = readFileSync(join(workspaceRoot, 'packages/systemd/README.md'), 'utf8');
    expect(readme).toMatch(
      new RegExp(`\\| \`engram\\.service\` \\(this package\\) +\\| ${ours.toFixed(1).replace('.', '\\.')} +\\|`),
    );
  });

  it('a weaker unit scores worse: the measure sees the sandbox', () => {
    const unit = renderServiceUnit(model())
      .split('\n')
      .filter(
        (line) => !/^(ProtectSystem|PrivateUsers|CapabilityBoundingSet|SystemCallFilter|PrivateDevices)=/.test(line),
      )
      .join('\n');
    expect(exposure(writeUnit(unit, 'engram.service'))).toBeGreaterThan(1.5);
  });
});
