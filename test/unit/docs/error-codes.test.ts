/**
 * Unit: the error-code table, docs/errors.md and the source agree in every direction: the document
 * is the table's rendering, every code is documented and defined, and every code is used in src/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { renderErrorsDoc } from '../../../scripts/error-codes.mjs';
import { ERROR_CODES } from '../../../src/common/error-codes.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const TABLE_FILE = join('src', 'common', 'error-codes.ts');
/** Node's own error codes that src/ compares against (ERR_HTTP_REQUEST_TIMEOUT is also ours). */
const NODE_CODES = new Set(['ERR_BUFFER_TOO_LARGE']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Code literals ('ERR_X', "ERR_X", `ERR_X`) of every file in src/ but the table itself. */
function codeLiteralsInSource(): Set<string> {
  const found = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    if (file.endsWith(TABLE_FILE)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/['"`](ERR_[A-Z0-9_]+)['"`]/g)) found.add(m[1]!);
  }
  return found;
}

const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
const tableCodes = Object.keys(ERROR_CODES);

describe('Error codes', () => {
  it('docs/errors.md is the rendering of the ERROR_CODES table (run `npm run docs:errors` to regenerate)', () => {
    expect(doc).toBe(renderErrorsDoc(ERROR_CODES));
  });

  it('docs/errors.md documents every code of the table, and every code it documents is in the table', () => {
    const documented = [...doc.matchAll(/^\| `(ERR_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
    expect(tableCodes.length).toBeGreaterThan(200);
    expect(tableCodes.filter((c) => !documented.includes(c))).toEqual([]);
    expect(documented.filter((c) => !(c in ERROR_CODES))).toEqual([]);
  });

  it('every code of the table is raised or checked somewhere in src/', () => {
    const used = codeLiteralsInSource();
    expect(tableCodes.filter((c) => !used.has(c))).toEqual([]);
  });

  it("every ERR_* literal in src/ is a code of the table, apart from Node's own codes", () => {
    const unknown = [...codeLiteralsInSource()].filter((c) => !(c in ERROR_CODES) && !NODE_CODES.has(c));
    expect(unknown).toEqual([]);
  });

  it('each code has one status, and only relaying codes say whose status they pass on', () => {
    const relaying = Object.entries(ERROR_CODES)
      .filter(([, entry]) => 'relays' in entry)
      .map(([code]) => code)
      .sort();
    expect(relaying).toEqual([
      'ERR_ENSEMBLE_STEP',
      'ERR_MODEL',
      'ERR_SERVER_RESPONSE',
      'ERR_TUNE_MODEL_LOAD',
    ]);
    for (const entry of Object.values(ERROR_CODES)) expect(entry.description).not.toBe('');
  });
});
