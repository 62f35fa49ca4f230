/**
 * Resolves a file that a model config names (label file, model file, warm-up data, initial
 * state) against the directory it belongs to, and refuses it unless its real path (symbolic
 * links resolved) lies inside that directory's real path. Directories the repository owner
 * arranged may themselves be links (a model or version directory linked from a shared store);
 * a path named in a config may not lead out of them. Messages name the config field and the
 * path as written, never the server's absolute paths.
 */
import { realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { relativePathProblem } from '../common/index.js';

/** A config-named file that cannot be used: the message names the field and says why. */
export class ConfinedFileError extends Error {
  /** Why: 'invalid' (bad path or outside the directory) or 'missing' (no such file). */
  readonly reason: 'invalid' | 'missing';

  constructor(reason: 'invalid' | 'missing', message: string) {
    super(message);
    this.name = 'ConfinedFileError';
    this.reason = reason;
  }
}

function check(field: string, path: string): void {
  const problem = relativePathProblem(path);
  if (problem !== null) {
    throw new ConfinedFileError(
      'invalid',
      `${field} must be a relative path inside its directory: received ${JSON.stringify(path)} (${problem})`,
    );
  }
}

/** The errno code of a failed file operation (`ENOENT`, `EACCES`), for messages without paths. */
export function errnoCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'error';
}

function outside(field: string, path: string): ConfinedFileError {
  return new ConfinedFileError(
    'invalid',
    `${field} ${JSON.stringify(path)} resolves outside its directory (through a symbolic link)`,
  );
}

function missing(field: string, path: string, err: unknown): ConfinedFileError {
  const code = errnoCode(err);
  const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code})`;
  return new ConfinedFileError('missing', `${field} ${JSON.stringify(path)} ${why}`);
}

function inside(realBase: string, realTarget: string): boolean {
  return realTarget.startsWith(realBase.endsWith(sep) ? realBase : realBase + sep);
}

/**
 * The path of `relativePath` below `baseDir` (as joined, not resolved), after checking that its
 * real path stays inside the real path of `baseDir`.
 * @param field the config field for messages, e.g. `output[0].label_filename`
 * @throws ConfinedFileError 'invalid' for a bad or escaping path, 'missing' when it does not exist
 */
export async function confinedFile(baseDir: string, relativePath: string, field: string): Promise<string> {
  check(field, relativePath);
  const joined = join(baseDir, relativePath);
  let realBase: string;
  let realTarget: string;
  try {
    realBase = await realpath(baseDir);
    realTarget = await realpath(joined);
  } catch (err) {
    throw missing(field, relativePath, err);
  }
  if (!inside(realBase, realTarget)) throw outside(field, relativePath);
  return joined;
}

/** confinedFile for the synchronous load steps (initial state files are read while a scheduler is built). */
export function confinedFileSync(baseDir: string, relativePath: string, field: string): string {
  check(field, relativePath);
  const joined = join(baseDir, relativePath);
  let realBase: string;
  let realTarget: string;
  try {
    realBase = realpathSync(baseDir);
    realTarget = realpathSync(joined);
  } catch (err) {
    throw missing(field, relativePath, err);
  }
  if (!inside(realBase, realTarget)) throw outside(field, relativePath);
  return joined;
}
