/**
 * The parameters of a load request (Triton's repository extension): a `config` override (the
 * model config as JSON text) and `file:<path>` overrides (file contents). Like Triton, file
 * overrides replace the model directory: they are written to a private temporary directory,
 * never into the user's repository, and a path that would leave that directory is refused
 * before anything is written; only such a private directory is ever removed. Parsing the HTTP or gRPC form of the parameters is the frontends'.
 */
import { lstat, mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import {
  checkModelName,
  internal,
  invalidArg,
  isValidModelName,
  normalizeRelativePath,
  relativePathProblem,
  type ServerError,
} from '../../common/index.js';
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
 * Checks a file override path: relative, no `..` segment, not too long (relativePathProblem);
 * returns it normalized (`./1//model.onnx` → `1/model.onnx`).
 * @throws ServerError INVALID_ARG (ERR_OVERRIDE_PATH) naming the path
 */
export function checkOverridePath(model: string, path: string): string {
  const problem = relativePathProblem(path);
  if (problem !== null) {
    throw invalidArg(
      'ERR_OVERRIDE_PATH',
      `failed to load '${model}': file override path ${JSON.stringify(path.slice(0, 200))} must be relative and stay inside the model directory (${problem})`,
    );
  }
  return normalizeRelativePath(path);
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
      if (files.size >= MAX_OVERRIDE_FILES) {
        throw loadFailure(model, `more than ${MAX_OVERRIDE_FILES} 'file:' overrides in one load`);
      }
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

/** The private copy of one load's file overrides. */
export interface StagedModel {
  /** The private directory made for this load, removed as a whole: `<tmp>/nereid-override-<pid>-XXXXXX`. */
  readonly root: string;
  /** The model directory inside it: `<root>/<model>`. */
  readonly dir: string;
}

/** Most `file:` overrides one load may carry. */
export const MAX_OVERRIDE_FILES = 1000;

const STAGING_PREFIX = 'nereid-override-';
const STAGING_ROOT = /^nereid-override-([0-9]+)-[A-Za-z0-9]{6}$/;

function inside(realBase: string, realPath: string): boolean {
  return realPath === realBase || realPath.startsWith(realBase + sep);
}

function writeFailure(model: string, path: string, err: unknown): ServerError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return internal(
    'ERR_OVERRIDE_WRITE',
    `failed to load '${model}', failed to poll from model repository: cannot write file override ${JSON.stringify(path)} (${code})`,
  );
}

/**
 * Writes the file overrides into a new private directory (mode 0700) and returns it. `model` must
 * be a valid model name and every path one returned by checkOverridePath; each file is created
 * new (never through an existing file or link) in a directory whose real path is checked to lie
 * inside the model directory. The caller removes the copy with removeStagedModel.
 * @throws ServerError INTERNAL (ERR_OVERRIDE_WRITE) naming the override path, never the server's
 */
export async function stageOverrideFiles(
  model: string,
  files: ReadonlyMap<string, Uint8Array>,
): Promise<StagedModel> {
  checkModelName(model);
  const root = await mkdtemp(join(tmpdir(), `${STAGING_PREFIX}${process.pid}-`));
  const staged: StagedModel = { root, dir: join(root, model) };
  let current = '';
  try {
    await mkdir(staged.dir, { mode: 0o700 });
    const realDir = await realpath(staged.dir);
    for (const [path, bytes] of files) {
      current = path;
      const target = join(staged.dir, checkOverridePath(model, path));
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      if (!inside(realDir, await realpath(dirname(target)))) {
        throw Object.assign(new Error('outside the model directory'), { code: 'EXDEV' });
      }
      await writeFile(target, bytes, { mode: 0o600, flag: 'wx' });
    }
  } catch (err) {
    await removeStagedModel(staged);
    throw writeFailure(model, current, err);
  }
  return staged;
}

/**
 * Removes a copy made by stageOverrideFiles, after checking that it is one: a directory named
 * like ours directly in the temporary directory, holding the model directory. Anything else is
 * left alone and reported, so a corrupted path can never widen into a recursive delete.
 */
export async function removeStagedModel(staged: StagedModel): Promise<void> {
  const ours =
    dirname(staged.root) === tmpdir() &&
    STAGING_ROOT.test(basename(staged.root)) &&
    dirname(staged.dir) === staged.root &&
    isValidModelName(basename(staged.dir));
  if (!ours) {
    throw internal(
      'ERR_OVERRIDE_WRITE',
      'Refusing to remove a directory that is not a private override copy',
    );
  }
  await rm(staged.root, { recursive: true, force: true });
}

/**
 * Removes the override copies left in the temporary directory by Nereid processes that no longer
 * run (killed before they could clean up). Only directories named like ours, owned by this user,
 * whose process id is not alive, are removed. Returns how many were removed.
 */
export async function sweepStaleOverrideCopies(): Promise<number> {
  const dir = tmpdir();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const pid = STAGING_ROOT.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || processAlive(Number(pid))) continue;
    const root = join(dir, name);
    try {
      const info = await lstat(root);
      if (!info.isDirectory() || info.uid !== process.getuid?.()) continue;
      await rm(root, { recursive: true, force: true });
      removed++;
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
