/**
 * The lexical check of a relative path that a config or a request names (a label file, a model
 * file, warm-up data, a file override): it must stay below the directory it is read against.
 * This is the first of two checks; the second resolves symbolic links (realpath) where the file
 * is opened, so that a link inside the directory cannot lead out of it either.
 */

/** Longest accepted relative path in UTF-8 bytes. */
export const MAX_RELATIVE_PATH_BYTES = 1024;

/** Longest accepted path segment in UTF-8 bytes (NAME_MAX on Linux file systems). */
export const MAX_PATH_SEGMENT_BYTES = 255;

/** Why `path` cannot be a relative path below a directory, or null when it can. */
export function relativePathProblem(path: string): string | null {
  if (path === '') return 'it is empty';
  if (path.includes('\0')) return 'it contains a NUL character';
  if (/^[\\/]/.test(path) || /^[a-zA-Z]:/.test(path)) return 'it is absolute';
  if (Buffer.byteLength(path, 'utf8') > MAX_RELATIVE_PATH_BYTES) {
    return `it is longer than ${MAX_RELATIVE_PATH_BYTES} bytes`;
  }
  const segments = path.split(/[\\/]+/);
  if (segments.includes('..')) return "it contains a '..' segment";
  if (segments.every((s) => s === '' || s === '.')) return 'it names the directory itself';
  if (segments.some((s) => Buffer.byteLength(s, 'utf8') > MAX_PATH_SEGMENT_BYTES)) {
    return `a segment is longer than ${MAX_PATH_SEGMENT_BYTES} bytes`;
  }
  return null;
}

/** The segments of a valid relative path without empty and `.` segments, joined with '/'. */
export function normalizeRelativePath(path: string): string {
  return path
    .split(/[\\/]+/)
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}
