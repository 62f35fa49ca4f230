/**
 * The import rules of DESIGN §2 as `npm run boundaries` applies them: the folder an import must
 * enter through, the files workers evaluate, and the dependency-cruiser rule set run against a small
 * tree that breaks each rule once (so a rule that stopped matching fails here, not silently).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type IViolation } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs config without types
import config from '../../../.dependency-cruiser.mjs';
import { entryFolderOf, WORKER_ENTRY_POINTS, workerModules } from '../../../scripts/import-rules.mjs';

describe('entryFolderOf', () => {
  it('sends an import from outside a folder to its outermost index.ts, and lets files inside import each other', () => {
    expect(entryFolderOf('src/cli/serve-command.ts', 'src/core/cache/index.ts')).toBe('src/core');
    expect(entryFolderOf('src/core/model-loader.ts', 'src/core/cache/redis-cache.ts')).toBe('src/core/cache');
    expect(entryFolderOf('src/core/cache/redis-cache.ts', 'src/core/inference-request.ts')).toBeNull();
    expect(entryFolderOf('src/core/cache/redis-cache.ts', 'src/core/cache/entry-codec.ts')).toBeNull();
  });

  it('sends every importer of protocol/grpc to its own index.ts, which protocol/index.ts does not re-export', () => {
    expect(entryFolderOf('src/client/grpc-client.ts', 'src/protocol/grpc/load-protos.ts')).toBe(
      'src/protocol/grpc',
    );
    expect(entryFolderOf('src/client/http-client.ts', 'src/protocol/tensor.ts')).toBe('src/protocol');
  });
});

describe('workerModules', () => {
  it('holds what worker threads evaluate: the entry points and their run-time imports, not their type imports', () => {
    const modules = workerModules();
    for (const entry of WORKER_ENTRY_POINTS) expect(modules).toContain(entry);
    expect(modules).toContain('src/common/errors.ts');
    expect(modules).not.toContain('src/backends/backend.ts'); // imported for types only
    expect(modules.filter((m) => /^src\/(core|frontends|client|tools|cli)\//.test(m))).toEqual([]);
  });
});

describe('the dependency-cruiser rule set', () => {
  const root = mkdtempSync(join(tmpdir(), 'nereid-boundaries-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Writes `files` (path → source) under a fresh src/ tree that has the real folder names. */
  function tree(files: Record<string, string>): void {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  }

  it('refuses a layer inversion, a deep import past a facade and a cycle made of type imports only', async () => {
    tree({
      'src/common/index.ts': 'export const one = 1;\n',
      'src/backends/index.ts': "import { one } from '../common/index.js';\nexport const two = one + 1;\n",
      'src/config/index.ts': "import { two } from '../backends/index.js';\nexport const three = two + 1;\n",
      'src/core/index.ts': "export { LocalCache } from './cache/index.js';\n",
      'src/core/cache/index.ts': "export { LocalCache } from './local-cache.js';\n",
      'src/core/cache/local-cache.ts': 'export class LocalCache {}\n',
      'src/frontends/http-frontend.ts':
        "import { LocalCache } from '../core/cache/local-cache.js';\nexport const cache = new LocalCache();\n",
      'src/core/run.ts': "import type { Host } from './host.js';\nexport interface Run { host: Host }\n",
      'src/core/host.ts': "import type { Run } from './run.js';\nexport interface Host { runs: Run[] }\n",
    });
    const { forbidden } = config as { forbidden: unknown[] };
    const result = await cruise(['src'], {
      baseDir: root,
      validate: true,
      ruleSet: { forbidden } as never,
      tsPreCompilationDeps: true,
      doNotFollow: { path: 'node_modules' },
    });
    const output = result.output as { summary: { violations: IViolation[] } };
    const seen = output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(seen).toEqual(
      expect.arrayContaining([
        'layer-config: src/config/index.ts → src/backends/index.ts',
        'frontends-use-the-core-facade: src/frontends/http-frontend.ts → src/core/cache/local-cache.ts',
        'enter-through-index: src/frontends/http-frontend.ts → src/core/cache/local-cache.ts',
      ]),
    );
    expect(seen.some((s) => s.startsWith('no-circular: src/core/'))).toBe(true);
  });
});
