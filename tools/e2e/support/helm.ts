import { join } from 'node:path';
import { run, workspaceRoot, type Result } from './process';

export const chartDirectory = join(workspaceRoot, 'deployments/helm/engram');
/** helm template needs a Kubernetes version inside the chart's kubeVersion range. */
export const kubeVersion = '1.35.0';

/** The helm binary that tools/scanners/install.sh builds from the Go module proxy. */
export function helm(...args: string[]): Result {
  return run('bash', ['-c', 'source tools/scanners/env.sh && exec helm "$@"', 'helm', ...args], {
    cwd: workspaceRoot,
    timeoutSeconds: 300,
  });
}
