/**
 * E2E: a real GGUF model (stories260K) behind Triton's generate and generate_stream endpoints with
 * the vLLM tensor interface: greedy output equal to in-process node-llama-cpp, one SSE event per
 * token in order, 32 concurrent streams each equal to their solo output (continuous batching
 * changes no result), chunked prefill of a long prompt, stop strings, the return_* outputs, the
 * bounds and bad input answered with 400 and both token counts, and a cached greedy stream
 * replayed token by token.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type GenerateEvent, HttpClient, InferenceServerError } from '../../../src/client/index.js';
import { LocalLruCache } from '../../../src/core/cache/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import {
  describeWithGguf,
  inProcessGreedy,
  type LlmRepository,
  llamaConfig,
  writeLlmRepository,
} from './llm-fixtures.js';

const PROMPTS = [
  'Once upon a time',
  'The cat',
  'Lily and Tom went to the park',
  'One day, a big dog',
  'The sun was',
  'Tim had a red ball',
  'There was a little bird',
  'Mom said',
];
const MAX_TOKENS = 24;

let repo: LlmRepository;
let t: TestServer;
let client: HttpClient;
/** In-process greedy continuations of PROMPTS, then of the long prompt. */
let reference: string[];
const LONG_PROMPT = 'Once upon a time, there was a little girl named Lily. '.repeat(12).trim();

async function streamTexts(model: string, body: Record<string, unknown>): Promise<string[]> {
  const texts: string[] = [];
  for await (const event of client.generateStream(model, body))
    texts.push((event as GenerateEvent).text_output as string);
  return texts;
}

async function generateError(model: string, body: Record<string, unknown>): Promise<InferenceServerError> {
  try {
    await client.generate(model, body);
  } catch (err) {
    if (err instanceof InferenceServerError) return err;
    throw err;
  }
  throw new Error('the request succeeded');
}

describeWithGguf('llama.cpp generation over Triton generate and generate_stream', () => {
  beforeAll(async () => {
    repo = writeLlmRepository({
      stories: {
        config: llamaConfig({
          max_num_seqs: 32,
          context_length: 256,
          prefill_chunk_tokens: 16,
          max_stop_strings: 4,
          max_prompt_bytes: 4096,
          default_sampling_parameters: '{"temperature": 0}',
        }),
      },
      stories_cached: {
        config: llamaConfig(
          { max_num_seqs: 4, context_length: 128, default_sampling_parameters: '{"temperature": 0}' },
          'response_cache { enable: true }',
        ),
      },
    });
    t = await startTestServer({
      modelRepositories: [repo.dir],
      cache: new LocalLruCache({ sizeBytes: 1 << 20 }),
    });
    client = new HttpClient(t.baseUrl);
    reference = await inProcessGreedy([...PROMPTS, LONG_PROMPT], MAX_TOKENS);
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await t?.close();
    repo?.remove();
  });

  it('generate answers the prompt followed by the greedy continuation in-process node-llama-cpp decodes', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await client.generate('stories', {
        text_input: PROMPTS[i],
        parameters: { max_tokens: MAX_TOKENS },
      });
      expect(answer.text_output).toBe(PROMPTS[i] + reference[i]);
      expect(reference[i]!.length).toBeGreaterThan(20);
    }
  });

  it('generate_stream sends one event per token, in order, whose texts join into the greedy continuation', async () => {
    const texts = await streamTexts('stories', {
      text_input: PROMPTS[0],
      stream: true,
      sampling_parameters: JSON.stringify({ max_tokens: MAX_TOKENS, ignore_eos: true }),
    });
    // Every token gives an event, except ones whose text is held back (a partial character).
    expect(texts.length).toBeGreaterThan(MAX_TOKENS / 2);
    expect(texts.length).toBeLessThanOrEqual(MAX_TOKENS);
    expect(texts.join('')).toBe(reference[0]);
  });

  it('32 concurrent streams each equal their solo greedy output', async () => {
    const all = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        streamTexts('stories', {
          text_input: PROMPTS[i % PROMPTS.length],
          stream: true,
          sampling_parameters: JSON.stringify({ max_tokens: MAX_TOKENS }),
        }),
      ),
    );
    for (let i = 0; i < all.length; i++) expect(all[i]!.join('')).toBe(reference[i % PROMPTS.length]);
  });

  it('a prompt longer than the prefill chunk is prefilled over several steps and decodes like in-process', async () => {
    const answer = await client.generate('stories', {
      text_input: LONG_PROMPT,
      exclude_input_in_output: true,
      return_num_input_tokens: true,
      parameters: { max_tokens: MAX_TOKENS },
    });
    expect(answer.num_input_tokens as number).toBeGreaterThan(100);
    expect(answer.text_output).toBe(reference[PROMPTS.length]);
  });

  it('generate returns finish_reason, num_input_tokens and num_output_tokens when asked, and stop strings end the text', async () => {
    const answer = await client.generate('stories', {
      text_input: 'Once upon a time',
      exclude_input_in_output: true,
      return_finish_reason: true,
      return_num_input_tokens: true,
      return_num_output_tokens: true,
      sampling_parameters: JSON.stringify({ max_tokens: 8 }),
    });
    expect(answer).toMatchObject({ finish_reason: 'length', num_input_tokens: 5, num_output_tokens: 8 });
    expect(answer.text_output).toBe(reference[0]!.slice(0, (answer.text_output as string).length));
    const stopped = await client.generate('stories', {
      text_input: 'Once upon a time',
      exclude_input_in_output: true,
      return_finish_reason: true,
      sampling_parameters: JSON.stringify({ max_tokens: MAX_TOKENS, stop: ['Lily'] }),
    });
    expect(stopped).toMatchObject({ finish_reason: 'stop', text_output: ', there was a little girl named ' });
  });

  it('bad input is a 400 that says what is wrong, with both token counts for a prompt that does not fit', async () => {
    const long = await generateError('stories', { text_input: 'the cat sat '.repeat(120) });
    expect(long.httpStatus).toBe(400);
    expect(long.message).toMatch(
      /The prompt has \d{3} tokens but model 'stories' holds 256 tokens per sequence/,
    );
    const tooMany = await generateError('stories', {
      text_input: 'the cat sat '.repeat(40),
      parameters: { max_tokens: 200 },
    });
    expect(tooMany.message).toMatch(
      /The prompt has \d+ tokens and max_tokens is 200, but model 'stories' holds 256/,
    );
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { text_input: 'x', parameters: { max_tokens: 300 } },
        /max_tokens is 300 but model 'stories' holds 256/,
      ],
      [
        { text_input: 'x', parameters: { beam_width: 2 } },
        /unknown key "beam_width": supported are temperature/,
      ],
      [
        { text_input: 'x', parameters: { temperature: 'hot' } },
        /parameters.temperature must be a number in \[0, 100\]: received "hot"/,
      ],
      [{ text_input: 'x', sampling_parameters: '{"n": 2}' }, /sampling_parameters.n must be 1/],
      [{ text_input: 'x', sampling_parameters: '[1]' }, /sampling_parameters must be a JSON object/],
      [
        { text_input: 'x', sampling_parameters: '{"logprobs": 1}' },
        /logprobs is not supported by the llama.cpp backend/,
      ],
      [{ text_input: '' }, /The prompt of model 'stories' is empty/],
      [
        { text_input: 'x', stream: true, exclude_input_in_output: false },
        /When streaming, 'exclude_input_in_output' = false/,
      ],
      [
        {
          text_input: 'x',
          parameters: { stop: 'a' },
          sampling_parameters: '{"stop": ["a","b","c","d","e"]}',
        },
        /stop has 5 strings: at most 4/,
      ],
      [
        { text_input: 'y'.repeat(5000) },
        /Input 'text_input' of model 'stories' has 5000 bytes: at most 4096/,
      ],
      [{ text_input: 7 }, /text_input/],
    ];
    for (const [body, message] of cases) {
      const err = await generateError('stories', body);
      expect(err.httpStatus, JSON.stringify(body)).toBe(400);
      expect(err.message).toMatch(message);
    }
    const unknown = await generateError('nope', { text_input: 'x' });
    expect(unknown.httpStatus).toBe(404);
    // The server is unaffected.
    const answer = await client.generate('stories', {
      text_input: PROMPTS[1],
      parameters: { max_tokens: 4 },
    });
    expect(answer.text_output).toBe(
      PROMPTS[1] + reference[1]!.slice(0, (answer.text_output as string).length - PROMPTS[1]!.length),
    );
  });

  it('a greedy stream is cached and replayed token by token; a sampled one is not cached', async () => {
    const body = {
      text_input: 'The cat',
      stream: true,
      sampling_parameters: JSON.stringify({ max_tokens: 10, ignore_eos: true }),
    };
    const first = await streamTexts('stories_cached', body);
    const second = await streamTexts('stories_cached', body);
    expect(second).toEqual(first);
    expect(second.length).toBeGreaterThan(5);
    const sampled = { ...body, sampling_parameters: JSON.stringify({ max_tokens: 10, temperature: 0.8 }) };
    await streamTexts('stories_cached', sampled);
    await streamTexts('stories_cached', sampled);
    const stats = (await client.modelStatistics('stories_cached')).model_stats[0]!;
    expect(stats.inference_stats.cache_hit.count).toBe(1);
    expect(stats.inference_stats.cache_miss.count).toBe(1);
    expect(stats.execution_count).toBe(3);
    expect(stats.inference_stats.success.count).toBe(4);
  });
});
