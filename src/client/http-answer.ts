/**
 * Reading HTTP answers for the client: undoing `Content-Encoding: gzip|deflate`, and turning an
 * error answer (`{"error": "..."}` with Triton's status mapping) into an InferenceServerError with
 * the HTTP status and the server's text. It does not send requests (see http-client.ts).
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { Status } from '../common/index.js';
import { ClientErrorCode, InferenceServerError } from './inference-server-error.js';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

/** Undoes the answer's Content-Encoding (gzip, deflate; anything else is returned as is). */
export async function decodeAnswerBody(body: Uint8Array, encoding: string | undefined): Promise<Uint8Array> {
  if (encoding === 'gzip') return gunzip(body);
  if (encoding === 'deflate') return inflate(body);
  return body;
}

/** A received answer, its body already decompressed. */
export interface HttpAnswer {
  /** HTTP status. */
  statusCode: number;
  /** Response headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** The whole body. */
  body: Uint8Array;
}

/** The first value of header `name` (lower-case), or undefined. */
export function headerValue(headers: HttpAnswer['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The Triton status an HTTP error status stands for (Triton maps several statuses to 400). */
export function statusFromHttp(httpStatus: number): Status {
  switch (httpStatus) {
    case 400:
      return Status.INVALID_ARG;
    case 404:
      return Status.NOT_FOUND;
    case 500:
      return Status.INTERNAL;
    case 501:
    case 405:
      return Status.UNSUPPORTED;
    case 503:
      return Status.UNAVAILABLE;
    default:
      return Status.UNKNOWN;
  }
}

/** The InferenceServerError of an error answer: Triton status from the HTTP status, the server's `error` text. */
export function errorFromAnswer(answer: HttpAnswer): InferenceServerError {
  const text = Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.length).toString('utf8');
  let message = text;
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (parsed !== null && typeof parsed.error === 'string') message = parsed.error;
  } catch {
    // not JSON: keep the text
  }
  if (message === '') message = `HTTP status ${answer.statusCode}`;
  return new InferenceServerError(
    statusFromHttp(answer.statusCode),
    ClientErrorCode.SERVER_RESPONSE,
    message,
    {
      httpStatus: answer.statusCode,
    },
  );
}
