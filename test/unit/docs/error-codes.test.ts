/** Unit: docs/errors.md documents every error code the source can raise. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { collectCodes } from '../../../scripts/error-codes.mjs';

describe('docs/errors.md', () => {
  it('lists every ERR_* code used in src/ (run `npm run docs:errors` to regenerate)', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const codes = [...(collectCodes() as Map<string, unknown>).keys()];
    expect(codes.length).toBeGreaterThan(50);
    const missing = codes.filter((c) => !doc.includes(`\`${c}\``));
    expect(missing).toEqual([]);
  });
});
