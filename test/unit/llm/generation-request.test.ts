/**
 * Unit: a generation request's tensors read as Triton's vLLM backend reads them (the prompt is
 * prepended unless streaming, sampling from the `sampling_parameters` input or else the request
 * parameters over the model's defaults) and the bounds checked before queueing (prompt bytes,
 * max_tokens against the context, chat messages).
 */
import { describe, expect, it } from 'vitest';
import {
  completeLlamaCppConfig,
  normalizeModelConfig,
  parseModelConfig,
  resolveLlamaCppParameters,
} from '../../../src/config/index.js';
import {
  MAX_CHAT_MESSAGES,
  parseChatMessages,
  readGenerationRequest,
} from '../../../src/core/generation/index.js';
import { InferenceRequest } from '../../../src/core/inference-request.js';
import { encodeBytesElements } from '../../../src/protocol/bytes-tensor.js';
import type { Parameters, Tensor } from '../../../src/protocol/tensor.js';

const params = resolveLlamaCppParameters(
  normalizeModelConfig(
    completeLlamaCppConfig(
      parseModelConfig(
        'name: "m"\nbackend: "llamacpp"\nparameters { key: "default_sampling_parameters" value { string_value: "{\\"max_tokens\\": 5, \\"temperature\\": 0.5}" } }\nparameters { key: "max_prompt_bytes" value { string_value: "64" } }',
      ),
    ),
    { modelName: 'm' },
  ),
);

function text(name: string, value: string): Tensor {
  return { name, datatype: 'BYTES', shape: [1], data: encodeBytesElements([value]) };
}

function flag(name: string, value: boolean): Tensor {
  return { name, datatype: 'BOOL', shape: [1], data: Uint8Array.of(value ? 1 : 0) };
}

function read(inputs: Tensor[], parameters: Parameters = {}) {
  const request = new InferenceRequest({
    modelName: 'm',
    inputs,
    parameters,
    sink: { onResponse() {}, onError() {} },
  });
  return readGenerationRequest(request, params, 64);
}

describe('readGenerationRequest', () => {
  it("prepends the prompt unless streaming, as vLLM's backend does, and takes the model's sampling defaults", () => {
    const plain = read([text('text_input', 'Hi')]);
    expect(plain).toMatchObject({ prompt: 'Hi', stream: false, excludeInput: false });
    expect(plain.start).toMatchObject({ maxTokens: 5, sampling: { temperature: 0.5 } });
    expect(read([text('text_input', 'Hi'), flag('stream', true)])).toMatchObject({
      stream: true,
      excludeInput: true,
    });
    expect(read([text('text_input', 'Hi'), flag('exclude_input_in_output', true)]).excludeInput).toBe(true);
  });

  it('reads sampling from the sampling_parameters input, else from the request parameters', () => {
    expect(
      read([text('text_input', 'Hi'), text('sampling_parameters', '{"max_tokens": 9}')]).start.maxTokens,
    ).toBe(9);
    expect(read([text('text_input', 'Hi')], { max_tokens: 7, priority: 1 }).start.maxTokens).toBe(7);
  });

  it('refuses a prompt over max_prompt_bytes, max_tokens that leaves no room, and both a prompt and messages', () => {
    expect(() => read([text('text_input', 'x'.repeat(65))])).toThrow(
      "Input 'text_input' of model 'm' has 65 bytes: at most 64 are allowed (max_prompt_bytes)",
    );
    expect(() => read([text('text_input', 'Hi')], { max_tokens: 64 })).toThrow(
      "max_tokens is 64 but model 'm' holds 64 tokens per sequence (prompt and output): ask for at most 63",
    );
    expect(() =>
      read([text('text_input', 'Hi'), text('messages', '[{"role":"user","content":"x"}]')]),
    ).toThrow("gives both 'text_input' and 'messages'");
    const chat = read([text('text_input', ''), text('messages', '[{"role":"user","content":"x"}]')]);
    expect(chat.start.messages).toEqual([{ role: 'user', content: 'x' }]);
    expect(chat.excludeInput).toBe(true);
  });

  it('bounds and checks chat messages', () => {
    const many = JSON.stringify(
      Array.from({ length: MAX_CHAT_MESSAGES + 1 }, () => ({ role: 'user', content: '' })),
    );
    expect(() => parseChatMessages(many, 'm')).toThrow(
      `has ${MAX_CHAT_MESSAGES + 1} messages: at most ${MAX_CHAT_MESSAGES}`,
    );
    expect(() => parseChatMessages('[{"role":"tool","content":"x"}]', 'm')).toThrow(
      'messages[0].role must be one of',
    );
    expect(() => parseChatMessages('[{"role":"user","content":[1]}]', 'm')).toThrow(
      'messages[0].content must be a string: received an array',
    );
    expect(() => parseChatMessages('{}', 'm')).toThrow('must be a non-empty JSON array');
  });
});
