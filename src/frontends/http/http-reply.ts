/**
 * Writing HTTP replies: JSON bodies, Triton-style `{"error": "..."}` errors with the exhaustive
 * status mapping and `Retry-After` on overload, and optional response compression.
 */
import type { ServerResponse } from 'node:http';
import { ServerError, Status, toServerError } from '../../common/errors.js';
import { httpStatusOf } from '../../protocol/status-codes.js';
import { BodyTooLargeError, compress } from './http-body.js';

/** Sends a JSON body (compressed when `encoding` is set). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  encoding: 'gzip' | 'deflate' | null = null,
): void {
  const text = Buffer.from(JSON.stringify(body));
  if (encoding === null) {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': text.length });
    res.end(text);
    return;
  }
  void compress(text, encoding).then(
    (packed) => {
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Encoding': encoding,
        'Content-Length': packed.length,
      });
      res.end(packed);
    },
    () => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': text.length });
      res.end(text);
    },
  );
}

/** Sends an empty body with a status (health endpoints). */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': 0 });
  res.end();
}

/** Sends `{"error": message}` with an explicit HTTP status. */
export function sendErrorStatus(
  res: ServerResponse,
  status: number,
  message: string,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = Buffer.from(JSON.stringify({ error: message }));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': text.length, ...extra });
  res.end(text);
}

/** Sends a ServerError (or anything thrown) with Triton's status mapping. */
export function sendError(res: ServerResponse, err: unknown): void {
  const error = err instanceof ServerError ? err : toServerError(err);
  const extra: Record<string, string> = {};
  if (error.retryAfterS !== undefined)
    extra['Retry-After'] = String(Math.max(1, Math.ceil(error.retryAfterS)));
  sendErrorStatus(res, httpStatusOf(error.status), error.message, extra);
}

/**
 * Answers a request whose body could not be read or decoded: a body over the limit closes the
 * connection once answered (the rest of it is never read); anything else is a 400.
 */
export function sendBodyError(res: ServerResponse, err: unknown): void {
  if (err instanceof BodyTooLargeError) {
    res.setHeader('Connection', 'close');
    sendError(res, err);
    res.on('finish', () => res.socket?.destroy());
    return;
  }
  sendError(
    res,
    err instanceof ServerError ? err : new ServerError(Status.INVALID_ARG, 'ERR_BAD_BODY', String(err)),
  );
}
