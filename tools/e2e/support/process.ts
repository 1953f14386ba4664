import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

export const workspaceRoot = join(__dirname, '..', '..', '..');
/** The harness's cache (ENGRAM_DEPLOY_CACHE), as the harness scripts use it: built tools, logs, locks. */
export const harnessCache = process.env.ENGRAM_DEPLOY_CACHE ?? join(homedir(), '.cache', 'engram-deploy');

/**
 * PATH as the operator's shell has it. Nx prepends node's own directory (here /usr/bin) to the
 * PATH of its tasks, which would put Debian's docker CLI 20.10 and the system Python ahead of the
 * ones in /usr/local/bin and pyenv; drop that early duplicate so tools resolve as in a shell.
 */
function shellPath(path: string): string {
  const entries = path.split(delimiter);
  const nodeDir = dirname(process.execPath);
  const first = entries.indexOf(nodeDir);
  const repeated = first >= 0 && entries.indexOf(nodeDir, first + 1) > first;
  return (repeated ? entries.filter((_, index) => index !== first) : entries).join(delimiter);
}
process.env.PATH = shellPath(process.env.PATH ?? '');

export interface Result {
  status: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a command to completion, bounded in time, and returns what it printed. */
export function run(
  command: string,
  args: readonly string[],
  options: SpawnSyncOptions & { timeoutSeconds?: number } = {},
): Result {
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd: workspaceRoot,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: (options.timeoutSeconds ?? 600) * 1000,
    ...options,
  });
  return {
    status: result.status ?? -1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? '') + (result.error ? `\n${result.error.message}` : ''),
    seconds: (performance.now() - started) / 1000,
  };
}

/** Runs a command that must succeed; throws with its output otherwise. */
export function runOk(command: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): Result {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`,
    );
  }
  return result;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns a value, or fails after `timeoutMs` with the last error. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
