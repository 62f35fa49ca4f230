/**
 * Unit: reading a llama.cpp model's config — its parameters with their defaults and path + value
 * errors, the sampling parameters (request JSON, request parameters, config defaults) with their
 * bounds, and the vLLM-style completion of a config that lists no tensors.
 */
import { describe, expect, it } from 'vitest';
import {
  completeLlamaCppConfig,
  DEFAULT_MAX_TOKENS,
  DEFAULT_SAMPLING_PARAMETERS,
  normalizeModelConfig,
  parseModelConfig,
  parseSamplingJson,
  readSamplingParameters,
  resolveLlamaCppParameters,
  validateModelConfig,
} from '../../../src/config/index.js';

const LIMITS = { maxStopStrings: 2, maxStopStringBytes: 8 };

function configOf(text: string) {
  const parsed = parseModelConfig(`name: "m"\nbackend: "llamacpp"\n${text}`);
  return validateModelConfig(normalizeModelConfig(completeLlamaCppConfig(parsed), { modelName: 'm' }), {
    modelName: 'm',
  });
}

function param(key: string, value: string): string {
  return `parameters { key: "${key}" value { string_value: ${JSON.stringify(value)} } }`;
}

describe('llama.cpp config', () => {
  it('completes a config that lists no tensors with the vLLM interface, decoupled and without batching', () => {
    const config = configOf('max_batch_size: 8');
    expect(config.input.map((i) => [i.name, i.data_type, i.optional])).toEqual([
      ['text_input', 'TYPE_STRING', false],
      ['messages', 'TYPE_STRING', true],
      ['stream', 'TYPE_BOOL', true],
      ['sampling_parameters', 'TYPE_STRING', true],
      ['exclude_input_in_output', 'TYPE_BOOL', true],
      ['return_finish_reason', 'TYPE_BOOL', true],
      ['return_num_input_tokens', 'TYPE_BOOL', true],
      ['return_num_output_tokens', 'TYPE_BOOL', true],
    ]);
    expect(config.output.map((o) => o.name)).toEqual([
      'text_output',
      'finish_reason',
      'num_input_tokens',
      'num_output_tokens',
    ]);
    expect(config.model_transaction_policy.decoupled).toBe(true);
    expect(config.max_batch_size).toBe(0);
  });

  it('defaults the parameters: context from the model, 8 slots, 1 thread, 256-token prefill chunks, greedy off', () => {
    const p = resolveLlamaCppParameters(configOf(''));
    expect(p).toMatchObject({
      contextLength: 0,
      maxNumSeqs: 8,
      threads: 1,
      prefillChunkTokens: 256,
      gpuLayers: 0,
      cpuFallback: false,
      maxPromptBytes: 1024 * 1024,
      stopLimits: { maxStopStrings: 16, maxStopStringBytes: 256 },
    });
    expect(p.defaultSampling).toEqual({ ...DEFAULT_SAMPLING_PARAMETERS, maxTokens: DEFAULT_MAX_TOKENS });
    expect(resolveLlamaCppParameters(configOf('instance_group [ { kind: KIND_GPU } ]')).gpuLayers).toBe(-1);
  });

  it('reads every parameter and names the parameter and the value when one is wrong', () => {
    const p = resolveLlamaCppParameters(
      configOf(
        [
          param('context_length', '512'),
          param('max_num_seqs', '32'),
          param('threads', '2'),
          param('prefill_chunk_tokens', '64'),
          param('gpu_layers', 'max'),
          param('nereid.cpu_fallback', 'true'),
          param('default_sampling_parameters', '{"temperature": 0, "max_tokens": 40}'),
          param('max_prompt_bytes', '1000'),
          param('max_stop_strings', '3'),
          param('max_stop_string_bytes', '10'),
        ].join('\n'),
      ),
    );
    expect(p).toMatchObject({
      contextLength: 512,
      maxNumSeqs: 32,
      threads: 2,
      prefillChunkTokens: 64,
      gpuLayers: -1,
      cpuFallback: true,
      maxPromptBytes: 1000,
      stopLimits: { maxStopStrings: 3, maxStopStringBytes: 10 },
    });
    expect(p.defaultSampling).toMatchObject({ temperature: 0, maxTokens: 40 });
    const bad: [string, string, string][] = [
      [
        'max_num_seqs',
        '0',
        'parameters["max_num_seqs"] of model "m" must be an integer in [1, 256]: received "0"',
      ],
      ['threads', 'two', 'parameters["threads"] of model "m" must be an integer in [1, 256]: received "two"'],
      [
        'context_length',
        '-5',
        'parameters["context_length"] of model "m" must be an integer in [0, 131072]: received "-5"',
      ],
      ['prefill_chunk_tokens', '9000', 'must be an integer in [1, 8192]: received "9000"'],
      [
        'nereid.cpu_fallback',
        'maybe',
        'parameters["nereid.cpu_fallback"] of model "m" must be "true" or "false"',
      ],
      [
        'default_sampling_parameters',
        '{"temperature": -1}',
        '.temperature must be a number in [0, 100]: received -1',
      ],
      ['default_sampling_parameters', 'nope', 'is not valid JSON'],
    ];
    for (const [key, value, message] of bad) {
      expect(() => resolveLlamaCppParameters(configOf(param(key, value))), key).toThrow(message);
    }
  });
});

describe('sampling parameters', () => {
  it('reads vLLM keys from JSON, numbers also as strings, over the defaults', () => {
    const s = parseSamplingJson(
      '{"temperature": "0.5", "top_p": 0.9, "top_k": -1, "min_p": 0.1, "seed": 7, "max_tokens": "12", "stop": "x", "ignore_eos": "true", "n": 1, "presence_penalty": 1.5}',
      'sampling_parameters',
      DEFAULT_SAMPLING_PARAMETERS,
      LIMITS,
    );
    expect(s).toMatchObject({
      temperature: 0.5,
      topP: 0.9,
      topK: 0,
      minP: 0.1,
      seed: 7,
      maxTokens: 12,
      stop: ['x'],
      ignoreEos: true,
      presencePenalty: 1.5,
      frequencyPenalty: 0,
    });
  });

  it('refuses unknown and unsupported keys, wrong types and values out of range, naming the key and the value', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ beam: 1 }, 'sampling_parameters has an unknown key "beam": supported are temperature, top_p'],
      [{ logprobs: 2 }, 'sampling_parameters.logprobs is not supported by the llama.cpp backend'],
      [
        { temperature: 'hot' },
        'sampling_parameters.temperature must be a number in [0, 100]: received "hot"',
      ],
      [{ top_p: 0 }, 'sampling_parameters.top_p must be a number in (0, 1]: received 0'],
      [{ max_tokens: 1.5 }, 'sampling_parameters.max_tokens must be an integer >= 1: received 1.5'],
      [{ seed: -1 }, 'sampling_parameters.seed must be an integer in [0, 4294967295]: received -1'],
      [{ ignore_eos: 1 }, 'sampling_parameters.ignore_eos must be a boolean: received 1'],
      [{ n: 3 }, 'sampling_parameters.n must be 1'],
      [{ stop: [1] }, 'sampling_parameters.stop must be a string or an array of strings: received [1]'],
      [
        { stop: ['a', 'b', 'c'] },
        'sampling_parameters.stop has 3 strings: at most 2 are allowed (max_stop_strings)',
      ],
      [
        { stop: ['123456789'] },
        'sampling_parameters.stop has a string of 9 bytes: at most 8 bytes are allowed',
      ],
    ];
    for (const [value, message] of cases) {
      expect(() =>
        readSamplingParameters(value, 'sampling_parameters', DEFAULT_SAMPLING_PARAMETERS, LIMITS),
      ).toThrow(message);
    }
    expect(() => parseSamplingJson('[]', 'sampling_parameters', DEFAULT_SAMPLING_PARAMETERS, LIMITS)).toThrow(
      'sampling_parameters must be a JSON object: received an array',
    );
  });

  it("skips Triton's reserved request parameters when the request parameters stand in for sampling_parameters", () => {
    const s = readSamplingParameters(
      { priority: 1, timeout: 5, triton_enable_empty_final_response: true, temperature: 0 },
      'parameters',
      DEFAULT_SAMPLING_PARAMETERS,
      LIMITS,
      true,
    );
    expect(s.temperature).toBe(0);
  });
});
