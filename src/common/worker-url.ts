/**
 * Finds the compiled JavaScript file of a worker entry. In the built package the entry sits next
 * to the module that starts it (`dist/src/backends/...`). When that module runs from its TypeScript
 * source (vitest, ts tooling), worker threads cannot load `.ts`, so the compiled twin under `dist/`
 * is used instead; `npm run build` produces it. Nothing here starts workers.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ServerError, Status } from './errors.js';

/**
 * Resolves `relative` (e.g. `./onnx-worker.js`) against `moduleUrl` (the caller's
 * `import.meta.url`) to an existing JavaScript file, falling back from `<root>/src/...` to
 * `<root>/dist/src/...`; throws a ServerError naming both paths when neither exists.
 */
export function resolveWorkerUrl(relative: string, moduleUrl: string): URL {
  const sibling = new URL(relative, moduleUrl);
  if (sibling.protocol !== 'file:') return sibling;
  const siblingPath = fileURLToPath(sibling);
  if (existsSync(siblingPath)) return sibling;
  const marker = `${pathSeparator(siblingPath)}src${pathSeparator(siblingPath)}`;
  const at = siblingPath.lastIndexOf(marker);
  if (at >= 0 && !siblingPath.slice(0, at).endsWith('dist')) {
    const compiled = `${siblingPath.slice(0, at)}${pathSeparator(siblingPath)}dist${siblingPath.slice(at)}`;
    if (existsSync(compiled)) return pathToFileURL(compiled);
    throw workerMissing(siblingPath, compiled);
  }
  throw workerMissing(siblingPath, null);
}

function pathSeparator(path: string): string {
  return path.includes('\\') && !path.includes('/') ? '\\' : '/';
}

function workerMissing(path: string, compiled: string | null): ServerError {
  const also = compiled === null ? '' : ` nor "${compiled}"`;
  return new ServerError(
    Status.INTERNAL,
    'ERR_WORKER_NOT_BUILT',
    `Cannot find the worker script "${path}"${also}: run "npm run build" to compile the workers`,
  );
}
