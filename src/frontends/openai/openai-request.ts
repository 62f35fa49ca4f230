/**
 * Reads the body of `POST /v1/completions` and `POST /v1/chat/completions` (OpenAI's request
 * shapes) into an OpenAiRequest, refusing what this server cannot honour (n > 1, logprobs, tools,
 * token prompts, several prompts, suffix, logit_bias) with OpenAI's error naming the `param`, and
 * builds the generation model's input tensors from it (Triton's vLLM interface plus `messages`).
 * Range checks of the sampling values the model shares with the tensor interface are the model's.
 * Fields OpenAI defines that change nothing here (`user`, `metadata`, `store`) are ignored.
 */

import { modelNameError, modelNameProblem } from '../../common/index.js';
import type { ChatMessage } from '../../core/index.js';
import { GenerationTensor } from '../../core/index.js';
import { encodeBytesElements, type Tensor } from '../../protocol/index.js';
import { OpenAiParamError } from './openai-error.js';

/** The two generation endpoints. */
export const OpenAiEndpoint = {
  COMPLETIONS: 0,
  CHAT: 1,
} as const;

/** One of OpenAiEndpoint. */
export type OpenAiEndpoint = (typeof OpenAiEndpoint)[keyof typeof OpenAiEndpoint];

/** A checked OpenAI generation request. */
export interface OpenAiRequest {
  /** Which endpoint it came to. */
  readonly endpoint: OpenAiEndpoint;
  /** Model name. */
  readonly model: string;
  /** The prompt (completions), '' for chat. */
  readonly prompt: string;
  /** The conversation (chat), null for completions. */
  readonly messages: ChatMessage[] | null;
  /** Server-Sent Events instead of one JSON body. */
  readonly stream: boolean;
  /** Send a usage chunk before `[DONE]` (stream_options.include_usage). */
  readonly includeUsage: boolean;
  /** Completions: put the prompt before the completion (non-streamed only). */
  readonly echo: boolean;
  /** The sampling_parameters object (vLLM keys) for the model. */
  readonly sampling: Record<string, unknown>;
}

const CHAT_ROLES = new Set(['system', 'developer', 'user', 'assistant']);

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}

function bad(param: string, message: string): OpenAiParamError {
  return new OpenAiParamError(param, message);
}

/**
 * Checks a model name from an OpenAI request with the server's one model-name rule (one plain path
 * segment of at most 255 bytes, no control characters), before it is looked up or quoted.
 * @throws OpenAiParamError 'model' (ERR_MODEL_NAME) saying what is wrong with it
 */
export function checkOpenAiModelName(name: string): void {
  const problem = modelNameProblem(name);
  if (problem !== null)
    throw new OpenAiParamError('model', modelNameError(name, problem).message, 'ERR_MODEL_NAME');
}

function optionalNumber(
  body: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw bad(
      key,
      `'${key}' must be a number in [${min}, ${max}]: received ${JSON.stringify(v) ?? typeName(v)}`,
    );
  }
  return v;
}

function optionalInteger(body: Record<string, unknown>, key: string, min: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw bad(key, `'${key}' must be an integer >= ${min}: received ${JSON.stringify(v) ?? typeName(v)}`);
  }
  return v;
}

function optionalBoolean(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw bad(key, `'${key}' must be a boolean: received ${typeName(v)}`);
  return v;
}

/** Refuses a field whose value asks for a feature this server does not have. */
function refuse(
  body: Record<string, unknown>,
  key: string,
  unused: (v: unknown) => boolean,
  why: string,
): void {
  const v = body[key];
  if (v === undefined || v === null || unused(v)) return;
  throw bad(key, `'${key}' is not supported: ${why}`);
}

function readPrompt(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    if (value.length === 1 && typeof value[0] === 'string') return value[0];
    if (value.length > 0 && typeof value[0] === 'number') {
      throw bad('prompt', "'prompt' as token ids is not supported: send the prompt as text");
    }
    throw bad(
      'prompt',
      `'prompt' must be a string (one prompt per request): received an array of ${value.length}`,
    );
  }
  throw bad('prompt', `'prompt' must be a string: received ${typeName(value)}`);
}

/** Text of a message's content: a string, or OpenAI's array of `{type: "text", text}` parts. */
function contentText(value: unknown, i: number): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    let text = '';
    for (const part of value) {
      const p = part as { type?: unknown; text?: unknown } | null;
      if (p === null || typeof p !== 'object' || p.type !== 'text' || typeof p.text !== 'string') {
        throw bad(
          'messages',
          `messages[${i}].content parts must be {"type": "text", "text": ...}: this model reads text only`,
        );
      }
      text += p.text;
    }
    return text;
  }
  throw bad(
    'messages',
    `messages[${i}].content must be a string or an array of text parts: received ${typeName(value)}`,
  );
}

function readMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw bad('messages', `'messages' must be a non-empty array: received ${typeName(value)}`);
  }
  return value.map((m: unknown, i: number): ChatMessage => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) {
      throw bad(
        'messages',
        `messages[${i}] must be an object with "role" and "content": received ${typeName(m)}`,
      );
    }
    const message = m as { role?: unknown; content?: unknown; tool_calls?: unknown };
    if (typeof message.role !== 'string' || !CHAT_ROLES.has(message.role)) {
      throw bad(
        'messages',
        `messages[${i}].role must be one of "system", "developer", "user", "assistant": received ${JSON.stringify(message.role) ?? 'nothing'}`,
      );
    }
    if (message.tool_calls !== undefined && message.tool_calls !== null) {
      throw bad('messages', `messages[${i}].tool_calls is not supported: this server has no tool calling`);
    }
    return { role: message.role, content: contentText(message.content, i) };
  });
}

function readStop(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((s) => typeof s === 'string')) return value as string[];
  throw bad('stop', `'stop' must be a string or an array of strings: received ${typeName(value)}`);
}

/**
 * Parses an OpenAI request body for `endpoint`.
 * @throws OpenAiParamError (INVALID_ARG) naming the offending field
 */
export function parseOpenAiRequest(body: Uint8Array, endpoint: OpenAiEndpoint): OpenAiRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (err) {
    throw new OpenAiParamError('body', `The request body is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OpenAiParamError(
      'body',
      `The request body must be a JSON object: received ${typeName(parsed)}`,
    );
  }
  const b = parsed as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') {
    throw bad('model', `'model' must be a non-empty string: received ${typeName(b.model)}`);
  }
  checkOpenAiModelName(b.model);
  const chat = endpoint === OpenAiEndpoint.CHAT;
  if (!chat && b.prompt === undefined) throw bad('prompt', "'prompt' is required");
  if (chat && b.messages === undefined) throw bad('messages', "'messages' is required");
  const n = optionalInteger(b, 'n', 1);
  if (n !== undefined && n !== 1) {
    throw bad(
      'n',
      `'n' must be 1: this server returns one choice per request (send ${n} requests instead): received ${n}`,
    );
  }
  const bestOf = optionalInteger(b, 'best_of', 1);
  if (bestOf !== undefined && bestOf !== 1) throw bad('best_of', `'best_of' must be 1: received ${bestOf}`);
  refuse(b, 'logprobs', (v) => v === false, 'log probabilities are not returned');
  refuse(b, 'top_logprobs', (v) => v === 0, 'log probabilities are not returned');
  refuse(b, 'suffix', (v) => v === '', 'insertion (suffix) is not supported');
  refuse(
    b,
    'logit_bias',
    (v) => typeof v === 'object' && Object.keys(v as object).length === 0,
    'logit_bias is not supported',
  );
  refuse(b, 'tools', (v) => Array.isArray(v) && v.length === 0, 'this server has no tool calling');
  refuse(b, 'functions', (v) => Array.isArray(v) && v.length === 0, 'this server has no function calling');
  refuse(b, 'tool_choice', (v) => v === 'none', 'this server has no tool calling');
  refuse(
    b,
    'response_format',
    (v) => (v as { type?: unknown }).type === 'text',
    'only {"type": "text"} responses are produced',
  );
  const stream = optionalBoolean(b, 'stream') ?? false;
  let includeUsage = false;
  const so = b.stream_options;
  if (so !== undefined && so !== null) {
    if (!stream) throw bad('stream_options', "'stream_options' is only allowed when 'stream' is true");
    if (typeof so !== 'object' || Array.isArray(so)) {
      throw bad('stream_options', `'stream_options' must be an object: received ${typeName(so)}`);
    }
    includeUsage = optionalBoolean(so as Record<string, unknown>, 'include_usage') ?? false;
  }
  const echo = chat ? false : (optionalBoolean(b, 'echo') ?? false);
  if (echo && stream) throw bad('echo', "'echo' is not supported with 'stream'");

  const sampling: Record<string, unknown> = {};
  const maxTokens = optionalInteger(b, 'max_completion_tokens', 1) ?? optionalInteger(b, 'max_tokens', 1);
  if (maxTokens !== undefined) sampling.max_tokens = maxTokens;
  const temperature = optionalNumber(b, 'temperature', 0, 2);
  if (temperature !== undefined) sampling.temperature = temperature;
  const topP = optionalNumber(b, 'top_p', 0, 1);
  if (topP !== undefined) sampling.top_p = topP;
  const seed = optionalInteger(b, 'seed', 0);
  if (seed !== undefined) sampling.seed = seed;
  const stop = readStop(b.stop);
  if (stop !== undefined && stop.length > 0) sampling.stop = stop;
  const presence = optionalNumber(b, 'presence_penalty', -2, 2);
  if (presence !== undefined) sampling.presence_penalty = presence;
  const frequency = optionalNumber(b, 'frequency_penalty', -2, 2);
  if (frequency !== undefined) sampling.frequency_penalty = frequency;
  // vLLM's extra sampling fields, checked by the model.
  for (const key of ['top_k', 'min_p', 'repetition_penalty', 'ignore_eos']) {
    if (b[key] !== undefined && b[key] !== null) sampling[key] = b[key];
  }
  return {
    endpoint,
    model: b.model,
    prompt: chat ? '' : readPrompt(b.prompt),
    messages: chat ? readMessages(b.messages) : null,
    stream,
    includeUsage,
    echo,
    sampling,
  };
}

const T = GenerationTensor;

function bytesInput(name: string, text: string): Tensor {
  return { name, datatype: 'BYTES', shape: [1], data: encodeBytesElements([text]) };
}

function boolInput(name: string, value: boolean): Tensor {
  return { name, datatype: 'BOOL', shape: [1], data: Uint8Array.of(value ? 1 : 0) };
}

/** The generation model's inputs for `request`. */
export function openAiInputs(request: OpenAiRequest): Tensor[] {
  const inputs: Tensor[] = [bytesInput(T.TEXT_INPUT, request.prompt)];
  if (request.messages !== null) inputs.push(bytesInput(T.MESSAGES, JSON.stringify(request.messages)));
  inputs.push(
    boolInput(T.STREAM, request.stream),
    bytesInput(T.SAMPLING_PARAMETERS, JSON.stringify(request.sampling)),
    boolInput(T.EXCLUDE_INPUT_IN_OUTPUT, !request.echo),
    boolInput(T.RETURN_FINISH_REASON, true),
    boolInput(T.RETURN_NUM_INPUT_TOKENS, true),
    boolInput(T.RETURN_NUM_OUTPUT_TOKENS, true),
  );
  return inputs;
}
