/**
 * Reading request bodies: collects the bytes with a size limit (`--http-max-input-size`), and
 * undoes `Content-Encoding: gzip|deflate` with the same limit on the decompressed size (zlib runs
 * on libuv's thread pool, off the main thread). Compresses responses when the client accepts it.
 */
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { invalidArg, ServerError, Status } from '../../common/errors.js';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);

/** A body that exceeded the limit (HTTP 400, the connection is then closed). */
export class BodyTooLargeError extends ServerError {
  constructor(limitBytes: number, receivedBytes: number) {
    super(
      Status.INVALID_ARG,
      'ERR_BODY_TOO_LARGE',
      `Request body of ${receivedBytes} bytes exceeds the maximum of ${limitBytes} bytes (--http-max-input-size)`,
    );
  }
}

/** Receives a body collected by collectBody(): exactly one of the two is called, once. */
export interface BodySink {
  /** The whole body (one chunk as received, or the chunks joined). */
  onBody(body: Buffer): void;
  /** The body exceeded the limit (BodyTooLargeError) or the request stream failed. */
  onBodyError(err: unknown): void;
}

/** The state of one body being collected; the request's listeners find it under kCollector. */
class BodyCollector {
  chunks: Buffer[] | null = null;
  first: Buffer | null = null;
  size = 0;
  done = false;
  constructor(
    readonly sink: BodySink,
    readonly limitBytes: number,
  ) {}
}

const kCollector = Symbol('nereid.bodyCollector');
type CollectingRequest = IncomingMessage & { [kCollector]: BodyCollector };

function onCollectData(this: CollectingRequest, chunk: Buffer): void {
  const c = this[kCollector];
  if (c.done) return;
  c.size += chunk.length;
  if (c.size > c.limitBytes) {
    c.done = true;
    c.sink.onBodyError(new BodyTooLargeError(c.limitBytes, c.size));
    return;
  }
  if (c.first === null) c.first = chunk;
  else (c.chunks ??= [c.first]).push(chunk);
}

function onCollectEnd(this: CollectingRequest): void {
  const c = this[kCollector];
  if (c.done) return;
  c.done = true;
  const body = c.chunks !== null ? Buffer.concat(c.chunks, c.size) : (c.first ?? Buffer.alloc(0));
  c.sink.onBody(body);
}

function onCollectError(this: CollectingRequest, err: Error): void {
  const c = this[kCollector];
  if (c.done) return;
  c.done = true;
  c.sink.onBodyError(err);
}

/**
 * Collects a request body of at most `limitBytes` bytes into `sink`, with module-level listeners
 * and one small state object per request (no closures or promises on the inference path).
 */
export function collectBody(req: IncomingMessage, limitBytes: number, sink: BodySink): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const n = Number(declared);
    if (n > limitBytes) {
      sink.onBodyError(new BodyTooLargeError(limitBytes, n));
      return;
    }
  }
  (req as CollectingRequest)[kCollector] = new BodyCollector(sink, limitBytes);
  req.on('data', onCollectData);
  req.on('end', onCollectEnd);
  req.on('error', onCollectError);
}

/** Collects a request body of at most `limitBytes` bytes (collectBody as a Promise). */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    collectBody(req, limitBytes, { onBody: resolve, onBodyError: reject });
  });
}

/** Whether a request's Content-Encoding leaves the body as it is (absent, empty or identity). */
export function isIdentityEncoding(encoding: string | undefined): encoding is undefined | '' | 'identity' {
  return encoding === undefined || encoding === '' || encoding === 'identity';
}

/** Undoes the request's Content-Encoding (gzip, deflate or identity). */
export async function decodeContent(
  body: Buffer,
  encoding: string | undefined,
  limitBytes: number,
): Promise<Buffer> {
  if (isIdentityEncoding(encoding)) return body;
  const enc = encoding.trim().toLowerCase();
  try {
    if (enc === 'gzip') return await gunzip(body, { maxOutputLength: limitBytes });
    if (enc === 'deflate') return await inflate(body, { maxOutputLength: limitBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BodyTooLargeError(limitBytes, limitBytes + 1);
    }
    throw invalidArg(
      'ERR_BAD_COMPRESSION',
      `Cannot decompress the ${enc} request body: ${(err as Error).message}`,
    );
  }
  throw invalidArg(
    'ERR_BAD_COMPRESSION',
    `Unsupported Content-Encoding '${encoding}': supported are gzip, deflate and identity`,
  );
}

/** The response encoding to use for an Accept-Encoding header, or null for none. */
export function pickResponseEncoding(accept: string | undefined): 'gzip' | 'deflate' | null {
  if (accept === undefined || accept === '') return null;
  const a = accept.toLowerCase();
  if (/(^|,)\s*gzip\s*(;\s*q=(?!0(\.0*)?\s*(,|$))[0-9.]+)?\s*(,|$)/.test(a)) return 'gzip';
  if (/(^|,)\s*deflate\s*(;\s*q=(?!0(\.0*)?\s*(,|$))[0-9.]+)?\s*(,|$)/.test(a)) return 'deflate';
  return null;
}

/** Compresses `data` with the chosen encoding. */
export function compress(data: Buffer, encoding: 'gzip' | 'deflate'): Promise<Buffer> {
  return encoding === 'gzip' ? gzip(data) : deflate(data);
}
