/**
 * The parameters of a load request (Triton's repository extension): a `config` override (the
 * model config as JSON text) and `file:<path>` overrides (file contents). Like Triton, file
 * overrides replace the model directory: they are written to a private temporary directory,
 * never into the user's repository, and a path that would leave that directory is refused
 * before anything is written. Parsing the HTTP or gRPC form of the parameters is the frontends'.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { invalidArg, type ServerError } from '../../common/errors.js';
import type { PartialModelConfig } from '../../config/index.js';

/** A load parameter value as the frontends decode it (gRPC bytes_param arrives as bytes). */
export type LoadParameterValue = string | number | boolean | bigint | Uint8Array;

/** The overrides of one load request. */
export interface LoadOverrides {
  /** The config override as JSON text, or null. */
  readonly configText: string | null;
  /** The parsed config override (a Triton JSON config), or null. */
  readonly config: PartialModelConfig | null;
  /** File contents by path relative to the model directory (`1/model.onnx`). */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/** The prefix of file override parameters. */
export const FILE_OVERRIDE_PREFIX = 'file:';

function loadFailure(model: string, reason: string): ServerError {
  return invalidArg('ERR_LOAD_OVERRIDE', `failed to load '${model}': ${reason}`);
}

function typeName(value: LoadParameterValue): string {
  if (value instanceof Uint8Array) return 'BYTES';
  if (typeof value === 'boolean') return 'BOOL';
  if (typeof value === 'string') return 'STRING';
  return 'INT64';
}

/**
 * Checks a file override path: relative, no `..` segment, inside the model directory.
 * @throws ServerError INVALID_ARG (ERR_OVERRIDE_PATH) naming the path
 */
export function checkOverridePath(model: string, path: string): string {
  const parts = path.split(/[\\/]+/);
  const escapes =
    path === '' ||
    path.includes('\0') ||
    isAbsolute(path) ||
    /^[a-zA-Z]:/.test(path) ||
    parts.includes('..') ||
    parts.every((p) => p === '' || p === '.');
  const base = resolve('/model');
  const target = resolve(base, path);
  if (escapes || !target.startsWith(base + sep)) {
    throw invalidArg(
      'ERR_OVERRIDE_PATH',
      `failed to load '${model}': file override path '${path}' must be relative and stay inside the model directory`,
    );
  }
  return parts.filter((p) => p !== '' && p !== '.').join('/');
}

/**
 * Reads the parameters of a load request into overrides; null when there are none.
 * @throws ServerError INVALID_ARG for an unknown parameter, bad config JSON, a bad path, or files without config
 */
export function parseLoadParameters(
  model: string,
  parameters: Readonly<Record<string, LoadParameterValue>>,
): LoadOverrides | null {
  let configText: string | null = null;
  const files = new Map<string, Uint8Array>();
  for (const [key, value] of Object.entries(parameters)) {
    if (key === 'config') {
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
        throw loadFailure(model, `parameter 'config' must be a string: received type '${typeName(value)}'`);
      }
      configText = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
    } else if (key.startsWith(FILE_OVERRIDE_PREFIX)) {
      const path = checkOverridePath(model, key.slice(FILE_OVERRIDE_PREFIX.length));
      if (typeof value === 'string') files.set(path, Buffer.from(value, 'base64'));
      else if (value instanceof Uint8Array) files.set(path, value);
      else
        throw loadFailure(
          model,
          `parameter '${key}' must hold file contents: received type '${typeName(value)}'`,
        );
    } else {
      throw loadFailure(model, `Unrecognized load parameter '${key}' with type '${typeName(value)}'`);
    }
  }
  if (configText === null && files.size === 0) return null;
  if (configText === null) {
    throw loadFailure(model, "'file:' overrides need a 'config' parameter with the model configuration");
  }
  let config: unknown;
  try {
    config = JSON.parse(configText);
  } catch (err) {
    throw loadFailure(model, `Invalid config override: ${(err as Error).message}`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw loadFailure(
      model,
      `Invalid config override: expected a JSON object: received ${configText.slice(0, 60)}`,
    );
  }
  return { configText, config: config as PartialModelConfig, files };
}

/**
 * Writes the file overrides into a new private directory `<tmp>/nereid-override-XXXX/<model>`
 * and returns the model directory. The caller removes it with removeStagedModel.
 */
export async function stageOverrideFiles(
  model: string,
  files: ReadonlyMap<string, Uint8Array>,
): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'nereid-override-'));
  const dir = join(root, model);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const [path, bytes] of files) {
      const target = join(dir, checkOverridePath(model, path));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, bytes, { mode: 0o600 });
    }
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/** Removes a directory made by stageOverrideFiles (its private parent included). */
export async function removeStagedModel(modelDir: string): Promise<void> {
  await rm(dirname(modelDir), { recursive: true, force: true });
}
