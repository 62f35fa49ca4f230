/**
 * OpenAI's error shape for the OpenAI-compatible API: `{"error": {"message", "type", "param",
 * "code"}}`, with an exhaustive table from Triton's statuses to the HTTP status and OpenAI error
 * type, and `Retry-After` on overload as the Triton endpoints send it. It writes error replies and
 * the error event of a stream; nothing else.
 */
import type { ServerResponse } from 'node:http';
import {
  type CodeWithStatus,
  type ErrorCode,
  ServerError,
  Status,
  toServerError,
} from '../../common/index.js';

/** An OpenAI error body. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** HTTP status and OpenAI error type of each Triton status. */
export const OPENAI_ERROR_BY_STATUS: Readonly<Record<Status, { http: number; type: string }>> = {
  INVALID_ARG: { http: 400, type: 'invalid_request_error' },
  UNSUPPORTED: { http: 400, type: 'invalid_request_error' },
  NOT_FOUND: { http: 404, type: 'invalid_request_error' },
  ALREADY_EXISTS: { http: 409, type: 'invalid_request_error' },
  UNAVAILABLE: { http: 503, type: 'server_error' },
  CANCELLED: { http: 499, type: 'invalid_request_error' },
  INTERNAL: { http: 500, type: 'server_error' },
  UNKNOWN: { http: 500, type: 'server_error' },
};

/** OpenAI's `param` and `code` of the errors that name one. */
const PARAM_BY_CODE: Readonly<Partial<Record<ErrorCode, [param: string | null, code: string | null]>>> = {
  ERR_UNKNOWN_MODEL: ['model', 'model_not_found'],
  ERR_MODEL_UNAVAILABLE: ['model', 'model_not_found'],
  ERR_PROMPT_TOO_LONG: ['messages', 'context_length_exceeded'],
  ERR_MAX_TOKENS_TOO_LARGE: ['max_tokens', 'context_length_exceeded'],
  ERR_PROMPT_TOO_LARGE: ['prompt', null],
  ERR_EMPTY_PROMPT: ['prompt', null],
  ERR_CHAT_MESSAGES: ['messages', null],
  ERR_QUEUE_FULL: [null, 'overloaded'],
};

/** An INVALID_ARG error naming an OpenAI request field (`param`). */
export class OpenAiParamError extends ServerError {
  /** The offending request field. */
  readonly param: string;

  constructor(param: string, message: string, code: CodeWithStatus<'INVALID_ARG'> = 'ERR_OPENAI_REQUEST') {
    super(Status.INVALID_ARG, code, message);
    this.param = param;
  }
}

/** The OpenAI body of any error. */
export function openAiErrorBody(err: unknown, prompt: 'prompt' | 'messages' = 'prompt'): OpenAiErrorBody {
  const error = err instanceof ServerError ? err : toServerError(err);
  const known = PARAM_BY_CODE[error.code];
  let param: string | null;
  if (err instanceof OpenAiParamError) param = err.param;
  else {
    param = known?.[0] ?? null;
    // The model's prompt errors name its input; the client sent `prompt` or `messages`.
    if (param === 'messages' || param === 'prompt') param = prompt;
  }
  return {
    error: {
      message: error.message,
      type: OPENAI_ERROR_BY_STATUS[error.status].type,
      param,
      code: known?.[1] ?? null,
    },
  };
}

/**
 * Answers an HTTP-level refusal (403 of a restricted API, 405) in OpenAI's shape, for the `/v1/`
 * paths whose clients read it; `headers` are added (e.g. `Allow`).
 */
export function sendOpenAiRefusal(
  res: ServerResponse,
  httpStatus: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const text = Buffer.from(
    JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } }),
  );
  res.writeHead(httpStatus, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': text.length,
  });
  res.end(text);
}

/** Answers with the OpenAI error of `err` (connection destroyed when headers already went out). */
export function sendOpenAiError(
  res: ServerResponse,
  err: unknown,
  prompt: 'prompt' | 'messages' = 'prompt',
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const error = err instanceof ServerError ? err : toServerError(err);
  const text = Buffer.from(JSON.stringify(openAiErrorBody(error, prompt)));
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': text.length,
  };
  if (error.retryAfterS !== undefined)
    headers['Retry-After'] = String(Math.max(1, Math.ceil(error.retryAfterS)));
  res.writeHead(OPENAI_ERROR_BY_STATUS[error.status].http, headers);
  res.end(text);
}
