import { join } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { harnessCache } from './process';

/**
 * Files that run beside the others. Each one touches nothing another file changes: no cluster, no
 * kube-apiserver, no container name or port of the shared harness, a build context and image tag of
 * its own, and the OCI registry only under a repository of its own. Every other file runs alone, one
 * at a time (`exclusive-file.ts`). These spend most of their time in npm, pnpm and Nx, or in a
 * single-threaded link, while the cluster files mostly wait for the cluster: side by side, they keep
 * both cores busy.
 */
export const besideOthers = ['release/fresh-workspace.e2e.test.ts', 'docker/cargo-feature.e2e.test.ts'];

/** The lock a file that does not run beside the others holds for its whole run. */
export const exclusiveFileLock = join(harnessCache, 'e2e-file.lock');

export function runsBesideOthers(file: string): boolean {
  return besideOthers.some((listed) => file.endsWith(`/${listed}`));
}

/** Vitest's order (failed first, then longest first), with the files that run beside the others first of all. */
export class BesideOthersFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const beside = (file: TestSpecification) => runsBesideOthers(file.moduleId);
    return [...sorted.filter(beside), ...sorted.filter((file) => !beside(file))];
  }
}
