import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('TypeScript types', () => {
  it('are exactly what the schema generates (run scripts/generate-types.mjs after a schema change)', async () => {
    // @ts-expect-error: an .mjs script without type declarations
    const { renderTypes } = await import('../scripts/generate-types.mjs');
    const committed = readFileSync(join(__dirname, '../src/generated/engram-deploy-config.ts'), 'utf8');
    expect(committed).toBe(await renderTypes());
  });
});
