/**
 * Test helper: bundles a TypeScript worker entry with esbuild into one ESM file under
 * node_modules/.cache/nereid-test-workers/, so vitest (which runs TypeScript sources) can start
 * worker threads on the current sources without `npm run build`. Package imports stay external
 * and resolve from the repository's node_modules. Output names carry a content hash, so
 * parallel test files never overwrite each other's bundles.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** The repository root (two levels above this file). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

const CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'nereid-test-workers');

/** Bundles `entry` (a path relative to the repository root) and returns the bundle's file URL. */
export async function bundleWorker(entry: string): Promise<URL> {
  const result = await build({
    entryPoints: [join(REPO_ROOT, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  mkdirSync(CACHE_DIR, { recursive: true });
  const file = join(CACHE_DIR, `${basename(entry, '.ts')}-${hash}.mjs`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  }
  return pathToFileURL(file);
}
