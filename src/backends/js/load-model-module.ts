/**
 * Imports a JavaScript model file inside its worker and finds its model class (the default
 * export, or the export named `Model`). When the file imports `nereid/backend` and that does not
 * resolve from its directory, a resolve hook mapping it to this build is registered first (it
 * costs a loader thread, so only then). Load failures become ServerErrors naming the file.
 */
import { readFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ServerError, Status } from '../../common/errors.js';
import type { ModelClass } from './model-api-types.js';

/** Imports `modelPath` and returns its model class; rejects with ERR_MODEL_LOAD saying why. */
export async function loadModelModule(modelPath: string): Promise<ModelClass> {
  let source: string;
  try {
    source = readFileSync(modelPath, 'utf8');
  } catch (err) {
    throw new ServerError(
      Status.NOT_FOUND,
      'ERR_MODEL_FILE_NOT_FOUND',
      `Cannot read model file "${modelPath}": ${(err as Error).message}`,
    );
  }
  if (source.includes('nereid/backend')) ensureBackendResolvable(modelPath);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(modelPath).href)) as Record<string, unknown>;
  } catch (err) {
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    throw new ServerError(
      Status.INVALID_ARG,
      'ERR_MODEL_LOAD',
      `Cannot import model file "${modelPath}": ${detail}`,
    );
  }
  const cls = mod.default ?? mod.Model;
  if (typeof cls !== 'function') {
    throw new ServerError(
      Status.INVALID_ARG,
      'ERR_MODEL_LOAD',
      `Model file "${modelPath}" must export a model class as its default export (or as "Model"): found exports ${
        Object.keys(mod)
          .map((k) => `"${k}"`)
          .join(', ') || '(none)'
      }`,
    );
  }
  if (typeof (cls as { prototype?: { execute?: unknown } }).prototype?.execute !== 'function') {
    throw new ServerError(
      Status.INVALID_ARG,
      'ERR_MODEL_LOAD',
      `The model class of "${modelPath}" has no execute(requests) method`,
    );
  }
  return cls as ModelClass;
}

function ensureBackendResolvable(modelPath: string): void {
  try {
    createRequire(modelPath).resolve('nereid/backend');
    return;
  } catch {
    // Not resolvable from the repository: map it to this build below.
  }
  register(new URL('./backend-resolve-hooks.js', import.meta.url), {
    data: { apiUrl: new URL('./api.js', import.meta.url).href },
  });
}
