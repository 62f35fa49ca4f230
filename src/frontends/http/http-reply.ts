/**
 * Writing HTTP replies: JSON bodies, Triton-style `{"error": "..."}` errors with the exhaustive
 * status mapping and `Retry-After` on overload, and the answer to a body that was not read whole.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServerError, Status, toServerError } from '../../common/index.js';
import { httpStatusOf } from '../../protocol/index.js';
import { BodyTooLargeError, readRequestBody } from './http-body.js';
import { type InflightBytes, InflightBytesError } from './inflight-bytes.js';

/**
 * Sends a JSON body, never compressed: Triton compresses inference responses only, and clients
 * such as tritonclient.http.aio decompress nothing else.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': text.length });
  res.end(text);
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
 * Answers a request whose body could not be read or decoded. A body over the size limit or the
 * in-flight byte budget is answered with `Connection: close`: node:http then ends the connection
 * after the answer (a FIN, not a reset that could lose the answer) and drops whatever the client
 * still sends, which the request timeout bounds. Anything else is a 400.
 */
export function sendBodyError(res: ServerResponse, err: unknown): void {
  if (err instanceof BodyTooLargeError || err instanceof InflightBytesError) {
    res.setHeader('Connection', 'close');
    sendError(res, err);
    return;
  }
  sendError(
    res,
    err instanceof ServerError ? err : new ServerError(Status.INVALID_ARG, 'ERR_BAD_BODY', String(err)),
  );
}

/**
 * Reads and decodes a request body (readRequestBody), or answers why it could not and returns
 * null. The caller holds `body.length` bytes of `budget` until it releases them.
 */
export async function readBodyOrAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  limitBytes: number,
  budget: InflightBytes,
): Promise<Buffer | null> {
  try {
    return await readRequestBody(req, limitBytes, budget);
  } catch (err) {
    sendBodyError(res, err);
    return null;
  }
}
