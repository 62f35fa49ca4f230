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

/** Collects a request body of at most `limitBytes` bytes. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const n = Number(declared);
    if (n > limitBytes) return Promise.reject(new BodyTooLargeError(limitBytes, n));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        reject(new BodyTooLargeError(limitBytes, size));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
}

/** Undoes the request's Content-Encoding (gzip, deflate or identity). */
export async function decodeContent(
  body: Buffer,
  encoding: string | undefined,
  limitBytes: number,
): Promise<Buffer> {
  if (encoding === undefined || encoding === '' || encoding === 'identity') return body;
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
