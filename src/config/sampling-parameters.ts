/**
 * Sampling parameters of a generation request in the shape of Triton's vLLM backend: a JSON object
 * (the `sampling_parameters` input, or the request parameters, or a model's
 * `default_sampling_parameters`) read into a frozen SamplingParameters with each field checked.
 * Numbers may come as numeric strings and booleans as "true"/"false", since Triton's LLM tutorials
 * send them so. Unknown keys and vLLM keys this server cannot honour are errors that list what is
 * accepted. It samples nothing; the llama.cpp worker does.
 */
import { invalidArg, type ServerError } from '../common/index.js';
import { RESERVED_REQUEST_PARAMETERS } from '../protocol/index.js';

/** Error code of every bad sampling parameter. */
export const ERR_SAMPLING_PARAMETERS = 'ERR_SAMPLING_PARAMETERS';

/** Sampling parameters after defaulting and checking. */
export interface SamplingParameters {
  /** Softmax temperature, >= 0; 0 samples greedily (the most likely token). Default 1 (vLLM's). */
  readonly temperature: number;
  /** Nucleus sampling: smallest token set whose probability reaches it, in (0, 1]. Default 1 (off). */
  readonly topP: number;
  /** Keep only the K most likely tokens; 0 = off (vLLM's -1 is read as 0). Default 0. */
  readonly topK: number;
  /** Drop tokens less likely than min_p times the most likely one, in [0, 1]. Default 0 (off). */
  readonly minP: number;
  /** Seed of the request's random generator (0 .. 2^32-1), or null for a time-based one. Default null. */
  readonly seed: number | null;
  /** Tokens to generate at most, >= 1; null = the model's default. Default null. */
  readonly maxTokens: number | null;
  /** Strings that end the generation when produced (not included in the output unless asked). Default none. */
  readonly stop: readonly string[];
  /** Keep generating after an end-of-generation token. Default false. */
  readonly ignoreEos: boolean;
  /** Include the stop string that ended the generation in the output. Default false. */
  readonly includeStopStrInOutput: boolean;
  /** Penalty on tokens already generated, > 0 (1 = off). Default 1. */
  readonly repetitionPenalty: number;
  /** Subtracted from the logit of each token already generated, in [-2, 2]. Default 0. */
  readonly presencePenalty: number;
  /** Subtracted per occurrence of each token already generated, in [-2, 2]. Default 0. */
  readonly frequencyPenalty: number;
}

/** Bounds a client may not exceed with its stop strings. */
export interface StopLimits {
  /** Most stop strings per request. */
  readonly maxStopStrings: number;
  /** Longest stop string in UTF-8 bytes. */
  readonly maxStopStringBytes: number;
}

/** vLLM's defaults (temperature 1, every filter off, no seed, no stop). */
export const DEFAULT_SAMPLING_PARAMETERS: SamplingParameters = Object.freeze({
  temperature: 1,
  topP: 1,
  topK: 0,
  minP: 0,
  seed: null,
  maxTokens: null,
  stop: Object.freeze([]) as readonly string[],
  ignoreEos: false,
  includeStopStrInOutput: false,
  repetitionPenalty: 1,
  presencePenalty: 0,
  frequencyPenalty: 0,
});

/** The keys read, in the order they are listed in messages. */
export const SAMPLING_PARAMETER_KEYS: readonly string[] = Object.freeze([
  'temperature',
  'top_p',
  'top_k',
  'min_p',
  'seed',
  'max_tokens',
  'stop',
  'ignore_eos',
  'include_stop_str_in_output',
  'repetition_penalty',
  'presence_penalty',
  'frequency_penalty',
  'n',
]);

/** vLLM sampling keys that name a feature this backend does not have. */
const UNSUPPORTED_KEYS = new Set([
  'best_of',
  'use_beam_search',
  'logprobs',
  'prompt_logprobs',
  'min_tokens',
  'stop_token_ids',
  'bad_words',
  'logit_bias',
  'allowed_token_ids',
  'lora_name',
  'guided_decoding',
  'structured_outputs',
  'truncate_prompt_tokens',
  'skip_special_tokens',
  'spaces_between_special_tokens',
  'detokenize',
  'length_penalty',
  'early_stopping',
  'logits_processors',
  'output_kind',
]);

/** Whether request parameter `key` is Triton's or Nereid's own rather than a sampling parameter. */
export function isReservedRequestParameter(key: string): boolean {
  return RESERVED_REQUEST_PARAMETERS.has(key) || key.startsWith('triton_') || key.startsWith('nereid.');
}

function fail(where: string, key: string, rule: string, value: unknown): ServerError {
  return invalidArg(
    ERR_SAMPLING_PARAMETERS,
    `${where}.${key} must be ${rule}: received ${JSON.stringify(value) ?? String(value)}`,
  );
}

/** A number, or a string that is one (Triton's tutorials send "0.8"). NaN when neither. */
function numberOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

/** A number in [min, max] (an integer when `integer`), else an error naming the rule. */
function readNumber(
  where: string,
  key: string,
  value: unknown,
  min: number,
  max: number,
  rule: string,
  integer = false,
): number {
  const n = numberOf(value);
  const ok = integer ? Number.isInteger(n) : Number.isFinite(n);
  if (!ok || n < min || n > max) throw fail(where, key, rule, value);
  return n;
}

function readBoolean(where: string, key: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw fail(where, key, 'a boolean', value);
}

function readStop(where: string, value: unknown, limits: StopLimits): readonly string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
    throw fail(where, 'stop', 'a string or an array of strings', value);
  }
  if (list.length > limits.maxStopStrings) {
    throw invalidArg(
      ERR_SAMPLING_PARAMETERS,
      `${where}.stop has ${list.length} strings: at most ${limits.maxStopStrings} are allowed (max_stop_strings)`,
    );
  }
  for (const s of list as string[]) {
    if (s === '') throw fail(where, 'stop', 'a list of non-empty strings', value);
    const bytes = Buffer.byteLength(s);
    if (bytes > limits.maxStopStringBytes) {
      throw invalidArg(
        ERR_SAMPLING_PARAMETERS,
        `${where}.stop has a string of ${bytes} bytes: at most ${limits.maxStopStringBytes} bytes are allowed (max_stop_string_bytes)`,
      );
    }
  }
  return Object.freeze([...(list as string[])]);
}

/**
 * Reads the sampling parameters in `source` over `defaults`. `where` prefixes messages
 * (`sampling_parameters`, `parameters["default_sampling_parameters"]`). With `skipReserved`,
 * Triton's reserved request parameters are ignored instead of refused. A null value keeps the default.
 * @throws ServerError INVALID_ARG (ERR_SAMPLING_PARAMETERS) naming the key, the rule and the value
 */
export function readSamplingParameters(
  source: Readonly<Record<string, unknown>>,
  where: string,
  defaults: SamplingParameters,
  limits: StopLimits,
  skipReserved = false,
): SamplingParameters {
  const out = { ...defaults } as { -readonly [K in keyof SamplingParameters]: SamplingParameters[K] };
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === null || value === undefined) continue;
    switch (key) {
      case 'temperature':
        out.temperature = readNumber(where, key, value, 0, 100, 'a number in [0, 100]');
        break;
      case 'top_p':
        out.topP = readNumber(where, key, value, Number.MIN_VALUE, 1, 'a number in (0, 1]');
        break;
      case 'top_k': {
        const k = readNumber(
          where,
          key,
          value,
          -1,
          2 ** 31 - 1,
          'an integer >= -1 (-1 and 0 turn it off)',
          true,
        );
        out.topK = Math.max(0, k);
        break;
      }
      case 'min_p':
        out.minP = readNumber(where, key, value, 0, 1, 'a number in [0, 1]');
        break;
      case 'seed':
        out.seed = readNumber(where, key, value, 0, 2 ** 32 - 1, 'an integer in [0, 4294967295]', true);
        break;
      case 'max_tokens':
        out.maxTokens = readNumber(where, key, value, 1, 2 ** 31 - 1, 'an integer >= 1', true);
        break;
      case 'stop':
        out.stop = readStop(where, value, limits);
        break;
      case 'ignore_eos':
        out.ignoreEos = readBoolean(where, key, value);
        break;
      case 'include_stop_str_in_output':
        out.includeStopStrInOutput = readBoolean(where, key, value);
        break;
      case 'repetition_penalty':
        out.repetitionPenalty = readNumber(where, key, value, Number.MIN_VALUE, 100, 'a number in (0, 100]');
        break;
      case 'presence_penalty':
        out.presencePenalty = readNumber(where, key, value, -2, 2, 'a number in [-2, 2]');
        break;
      case 'frequency_penalty':
        out.frequencyPenalty = readNumber(where, key, value, -2, 2, 'a number in [-2, 2]');
        break;
      case 'n':
        if (numberOf(value) !== 1) {
          throw fail(where, key, '1 (one completion per request; send n requests instead)', value);
        }
        break;
      default:
        if (skipReserved && isReservedRequestParameter(key)) break;
        if (UNSUPPORTED_KEYS.has(key)) {
          throw invalidArg(
            ERR_SAMPLING_PARAMETERS,
            `${where}.${key} is not supported by the llama.cpp backend: supported are ${SAMPLING_PARAMETER_KEYS.join(', ')}`,
          );
        }
        throw invalidArg(
          ERR_SAMPLING_PARAMETERS,
          `${where} has an unknown key ${JSON.stringify(key)}: supported are ${SAMPLING_PARAMETER_KEYS.join(', ')}`,
        );
    }
  }
  return Object.freeze(out);
}

/**
 * Reads sampling parameters from JSON text (the `sampling_parameters` input, a config parameter).
 * @throws ServerError INVALID_ARG when the text is not a JSON object or a value breaks its rule
 */
export function parseSamplingJson(
  text: string,
  where: string,
  defaults: SamplingParameters,
  limits: StopLimits,
): SamplingParameters {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalidArg(ERR_SAMPLING_PARAMETERS, `${where} is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidArg(
      ERR_SAMPLING_PARAMETERS,
      `${where} must be a JSON object: received ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}`,
    );
  }
  return readSamplingParameters(parsed as Record<string, unknown>, where, defaults, limits);
}

/** Whether two requests with these parameters produce the same text from the same prompt (cacheable). */
export function isDeterministic(sampling: SamplingParameters): boolean {
  return sampling.temperature === 0 || sampling.seed !== null;
}
