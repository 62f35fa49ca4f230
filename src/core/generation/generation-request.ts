/**
 * Reads a validated request to a generation model into what the generation scheduler runs: the
 * prompt (`text_input`) or chat `messages`, `stream`, `exclude_input_in_output`, the `return_*`
 * flags and the sampling parameters (the `sampling_parameters` JSON input, else the request
 * parameters, over the model's defaults), with Triton's vLLM backend semantics. Every bound a
 * client could push (prompt bytes, max_tokens, stop strings) is checked here, on the main thread,
 * before the request is queued; what needs the tokenizer (the prompt's token count) is checked by
 * the instance.
 */
import type { ChatMessage, GenerationStart } from '../../backends/index.js';
import { invalidArg } from '../../common/index.js';
import {
  GenerationTensor,
  type LlamaCppParameters,
  parseSamplingJson,
  readSamplingParameters,
} from '../../config/index.js';
import type { Tensor } from '../../protocol/index.js';
import { decodeBytesElements } from '../../protocol/index.js';
import type { InferenceRequest } from '../inference-request.js';

/** A generation request as the scheduler runs it. */
export interface GenerationRequest {
  /** What the instance generates. */
  readonly start: GenerationStart;
  /** The prompt text (prepended to a non-streamed output unless excluded). */
  readonly prompt: string;
  /** One response per token (true) or one response with the whole text. */
  readonly stream: boolean;
  /** Leave the prompt out of a non-streamed text_output. */
  readonly excludeInput: boolean;
  /** Add the finish_reason output. */
  readonly returnFinishReason: boolean;
  /** Add the num_input_tokens output. */
  readonly returnInputTokens: boolean;
  /** Add the num_output_tokens output. */
  readonly returnOutputTokens: boolean;
}

/** Most chat messages in one request. */
export const MAX_CHAT_MESSAGES = 4096;

const T = GenerationTensor;
const CHAT_ROLES = new Set(['system', 'developer', 'user', 'assistant']);

function findInput(inputs: readonly Tensor[], name: string): Tensor | undefined {
  for (let i = 0; i < inputs.length; i++) if (inputs[i]!.name === name) return inputs[i];
  return undefined;
}

/** The one string of a BYTES input, or null when absent; its size checked against `maxBytes`. */
function readText(inputs: readonly Tensor[], name: string, maxBytes: number, model: string): string | null {
  const tensor = findInput(inputs, name);
  if (tensor === undefined) return null;
  const elements = decodeBytesElements(tensor.data, name);
  if (elements.length !== 1) {
    throw invalidArg(
      'ERR_GENERATION_INPUT',
      `Input '${name}' of model '${model}' must hold exactly 1 string: received ${elements.length}`,
    );
  }
  const bytes = elements[0]!;
  if (bytes.byteLength > maxBytes) {
    throw invalidArg(
      'ERR_PROMPT_TOO_LARGE',
      `Input '${name}' of model '${model}' has ${bytes.byteLength} bytes: at most ${maxBytes} are allowed (max_prompt_bytes)`,
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** The value of a BOOL input of one element, or `fallback` when absent. */
function readFlag(inputs: readonly Tensor[], name: string, fallback: boolean, model: string): boolean {
  const tensor = findInput(inputs, name);
  if (tensor === undefined) return fallback;
  if (tensor.data.byteLength !== 1) {
    throw invalidArg(
      'ERR_GENERATION_INPUT',
      `Input '${name}' of model '${model}' must hold exactly 1 boolean: received ${tensor.data.byteLength}`,
    );
  }
  return tensor.data[0] !== 0;
}

/** Reads the `messages` JSON text into chat messages. */
export function parseChatMessages(text: string, model: string): ChatMessage[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalidArg(
      'ERR_CHAT_MESSAGES',
      `Input 'messages' of model '${model}' is not valid JSON: ${(err as Error).message}`,
    );
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw invalidArg(
      'ERR_CHAT_MESSAGES',
      `Input 'messages' of model '${model}' must be a non-empty JSON array of {"role", "content"} objects`,
    );
  }
  if (parsed.length > MAX_CHAT_MESSAGES) {
    throw invalidArg(
      'ERR_CHAT_MESSAGES',
      `Input 'messages' of model '${model}' has ${parsed.length} messages: at most ${MAX_CHAT_MESSAGES} are allowed`,
    );
  }
  return parsed.map((m: unknown, i: number): ChatMessage => {
    const role = (m as { role?: unknown } | null)?.role;
    const content = (m as { content?: unknown } | null)?.content;
    if (typeof role !== 'string' || !CHAT_ROLES.has(role)) {
      throw invalidArg(
        'ERR_CHAT_MESSAGES',
        `messages[${i}].role must be one of ${[...CHAT_ROLES].map((r) => `"${r}"`).join(', ')}: received ${JSON.stringify(role) ?? 'nothing'}`,
      );
    }
    if (typeof content !== 'string') {
      throw invalidArg(
        'ERR_CHAT_MESSAGES',
        `messages[${i}].content must be a string: received ${content === null ? 'null' : Array.isArray(content) ? 'an array' : typeof content}`,
      );
    }
    return { role, content };
  });
}

/**
 * Reads `request` (already validated against the model's plan) for a model with `params` and
 * `contextLength` tokens per sequence.
 * @throws ServerError INVALID_ARG naming the input or parameter, the rule and the value
 */
export function readGenerationRequest(
  request: InferenceRequest,
  params: LlamaCppParameters,
  contextLength: number,
): GenerationRequest {
  const model = request.modelName;
  const inputs = request.inputs;
  const maxBytes = params.maxPromptBytes;
  const prompt = readText(inputs, T.TEXT_INPUT, maxBytes, model) ?? '';
  const messagesText = readText(inputs, T.MESSAGES, maxBytes, model);
  const messages = messagesText === null ? null : parseChatMessages(messagesText, model);
  if (messages !== null && prompt !== '') {
    throw invalidArg(
      'ERR_GENERATION_INPUT',
      `A request to model '${model}' gives both 'text_input' and 'messages': send one of them (text_input may be "" with messages)`,
    );
  }
  if (messages === null && prompt === '') {
    throw invalidArg(
      'ERR_EMPTY_PROMPT',
      `The prompt of model '${model}' is empty: 'text_input' must not be ""`,
    );
  }
  const stream = readFlag(inputs, T.STREAM, false, model);
  const excludeTensor = findInput(inputs, T.EXCLUDE_INPUT_IN_OUTPUT);
  const excludeInput = readFlag(inputs, T.EXCLUDE_INPUT_IN_OUTPUT, stream, model);
  if (stream && excludeTensor !== undefined && !excludeInput) {
    throw invalidArg(
      'ERR_GENERATION_INPUT',
      `When streaming, 'exclude_input_in_output' = false is not allowed (model '${model}')`,
    );
  }
  const samplingText = readText(inputs, T.SAMPLING_PARAMETERS, maxBytes, model);
  const sampling =
    samplingText !== null
      ? parseSamplingJson(samplingText, 'sampling_parameters', params.defaultSampling, params.stopLimits)
      : readSamplingParameters(
          request.parameters,
          'parameters',
          params.defaultSampling,
          params.stopLimits,
          true,
        );
  const maxTokens = sampling.maxTokens ?? params.defaultSampling.maxTokens ?? 16;
  if (maxTokens >= contextLength) {
    throw invalidArg(
      'ERR_MAX_TOKENS_TOO_LARGE',
      `max_tokens is ${maxTokens} but model '${model}' holds ${contextLength} tokens per sequence (prompt and output): ask for at most ${contextLength - 1}`,
    );
  }
  return {
    start: { prompt, messages, sampling, maxTokens },
    prompt,
    stream,
    excludeInput: messages !== null || excludeInput,
    returnFinishReason: readFlag(inputs, T.RETURN_FINISH_REASON, false, model),
    returnInputTokens: readFlag(inputs, T.RETURN_NUM_INPUT_TOKENS, false, model),
    returnOutputTokens: readFlag(inputs, T.RETURN_NUM_OUTPUT_TOKENS, false, model),
  };
}
