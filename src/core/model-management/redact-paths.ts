/**
 * Keeps the server's absolute paths out of load errors that reach clients (the load API's answer,
 * the repository index's reasons): the repository root, as given and with links resolved, is cut
 * from every message, so `/srv/models/simple/1/model.onnx` reads `simple/1/model.onnx`. Third
 * parties (ONNX Runtime, node's file errors) put paths into their texts, so this works on the
 * finished message rather than on each place that builds one.
 */
import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { reviveServerError, type ServerError } from '../../common/index.js';

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** `message` with every occurrence of `root` (and its real path) followed by a separator removed. */
export function redactRoot(message: string, root: string): string {
  if (root === '') return message;
  let out = message;
  for (const prefix of new Set([root, realOrSelf(root)])) {
    out = out.replaceAll(prefix.endsWith(sep) ? prefix : prefix + sep, '');
  }
  return out;
}

/** The same error with the repository root cut from its message (a new ServerError when it changes). */
export function redactServerError(error: ServerError, root: string): ServerError {
  const message = redactRoot(error.message, root);
  if (message === error.message) return error;
  return reviveServerError(error.status, error.code, message, {
    cause: error.cause,
    retryAfterS: error.retryAfterS,
  });
}
