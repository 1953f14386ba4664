import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runsBesideOthers } from '../e2e/support/lanes';
import { holdLock } from '../e2e/support/lock';

const scratch = mkdtempSync(join(tmpdir(), 'engram-lock-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the lock that keeps end-to-end files apart', () => {
  it('is taken by one holder at a time, and passes to the next as soon as it is released', async () => {
    const path = join(scratch, 'one.lock');
    const releaseFirst = await holdLock(path, 'first waits');
    let secondHeld = false;
    const second = holdLock(path, 'second waits').then((release) => {
      secondHeld = true;
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(secondHeld).toBe(false);
    const released = performance.now();
    releaseFirst();
    const releaseSecond = await second;
    expect(performance.now() - released).toBeLessThan(1000);
    releaseSecond();
  });

  it('lets holders of different locks run at once', async () => {
    const releases = await Promise.all([
      holdLock(join(scratch, 'a.lock'), 'a'),
      holdLock(join(scratch, 'b.lock'), 'b'),
    ]);
    for (const release of releases) release();
  });
});

describe('the files that run beside the others', () => {
  it('are matched by their path under tools/e2e, and no other file is', () => {
    expect(runsBesideOthers('/repo/tools/e2e/release/fresh-workspace.e2e.test.ts')).toBe(true);
    expect(runsBesideOthers('/repo/tools/e2e/docker/cargo-feature.e2e.test.ts')).toBe(true);
    expect(runsBesideOthers('/repo/tools/e2e/docker/image.e2e.test.ts')).toBe(false);
    expect(runsBesideOthers('/repo/tools/e2e/release/oci-registry.e2e.test.ts')).toBe(false);
    expect(runsBesideOthers('/repo/tools/e2e/kubernetes/cluster.e2e.test.ts')).toBe(false);
  });
});
