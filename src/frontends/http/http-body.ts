/**
 * Reading request bodies: collects the bytes with a size limit (`--http-max-input-size`) while
 * taking them from the in-flight byte budget (`--http-max-inflight-bytes`), and undoes
 * `Content-Encoding: gzip|deflate` as a stream that stops at the same size limit and takes every
 * inflated chunk from the budget too (zlib runs on libuv's thread pool, off the main thread).
 * A body whose Content-Length says it will go to the JSON decode pool is received into one
 * buffer the pool lends (no chunk list, no concatenation). Compresses inference responses when
 * the client accepts it.
 */
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { invalidArg, ServerError, Status } from '../../common/index.js';
import { type InflightBytes, InflightBytesError } from './inflight-bytes.js';
import type { JsonDecodePool } from './json-decode-pool.js';

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);

/** Inflated bytes per chunk: fewer, larger chunks than zlib's 16 KiB default mean fewer events. */
const INFLATE_CHUNK_BYTES = 64 * 1024;

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
  /**
   * The whole body (one chunk as received, or the chunks joined). Its `body.length` bytes stay
   * taken from the budget until the sink releases them (once the request is answered).
   */
  onBody(body: Buffer): void;
  /**
   * The body exceeded the limit (BodyTooLargeError), the budget (InflightBytesError) or the
   * request stream failed. Nothing stays taken from the budget.
   */
  onBodyError(err: unknown): void;
}

/** The state of one body being collected; the request's listeners find it under kCollector. */
class BodyCollector {
  chunks: Buffer[] | null = null;
  first: Buffer | null = null;
  /** Bytes received, all of them taken from the budget. */
  size = 0;
  done = false;
  constructor(
    readonly sink: BodySink,
    readonly limitBytes: number,
    readonly budget: InflightBytes,
    /** A buffer of the declared Content-Length the chunks are copied into, or null (chunk list). */
    public into: Buffer | null,
  ) {}
}

const kCollector = Symbol('nereid.bodyCollector');
type CollectingRequest = IncomingMessage & { [kCollector]: BodyCollector };

/** Ends a collection with `err`: gives its bytes back and drops them. */
function failCollection(c: BodyCollector, err: unknown): void {
  c.done = true;
  c.budget.release(c.size);
  c.size = 0;
  c.first = null;
  c.chunks = null;
  c.into = null;
  c.sink.onBodyError(err);
}

function onCollectData(this: CollectingRequest, chunk: Buffer): void {
  const c = this[kCollector];
  if (c.done) return;
  const size = c.size + chunk.length;
  if (size > c.limitBytes) {
    failCollection(c, new BodyTooLargeError(c.limitBytes, size));
    return;
  }
  if (!c.budget.tryTake(chunk.length)) {
    failCollection(c, new InflightBytesError(c.budget, chunk.length));
    return;
  }
  if (c.into !== null) {
    if (size <= c.into.length) {
      chunk.copy(c.into, c.size);
      c.size = size;
      return;
    }
    // More than Content-Length said (the parser should not let that happen): go on as a chunk list.
    c.first = c.into.subarray(0, c.size);
    c.into = null;
  }
  c.size = size;
  if (c.first === null) c.first = chunk;
  else (c.chunks ??= [c.first]).push(chunk);
}

function onCollectEnd(this: CollectingRequest): void {
  const c = this[kCollector];
  if (c.done) return;
  c.done = true;
  const body =
    c.into !== null
      ? c.into.subarray(0, c.size)
      : c.chunks !== null
        ? Buffer.concat(c.chunks, c.size)
        : (c.first ?? Buffer.alloc(0));
  c.sink.onBody(body);
}

function onCollectError(this: CollectingRequest, err: Error): void {
  const c = this[kCollector];
  if (c.done) return;
  failCollection(c, err);
}

/**
 * Collects a request body of at most `limitBytes` bytes into `sink`, taking its bytes from
 * `budget` as they arrive, with module-level listeners and one small state object per request (no
 * closures or promises on the inference path). A declared Content-Length over the limit, or over
 * what the budget has free, is refused before a byte is read. With a decode `pool`, an all-JSON
 * body (no Inference-Header-Content-Length, no Content-Encoding) whose declared Content-Length
 * is at least the pool's minBytes is received into one buffer the pool lends.
 */
export function collectBody(
  req: IncomingMessage,
  limitBytes: number,
  budget: InflightBytes,
  sink: BodySink,
  pool: JsonDecodePool | null = null,
): void {
  const declared = req.headers['content-length'];
  let into: Buffer | null = null;
  if (declared !== undefined) {
    const n = Number(declared);
    if (n > limitBytes) {
      sink.onBodyError(new BodyTooLargeError(limitBytes, n));
      return;
    }
    if (!budget.fits(n)) {
      sink.onBodyError(new InflightBytesError(budget, n));
      return;
    }
    // Only all-JSON bodies (no binary parts that the request would keep viewing) sent as they are.
    if (
      pool !== null &&
      n >= pool.settings.minBytes &&
      n > 0 &&
      Number.isSafeInteger(n) &&
      req.headers['inference-header-content-length'] === undefined &&
      isIdentityEncoding(req.headers['content-encoding'])
    ) {
      into = pool.borrowBody(n);
    }
  }
  (req as CollectingRequest)[kCollector] = new BodyCollector(sink, limitBytes, budget, into);
  req.on('data', onCollectData);
  req.on('end', onCollectEnd);
  req.on('error', onCollectError);
}

/**
 * Collects a request body (collectBody as a Promise). The caller holds `body.length` bytes of
 * `budget` and gives them back with `budget.release(body.length)`.
 */
export function readBody(req: IncomingMessage, limitBytes: number, budget: InflightBytes): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    collectBody(req, limitBytes, budget, { onBody: resolve, onBodyError: reject });
  });
}

/** Whether a request's Content-Encoding leaves the body as it is (absent, empty or identity). */
export function isIdentityEncoding(encoding: string | undefined): encoding is undefined | '' | 'identity' {
  return encoding === undefined || encoding === '' || encoding === 'identity';
}

/**
 * Undoes the request's Content-Encoding (gzip, deflate or identity). The caller holds
 * `body.length` bytes of `budget`; on success it holds `result.length` instead (the compressed
 * bytes are given back), on failure still `body.length`. Inflating stops as soon as the output
 * passes `limitBytes` (400) or the budget (503), so a small "zip bomb" never inflates further.
 */
export function decodeContent(
  body: Buffer,
  encoding: string | undefined,
  limitBytes: number,
  budget: InflightBytes,
): Promise<Buffer> {
  // An empty body has nothing to inflate, whatever it claims (a GET with a stray header).
  if (isIdentityEncoding(encoding) || body.length === 0) return Promise.resolve(body);
  const enc = encoding.trim().toLowerCase();
  if (enc !== 'gzip' && enc !== 'deflate') {
    return Promise.reject(
      invalidArg(
        'ERR_BAD_COMPRESSION',
        `Unsupported Content-Encoding '${encoding}': supported are gzip, deflate and identity`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const options = { chunkSize: INFLATE_CHUNK_BYTES };
    const inflater = enc === 'gzip' ? zlib.createGunzip(options) : zlib.createInflate(options);
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      budget.release(size);
      chunks.length = 0;
      inflater.destroy();
      reject(err);
    };
    inflater.on('data', (chunk: Buffer) => {
      if (failed) return;
      if (size + chunk.length > limitBytes) {
        fail(new BodyTooLargeError(limitBytes, size + chunk.length));
        return;
      }
      if (!budget.tryTake(chunk.length)) {
        fail(new InflightBytesError(budget, chunk.length));
        return;
      }
      size += chunk.length;
      chunks.push(chunk);
    });
    inflater.on('error', (err) =>
      fail(invalidArg('ERR_BAD_COMPRESSION', `Cannot decompress the ${enc} request body: ${err.message}`)),
    );
    inflater.on('end', () => {
      if (failed) return;
      budget.release(body.length);
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    inflater.end(body);
  });
}

/**
 * Reads a request body and undoes its Content-Encoding. The caller holds `result.length` bytes of
 * `budget` and gives them back with `budget.release(result.length)` once the request is answered.
 */
export async function readRequestBody(
  req: IncomingMessage,
  limitBytes: number,
  budget: InflightBytes,
): Promise<Buffer> {
  const raw = await readBody(req, limitBytes, budget);
  try {
    return await decodeContent(raw, req.headers['content-encoding'], limitBytes, budget);
  } catch (err) {
    budget.release(raw.length);
    throw err;
  }
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
