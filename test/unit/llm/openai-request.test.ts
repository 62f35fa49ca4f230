/**
 * Unit: OpenAI request bodies read into the generation model's tensors — the fields mapped onto
 * vLLM's sampling keys, chat content parts joined, and what this server cannot honour refused with
 * OpenAI's error shape naming the `param` — and the error table from Triton statuses.
 */
import { describe, expect, it } from 'vitest';
import { ServerError } from '../../../src/common/errors.js';
import {
  OPENAI_ERROR_BY_STATUS,
  OpenAiEndpoint,
  openAiErrorBody,
  openAiInputs,
  parseOpenAiRequest,
} from '../../../src/frontends/openai/index.js';
import { decodeBytesStrings } from '../../../src/protocol/index.js';

function parse(body: unknown, endpoint: OpenAiEndpoint = OpenAiEndpoint.COMPLETIONS) {
  return parseOpenAiRequest(Buffer.from(JSON.stringify(body)), endpoint);
}

function paramOf(body: unknown, endpoint: OpenAiEndpoint = OpenAiEndpoint.COMPLETIONS): string | null {
  try {
    parse(body, endpoint);
  } catch (err) {
    return openAiErrorBody(err).error.param;
  }
  return 'accepted';
}

describe('OpenAI requests', () => {
  it('maps a completion request onto the prompt, the stream flag and vLLM sampling keys', () => {
    const r = parse({
      model: 'stories',
      prompt: ['Once'],
      max_tokens: 7,
      temperature: 0,
      top_p: 0.5,
      seed: 3,
      stop: 'x',
      presence_penalty: 1,
      stream: true,
      stream_options: { include_usage: true },
      top_k: 5,
      user: 'ignored',
    });
    expect(r).toMatchObject({
      model: 'stories',
      prompt: 'Once',
      stream: true,
      includeUsage: true,
      echo: false,
    });
    expect(r.sampling).toEqual({
      max_tokens: 7,
      temperature: 0,
      top_p: 0.5,
      seed: 3,
      stop: ['x'],
      presence_penalty: 1,
      top_k: 5,
    });
    const inputs = openAiInputs(r);
    expect(inputs.map((t) => t.name)).toEqual([
      'text_input',
      'stream',
      'sampling_parameters',
      'exclude_input_in_output',
      'return_finish_reason',
      'return_num_input_tokens',
      'return_num_output_tokens',
    ]);
    expect(JSON.parse(decodeBytesStrings(inputs[2]!.data)[0]!)).toEqual(r.sampling);
  });

  it('reads chat messages, joining text content parts, and prefers max_completion_tokens', () => {
    const r = parse(
      {
        model: 'm',
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Hi ' },
              { type: 'text', text: 'there' },
            ],
          },
        ],
        max_tokens: 3,
        max_completion_tokens: 9,
      },
      OpenAiEndpoint.CHAT,
    );
    expect(r.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi there' },
    ]);
    expect(r.sampling.max_tokens).toBe(9);
    expect(
      openAiInputs(r)
        .map((t) => t.name)
        .slice(0, 2),
    ).toEqual(['text_input', 'messages']);
  });

  it('refuses what it cannot honour, naming the param', () => {
    const cases: [unknown, string, OpenAiEndpoint?][] = [
      [{ prompt: 'x' }, 'model'],
      [{ model: 'm' }, 'prompt'],
      [{ model: 'm', prompt: 'x', n: 2 }, 'n'],
      [{ model: 'm', prompt: [1, 2] }, 'prompt'],
      [{ model: 'm', prompt: ['a', 'b'] }, 'prompt'],
      [{ model: 'm', prompt: 'x', logprobs: 2 }, 'logprobs'],
      [{ model: 'm', prompt: 'x', suffix: 'y' }, 'suffix'],
      [{ model: 'm', prompt: 'x', temperature: 3 }, 'temperature'],
      [{ model: 'm', prompt: 'x', max_tokens: 0 }, 'max_tokens'],
      [{ model: 'm', prompt: 'x', stream_options: { include_usage: true } }, 'stream_options'],
      [{ model: 'm', prompt: 'x', echo: true, stream: true }, 'echo'],
      [{ model: 'm', prompt: 'x', stop: [1] }, 'stop'],
      [{ model: 'm', messages: [] }, 'messages', OpenAiEndpoint.CHAT],
      [{ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages', OpenAiEndpoint.CHAT],
      [
        { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url' }] }] },
        'messages',
        OpenAiEndpoint.CHAT,
      ],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{}] }, 'tools', OpenAiEndpoint.CHAT],
      [
        { model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } },
        'response_format',
        OpenAiEndpoint.CHAT,
      ],
    ];
    for (const [body, param, endpoint] of cases)
      expect(paramOf(body, endpoint), JSON.stringify(body)).toBe(param);
    expect(() => parseOpenAiRequest(Buffer.from('{'), OpenAiEndpoint.CHAT)).toThrow('not valid JSON');
  });

  it("puts errors in OpenAI's shape with a status and type for every Triton status", () => {
    expect(
      openAiErrorBody(new ServerError('NOT_FOUND', 'ERR_UNKNOWN_MODEL', "Request for unknown model: 'x'")),
    ).toEqual({
      error: {
        message: "Request for unknown model: 'x'",
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    });
    expect(
      openAiErrorBody(new ServerError('INVALID_ARG', 'ERR_PROMPT_TOO_LONG', 'long'), 'messages').error,
    ).toMatchObject({
      param: 'messages',
      code: 'context_length_exceeded',
    });
    expect(OPENAI_ERROR_BY_STATUS.UNAVAILABLE.http).toBe(503);
    expect(Object.keys(OPENAI_ERROR_BY_STATUS).sort()).toEqual([
      'ALREADY_EXISTS',
      'CANCELLED',
      'INTERNAL',
      'INVALID_ARG',
      'NOT_FOUND',
      'UNAVAILABLE',
      'UNKNOWN',
      'UNSUPPORTED',
    ]);
  });
});
