import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { harnessCache, run, workspaceRoot, type Result } from './process';

export const guidePath = join(workspaceRoot, 'docs/operations/production-deployment.md');

/** One fenced shell block of the guide, with what its marker says about running it. */
export interface GuideBlock {
  /** The `## ` heading it sits under. */
  section: string;
  /** Line of the opening fence (1-based), for error messages. */
  line: number;
  /** `illustrative`, or the environment of `doctest:<path>[:<step>]`. */
  path: string;
  /** `run` unless the marker names a step (build, teardown, diagnose, fix). */
  step: string;
  body: string;
}

/**
 * Every ```sh block of the guide, in order. A shell block with no marker, or a marker that is
 * neither `illustrative` nor `doctest:<path>[:<step>]`, is an error: nothing may go unrun silently.
 */
export function guideBlocks(markdown = readFileSync(guidePath, 'utf8')): GuideBlock[] {
  const blocks: GuideBlock[] = [];
  const lines = markdown.split('\n');
  let section = '';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    if (line.startsWith('## ')) section = line.slice(3);
    const open = /^(`{3,})(\S*)\s*(.*)$/.exec(line);
    if (!open) continue;
    const [, ticks, language, info] = open as unknown as [string, string, string, string];
    const end = lines.indexOf(ticks, index + 1);
    if (end < 0) throw new Error(`guide line ${index + 1}: the fence is never closed`);
    const body = lines.slice(index + 1, end).join('\n');
    if (['sh', 'bash', 'shell', 'console'].includes(language)) {
      const marker = /^(?:doctest:([a-z0-9-]+)(?::([a-z]+))?|(illustrative))$/.exec(info.trim());
      if (!marker) throw new Error(`guide line ${index + 1}: shell block with no doctest marker ("${info}")`);
      blocks.push({
        section,
        line: index + 1,
        path: marker[3] ?? (marker[1] as string),
        step: marker[2] ?? 'run',
        body,
      });
    }
    index = end;
  }
  return blocks;
}

/** The blocks of one environment at one step, in document order. */
export function blocksOf(blocks: readonly GuideBlock[], path: string, step = 'run'): GuideBlock[] {
  return blocks.filter((block) => block.path === path && block.step === step);
}

/**
 * The operator's shell for the guide: the harness's kubectl, helm and kubeconfig on the PATH, as an
 * operator has theirs. Nothing else differs from a terminal.
 */
export function operatorEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const path = [
    join(harnessCache, 'kube', 'bin', 'v1.35.4'),
    join(harnessCache, 'scanners', 'bin'),
    process.env.PATH ?? '',
  ].join(delimiter);
  return {
    ...process.env,
    PATH: path,
    KUBECONFIG: join(harnessCache, 'kube', 'cluster', 'v1.35.4', 'kubeconfig'),
    ...extra,
  };
}

export interface BlockRun extends Result {
  block: GuideBlock;
}

export interface BlockOptions {
  /** The operator's working directory: the checkout root unless given (in `container`, when set). */
  cwd?: string;
  /** Ignored in a container, which keeps its own environment. */
  env?: NodeJS.ProcessEnv;
  timeoutSeconds?: number;
  /** Run the block in this running container (a host of its own, such as the systemd host) as root. */
  container?: string;
}

/** Runs one block as the operator pastes it: bash, stop at the first failing command, from the checkout root. */
export function runBlock(block: GuideBlock, options: BlockOptions = {}): BlockRun {
  const shell = ['bash', '-e', '-o', 'pipefail', '-c', block.body];
  const timeoutSeconds = options.timeoutSeconds ?? 900;
  const result = options.container
    ? run('docker', ['exec', '--workdir', options.cwd ?? '/', options.container, ...shell], { timeoutSeconds })
    : run(shell[0] as string, shell.slice(1), {
        cwd: options.cwd ?? workspaceRoot,
        env: options.env ?? operatorEnvironment(),
        timeoutSeconds,
      });
  return { ...result, block };
}

/** Runs blocks in order and throws, with the block and its output, at the first one that fails. */
export function runBlocks(blocks: readonly GuideBlock[], options: BlockOptions = {}): BlockRun[] {
  const runs: BlockRun[] = [];
  for (const block of blocks) {
    const result = runBlock(block, options);
    runs.push(result);
    if (result.status !== 0) {
      throw new Error(
        `guide block at line ${block.line} (${block.section}, doctest:${block.path}:${block.step}) exited ${result.status}\n` +
          `${block.body}\n--- stdout ---\n${result.stdout.slice(-4000)}\n--- stderr ---\n${result.stderr.slice(-4000)}`,
      );
    }
  }
  return runs;
}

/** Prints a measured time in the same greppable form as the other end-to-end tests. */
export function figure(name: string, seconds: number): void {
  console.log(`[figure] ${name}: ${seconds.toFixed(1)} s`);
}
