import { run, workspaceRoot, type Result } from './process';

/** Runs a scanner installed by tools/scanners/install.sh, with the settings that keep it offline. */
export function scan(command: string): Result {
  return run('bash', ['-c', `source tools/scanners/env.sh && ${command}`], { cwd: workspaceRoot, timeoutSeconds: 600 });
}

/** `Passed checks: N, Failed checks: N, Skipped checks: N` of a checkov run. */
export function checkovCounts(output: string): { passed: number; failed: number; skipped: number } {
  const match = /Passed checks: (\d+), Failed checks: (\d+), Skipped checks: (\d+)/.exec(output);
  if (!match) throw new Error(`no checkov summary in:\n${output}`);
  return { passed: Number(match[1]), failed: Number(match[2]), skipped: Number(match[3]) };
}
