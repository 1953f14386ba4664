import { afterAll, beforeAll, expect } from 'vitest';
import { exclusiveFileLock, runsBesideOthers } from './lanes';
import { holdLock } from './lock';

// A setup file: unless the test file runs beside the others (lanes.ts), it holds the exclusive
// lock from before its first hook to after its last, so no two such files overlap.
let release: (() => void) | undefined;

beforeAll(async () => {
  const file = expect.getState().testPath ?? '';
  if (runsBesideOthers(file)) return;
  release = await holdLock(exclusiveFileLock, `${file}: waiting for the file before it to finish`);
});

afterAll(() => release?.());
