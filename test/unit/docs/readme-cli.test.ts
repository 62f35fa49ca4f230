/** Unit: the README's CLI reference is exactly `nereid serve --help`, so the front door stays true. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVE_HELP } from '../../../src/cli/serve-command.js';

describe('README', () => {
  it('shows the current `nereid serve --help` in its CLI reference (regenerate: node dist/src/cli/main.js serve --help)', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('```\nUsage: nereid serve');
    expect(start).toBeGreaterThan(0);
    const end = readme.indexOf('```', start + 4);
    expect(readme.slice(start + 4, end)).toBe(SERVE_HELP);
  });
});
