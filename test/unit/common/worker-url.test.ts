import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveWorkerUrl } from '../../../src/common/worker-url.js';
import { tempModelDir } from '../../helpers/onnx-fixtures.js';

function layout(files: string[]): string {
  const root = tempModelDir('nereid-worker-url-');
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), '');
  }
  return root;
}

describe('resolveWorkerUrl', () => {
  it('resolveWorkerUrl returns the sibling file when the caller runs from compiled JavaScript', () => {
    const root = layout(['dist/src/backends/x/x-worker.js']);
    const caller = pathToFileURL(join(root, 'dist/src/backends/x/x-backend.js')).href;
    expect(resolveWorkerUrl('./x-worker.js', caller).href).toBe(
      pathToFileURL(join(root, 'dist/src/backends/x/x-worker.js')).href,
    );
  });

  it('resolveWorkerUrl falls back to the compiled twin under dist/ when the caller runs from src/', () => {
    const root = layout(['dist/src/backends/x/x-worker.js']);
    const caller = pathToFileURL(join(root, 'src/backends/x/x-backend.ts')).href;
    expect(resolveWorkerUrl('./x-worker.js', caller).href).toBe(
      pathToFileURL(join(root, 'dist/src/backends/x/x-worker.js')).href,
    );
  });

  it('resolveWorkerUrl says to run the build when no compiled worker exists', () => {
    const root = layout([]);
    const caller = pathToFileURL(join(root, 'src/backends/x/x-backend.ts')).href;
    expect(() => resolveWorkerUrl('./x-worker.js', caller)).toThrow(
      expect.objectContaining({
        code: 'ERR_WORKER_NOT_BUILT',
        message: `Cannot find the worker script "${join(root, 'src/backends/x/x-worker.js')}" nor "${join(root, 'dist/src/backends/x/x-worker.js')}": run "npm run build" to compile the workers`,
      }),
    );
  });
});
