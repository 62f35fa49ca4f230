/** Unit: repository scanning and version selection. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listVersions, scanRepositories, selectVersions } from '../../../src/core/model-repository.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempRepo(): string {
  const d = mkdtempSync(join(tmpdir(), 'nereid-scan-'));
  dirs.push(d);
  return d;
}

describe('model repository', () => {
  it('lists numeric version directories, ignoring names with a leading zero or letters', async () => {
    const repo = tempRepo();
    for (const v of ['1', '2', '10', '01', 'v3', '.hidden'])
      mkdirSync(join(repo, 'm', v), { recursive: true });
    writeFileSync(join(repo, 'm', '7'), 'a file, not a directory');
    expect(await listVersions(join(repo, 'm'))).toEqual([1, 2, 10]);
  });

  it('selects versions by policy', () => {
    const available = [1, 2, 5, 9];
    expect(selectVersions(available, { latest: { num_versions: 1 } })).toEqual([9]);
    expect(selectVersions(available, { latest: { num_versions: 3 } })).toEqual([2, 5, 9]);
    expect(selectVersions(available, { all: {} })).toEqual(available);
    expect(selectVersions(available, { specific: { versions: [5, 1, 7] } })).toEqual([1, 5]);
  });

  it('finds models across repositories and reports names that appear twice', async () => {
    const a = tempRepo();
    const b = tempRepo();
    mkdirSync(join(a, 'x'));
    mkdirSync(join(a, 'dup'));
    mkdirSync(join(b, 'y'));
    mkdirSync(join(b, 'dup'));
    mkdirSync(join(b, '.git'));
    const scan = await scanRepositories([a, b]);
    expect(scan.models.map((m) => m.name)).toEqual(['x', 'y']);
    expect(scan.duplicates).toEqual([{ name: 'dup', repositories: [a, b] }]);
  });

  it('skips directories whose names cannot be model names and says why', async () => {
    const repo = tempRepo();
    for (const name of ['ok', 'bad..name', 'tab\tname']) mkdirSync(join(repo, name));
    const scan = await scanRepositories([repo]);
    expect(scan.models.map((m) => m.name)).toEqual(['ok']);
    expect(scan.invalid).toEqual([
      { name: 'bad..name', problem: "it contains '..'" },
      { name: 'tab\tname', problem: 'it contains a path separator or a control character' },
    ]);
  });

  it('fails clearly for a repository that does not exist', async () => {
    await expect(scanRepositories(['/no/such/dir'])).rejects.toThrow(
      "Cannot read model repository '/no/such/dir'",
    );
  });
});
