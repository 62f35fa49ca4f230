/**
 * Temporary model repositories of small JavaScript models for the JS backend e2e tests. Model
 * sources import the API through `__API__`, replaced by the file URL of the built api.js (the
 * temp directory is outside the package, where `nereid/backend` needs the backend's resolve hook;
 * one test model uses the bare specifier on purpose). Example models can be linked in by name.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InferenceServerError } from '../../../src/client/index.js';
import { REPO_ROOT } from '../../conformance/bundle-worker.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';

/** File URL of the compiled model API (`npm run build` produces it). */
export const API_URL = pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'backends', 'js', 'api.js')).href;

/** One JS model: its config.pbtxt text and its 1/model.js source. */
export interface JsModelSource {
  /** config.pbtxt contents. */
  config: string;
  /** model.js contents; `__API__` becomes API_URL. */
  source: string;
}

/** A temporary repository; `remove()` deletes it. */
export interface TempRepository {
  /** Its directory. */
  dir: string;
  /** Deletes the directory. */
  remove(): void;
}

/** Writes `models` (and symlinks to the example models named in `examples`) into a temp repository. */
export function writeJsRepository(
  models: Record<string, JsModelSource>,
  examples: string[] = [],
): TempRepository {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-js-'));
  for (const [name, model] of Object.entries(models)) {
    mkdirSync(join(dir, name, '1'), { recursive: true });
    writeFileSync(join(dir, name, 'config.pbtxt'), model.config);
    writeFileSync(join(dir, name, '1', 'model.js'), model.source.replaceAll('__API__', API_URL));
  }
  for (const name of examples) symlinkSync(join(EXAMPLES_REPOSITORY, name), join(dir, name), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A config.pbtxt for a JS model: `io` is the input/output block text. */
export function jsConfig(name: string, maxBatchSize: number, io: string, extra = ''): string {
  return `name: "${name}"\nbackend: "javascript"\nmax_batch_size: ${maxBatchSize}\n${io}\n${extra}\n`;
}

/** A config tensor entry. */
export function tensorEntry(name: string, type: string, dims: string): string {
  return `{ name: "${name}" data_type: ${type} dims: [ ${dims} ] }`;
}

/** The error `promise` rejects with; throws when it resolves. */
export async function inferError(promise: Promise<unknown>): Promise<InferenceServerError> {
  try {
    await promise;
  } catch (err) {
    return err as InferenceServerError;
  }
  throw new Error('The inference succeeded but an error was expected');
}
