// The facts both import tools share: which folders of src/ are entered through their index.ts,
// which files worker threads load (and so may import common/, protocol/ and config/ files
// deeply), and which files moved. Read by .dependency-cruiser.mjs (the check in `npm test`) and
// scripts/fix-imports.mjs (the rewrite); see docs/adr/0020-import-boundaries.md.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

/** The repository root (absolute). */
export const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');

/**
 * Files that a worker thread (or the JS-model child process) loads by URL, outside the main
 * thread's module graph (each has a `resolveWorkerUrl('./x.js', import.meta.url)` beside it).
 * What they load at run time is WORKER_MODULES below.
 */
export const WORKER_ENTRY_POINTS = [
  'src/backends/process-entry.ts',
  'src/backends/onnxruntime/onnx-worker.ts',
  'src/backends/js/js-worker.ts',
  'src/backends/js/js-process.ts',
  'src/backends/llama-cpp/llama-worker.ts',
  // `nereid/backend`: a JavaScript model imports it inside its worker.
  'src/backends/js/api.ts',
];

/**
 * Files that moved to another layer, old path → new path (repository-relative). fix-imports
 * rewrites imports that still name the old path (a branch written before the move).
 */
export const MOVED_FILES = {
  'src/config/model-config.ts': 'src/protocol/model-config.ts',
  'src/backends/worker-url.ts': 'src/common/worker-url.ts',
  'src/core/cache/rate-limited-log.ts': 'src/common/rate-limited-log.ts',
  'src/core/trace/trace-hooks.ts': 'src/core/trace-hooks.ts',
};

/**
 * Nested folders entered through their own index.ts from anywhere, which their parent's index.ts
 * does not re-export: protocol/grpc, so that HTTP-only code (frontends/http, `nereid/client` over
 * HTTP) never loads the .proto files and grpc-js.
 */
export const SEPARATE_ENTRIES = ['src/protocol/grpc'];

/** Every folder under src/ that has an index.ts (repository-relative, posix), outermost first. */
export function entryFolders(dir = 'src') {
  const folders = [];
  const names = readdirSync(join(ROOT, dir));
  if (dir !== 'src' && names.includes('index.ts')) folders.push(dir);
  for (const name of names.sort()) {
    const child = posix.join(dir, name);
    if (statSync(join(ROOT, child)).isDirectory()) folders.push(...entryFolders(child));
  }
  return folders;
}

/**
 * The folder whose index.ts an import from `from` to `to` must go through (both
 * repository-relative files), or null when the import may name `to` itself: the outermost
 * folder with an index.ts that holds `to` but not `from`, or the SEPARATE_ENTRIES folder that does.
 */
export function entryFolderOf(from, to, folders = entryFolders()) {
  const holding = folders.filter((folder) => to.startsWith(`${folder}/`) && !from.startsWith(`${folder}/`));
  const separate = holding.filter((folder) => SEPARATE_ENTRIES.includes(folder));
  return separate.at(-1) ?? holding[0] ?? null;
}

/** Relative module specifiers a file imports at run time (`import type` and `export type` are erased). */
const RUNTIME_IMPORT =
  /^\s*(?:import|export)\s+(?!type[\s{*])(?:[^'"]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm;

/** Resolves a relative `.js` specifier of `file` to the repository-relative `.ts` file, or null. */
export function resolveSpecifier(file, specifier) {
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  const ts = target.replace(/\.js$/, '.ts');
  if (existsSync(join(ROOT, ts))) return ts;
  return existsSync(join(ROOT, target)) ? target : null;
}

/**
 * The files of src/ that worker threads evaluate: the run-time import closure of
 * WORKER_ENTRY_POINTS. Their value imports of other folders may stay deep (a barrel would make
 * every worker evaluate the whole folder); their type imports follow the common rule.
 */
export function workerModules() {
  const seen = new Set();
  const pending = [...WORKER_ENTRY_POINTS];
  while (pending.length > 0) {
    const file = pending.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(RUNTIME_IMPORT)) {
      const target = resolveSpecifier(file, m[1] ?? m[2]);
      if (target?.startsWith('src/') && target.endsWith('.ts')) pending.push(target);
    }
  }
  return [...seen].sort();
}
