import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { EngramDeployConfig } from '../src';

export const fixturesDir = join(__dirname, 'fixtures');

/** The model that sets every option (test/fixtures/every-option.yaml). */
export function everyOptionConfig(): EngramDeployConfig {
  return parse(readFileSync(join(fixturesDir, 'every-option.yaml'), 'utf8'));
}
