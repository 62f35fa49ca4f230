/**
 * E2E: the OpenAI-compatible API with the real `openai` npm client pointed at the server's `/v1`:
 * model listing, completions and chat completions, streamed (chunks in order, finish_reason, the
 * usage chunk of stream_options.include_usage, [DONE]) and not, greedy output equal to the
 * Triton endpoint's, echo and seeds, and OpenAI's error shape for what is refused.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HttpClient } from '../../../src/client/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import {
  describeWithGguf,
  inProcessGreedy,
  type LlmRepository,
  llamaConfig,
  openAiRefusal,
  writeLlmRepository,
} from './llm-fixtures.js';

let repo: LlmRepository;
let t: TestServer;
let openai: OpenAI;
let reference: string;
const PROMPT = 'Once upon a time';
const MESSAGES = [
  { role: 'system' as const, content: 'You tell stories.' },
  { role: 'user' as const, content: 'Tell me about a cat.' },
];

describeWithGguf('the OpenAI-compatible API with the openai client', () => {
  beforeAll(async () => {
    repo = writeLlmRepository(
      { stories: { config: llamaConfig({ max_num_seqs: 4, context_length: 256 }) } },
      ['simple'],
    );
    t = await startTestServer({ modelRepositories: [repo.dir] });
    openai = new OpenAI({ baseURL: `${t.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
    [reference] = await inProcessGreedy([PROMPT], 12);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    repo?.remove();
  });

  it('lists the ready generation models only', async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['stories']);
    expect((await openai.models.retrieve('stories')).id).toBe('stories');
    const missing = await openAiRefusal(openai.models.retrieve('simple'));
    expect(missing).toMatchObject({ status: 404, error: { code: 'model_not_found' } });
  });

  it('completes a prompt greedily with usage, as in-process node-llama-cpp does', async () => {
    const c = await openai.completions.create({
      model: 'stories',
      prompt: PROMPT,
      max_tokens: 12,
      temperature: 0,
    });
    expect(c.object).toBe('text_completion');
    expect(c.choices).toEqual([{ index: 0, text: reference, logprobs: null, finish_reason: 'length' }]);
    expect(c.usage).toEqual({ prompt_tokens: 5, completion_tokens: 12, total_tokens: 17 });
    const echoed = await openai.completions.create({
      model: 'stories',
      prompt: PROMPT,
      max_tokens: 12,
      temperature: 0,
      echo: true,
    });
    expect(echoed.choices[0]!.text).toBe(PROMPT + reference);
  });

  it('streams a completion as one chunk per token in order, then finish_reason, usage and [DONE]', async () => {
    const stream = await openai.completions.create({
      model: 'stories',
      prompt: PROMPT,
      max_tokens: 12,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const texts = chunks.flatMap((c) => c.choices.map((ch) => ch.text));
    expect(texts.join('')).toBe(reference);
    expect(texts.filter((x) => x !== '').length).toBeGreaterThanOrEqual(8);
    const reasons = chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason));
    expect(reasons.filter((r) => r !== null)).toEqual(['length']);
    expect(reasons.at(-1)).toBe('length');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 5, completion_tokens: 12, total_tokens: 17 });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('answers chat completions with the default chat template, streamed and not, with the same text', async () => {
    const chat = await openai.chat.completions.create({
      model: 'stories',
      messages: MESSAGES,
      max_tokens: 10,
      temperature: 0,
    });
    expect(chat.object).toBe('chat.completion');
    const content = chat.choices[0]!.message.content!;
    expect(content.length).toBeGreaterThan(0);
    expect(chat.choices[0]!.message.role).toBe('assistant');
    expect(chat.usage!.prompt_tokens).toBeGreaterThan(10);
    const stream = await openai.chat.completions.create({
      model: 'stories',
      messages: MESSAGES,
      max_tokens: 10,
      temperature: 0,
      stream: true,
    });
    const deltas = [];
    for await (const chunk of stream) deltas.push(...chunk.choices);
    expect(deltas[0]!.delta.role).toBe('assistant');
    expect(deltas.map((d) => d.delta.content ?? '').join('')).toBe(content);
    expect(deltas.at(-1)!.finish_reason).toBe(chat.choices[0]!.finish_reason);
  });

  it('gives the same sampled text for the same seed', async () => {
    const body = { model: 'stories', prompt: 'The dog', max_tokens: 12, temperature: 1, seed: 42 };
    const a = await openai.completions.create(body);
    const b = await openai.completions.create(body);
    expect(a.choices[0]!.text).toBe(b.choices[0]!.text);
  });

  it("refuses n > 1, unknown or non-generation models and prompts beyond the context in OpenAI's error shape", async () => {
    expect(
      await openAiRefusal(openai.completions.create({ model: 'stories', prompt: 'x', n: 2 })),
    ).toMatchObject({
      status: 400,
      error: { type: 'invalid_request_error', param: 'n', code: null },
    });
    expect(await openAiRefusal(openai.completions.create({ model: 'nope', prompt: 'x' }))).toMatchObject({
      status: 404,
      error: { param: 'model', code: 'model_not_found' },
    });
    expect(await openAiRefusal(openai.completions.create({ model: 'simple', prompt: 'x' }))).toMatchObject({
      status: 400,
      error: { message: expect.stringContaining("Model 'simple' is not a generation model") },
    });
    const long = await openAiRefusal(
      openai.chat.completions.create({
        model: 'stories',
        messages: [{ role: 'user', content: 'a cat sat '.repeat(200) }],
        stream: true,
      }),
    );
    expect(long).toMatchObject({
      status: 400,
      error: { param: 'messages', code: 'context_length_exceeded' },
    });
    expect(long.error.message).toMatch(
      /The prompt has \d+ tokens but model 'stories' holds 256 tokens per sequence/,
    );
    const raw = await fetch(`${t.baseUrl}/v1/chat/completions`, { method: 'POST', body: '{"model": 1}' });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({
      error: {
        message: "'model' must be a non-empty string: received number",
        type: 'invalid_request_error',
        param: 'model',
        code: null,
      },
    });
    const unknown = await fetch(`${t.baseUrl}/v1/embeddings`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatchObject({
      message:
        "Unknown OpenAI endpoint '/v1/embeddings': served are /v1/models, /v1/completions, /v1/chat/completions",
      type: 'invalid_request_error',
    });
    // Still serving.
    const http = new HttpClient(t.baseUrl);
    expect(await http.isModelReady('stories')).toBe(true);
    await http.close();
  });
});
