/**
 * The one check of a model name, wherever a name enters the server: the HTTP path, a gRPC field,
 * a repository directory, an ensemble step, a model-to-model call, `--load-model`. A model name
 * becomes a directory name (in the repository and in the private copy of a load's file
 * overrides), so it must be one plain path segment: no separators, no `..`, nothing hidden, no
 * control characters, and short enough for a file system.
 */
import { invalidArg, type ServerError } from './errors.js';

/** Longest model name in UTF-8 bytes: one directory name on Linux file systems (NAME_MAX). */
export const MAX_MODEL_NAME_BYTES = 255;

/** Whether `name` holds a C0 or C1 control character, DEL, or a path separator ('/' or '\\'). */
function hasForbiddenCharacter(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2f || c === 0x5c) return true;
  }
  return false;
}

/**
 * Why `name` cannot be a model name, or null when it can.
 * Kept apart from checkModelName so scans can skip a directory without building an error.
 */
export function modelNameProblem(name: string): string | null {
  if (name === '') return 'it is empty';
  if (name.startsWith('.')) return "it starts with '.'";
  if (name.includes('..')) return "it contains '..'";
  if (hasForbiddenCharacter(name)) return 'it contains a path separator or a control character';
  if (Buffer.byteLength(name, 'utf8') > MAX_MODEL_NAME_BYTES) {
    return `it is longer than ${MAX_MODEL_NAME_BYTES} bytes`;
  }
  return null;
}

/** Whether `name` is a valid model name (see modelNameProblem). */
export function isValidModelName(name: string): boolean {
  return modelNameProblem(name) === null;
}

/** The name as it may appear in an error message: JSON-quoted (controls escaped), cut at 80 characters. */
export function quoteModelName(name: string): string {
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  return JSON.stringify(shown);
}

/** The error for an invalid model name (INVALID_ARG, ERR_MODEL_NAME). */
export function modelNameError(name: string, problem: string): ServerError {
  return invalidArg('ERR_MODEL_NAME', `Invalid model name ${quoteModelName(name)}: ${problem}`);
}

/**
 * Checks a model name.
 * @throws ServerError INVALID_ARG (ERR_MODEL_NAME) saying what is wrong with it
 */
export function checkModelName(name: string): void {
  const problem = modelNameProblem(name);
  if (problem !== null) throw modelNameError(name, problem);
}
