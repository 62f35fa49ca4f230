/**
 * E2E: continuous batching seen from the clients, with the real GGUF model behind HTTP and gRPC:
 * gRPC ModelStreamInfer tokens in order with the final flag on the last response, unary ModelInfer
 * for non-streamed requests, a cancelled stream (SSE client gone, gRPC call cancelled) stopping
 * within a step and handing its slot to the request waiting for it, a full queue refused with 503
 * and Retry-After, and the Prometheus families counting it all.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GrpcClient, HttpClient, InferenceServerError, tensor } from '../../../src/client/index.js';
import { PrometheusObserver } from '../../../src/frontends/index.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import {
  describeWithGguf,
  inProcessGreedy,
  type LlmRepository,
  llamaConfig,
  writeLlmRepository,
} from './llm-fixtures.js';

let repo: LlmRepository;
let t: TestGrpcServer;
let observer: PrometheusObserver;
let http: HttpClient;
let grpc: GrpcClient;
let reference: string;
const PROMPT = 'Once upon a time';

function inputs(prompt: string, stream: boolean, sampling: object) {
  return [
    tensor('text_input', 'BYTES', [1], [prompt]),
    tensor('stream', 'BOOL', [1], [stream]),
    tensor('sampling_parameters', 'BYTES', [1], [JSON.stringify(sampling)]),
  ];
}

/** The value of `name{model="<model>"...}` in the rendered metrics (summed over labels). */
async function metric(name: string, model: string): Promise<number> {
  const text = await observer.render(t.server.pendingCounts());
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(`model="${model}"`))
      sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** Opens a generate_stream request and resolves once its first event arrived. */
async function openSse(
  model: string,
  body: Record<string, unknown>,
): Promise<{ abort(): void; done: Promise<string[]> }> {
  const controller = new AbortController();
  const texts: string[] = [];
  let first!: () => void;
  const started = new Promise<void>((resolve) => {
    first = resolve;
  });
  const done = (async () => {
    try {
      for await (const event of http.generateStream(model, body, { signal: controller.signal })) {
        texts.push(event.text_output as string);
        first();
      }
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    }
    return texts;
  })();
  await Promise.race([started, done]);
  return { abort: () => controller.abort(), done };
}

describeWithGguf('continuous batching over HTTP and gRPC streams', () => {
  beforeAll(async () => {
    repo = writeLlmRepository({
      stories: { config: llamaConfig({ max_num_seqs: 4, context_length: 256 }) },
      one_slot: {
        config: llamaConfig(
          { max_num_seqs: 1, context_length: 512 },
          'dynamic_batching { default_queue_policy { max_queue_size: 1 } }',
        ),
      },
    });
    observer = new PrometheusObserver({ cpuMetrics: false, processMetrics: false, metricsIntervalMs: 0 });
    t = await startTestGrpcServer({ modelRepositories: [repo.dir], observer });
    http = new HttpClient(t.baseUrl);
    grpc = new GrpcClient(t.grpcAddress);
    [reference] = await inProcessGreedy([PROMPT], 16);
  }, 120_000);

  afterAll(async () => {
    grpc?.close();
    await http?.close();
    await t?.close();
    observer?.close();
    repo?.remove();
  });

  it('streams tokens over gRPC ModelStreamInfer in order, the final flag on the last response only', async () => {
    const stream = grpc.stream();
    stream.send({
      model: 'stories',
      requestId: 'g1',
      inputs: inputs(PROMPT, true, { temperature: 0, max_tokens: 16 }),
    });
    stream.end();
    const seen: { text: string; final: boolean }[] = [];
    for await (const item of stream) {
      if (item instanceof InferenceServerError) throw item;
      expect(item.requestId).toBe('g1');
      seen.push({ text: item.outputAsStrings('text_output')[0]!, final: item.isFinal });
    }
    expect(seen.map((s) => s.text).join('')).toBe(reference);
    expect(seen.map((s) => s.final)).toEqual([...new Array(seen.length - 1).fill(false), true]);
  });

  it('answers bad input on a gRPC stream in-band with the reason, and the stream goes on', async () => {
    const stream = grpc.stream();
    stream.send({
      model: 'stories',
      requestId: 'long',
      inputs: inputs('the cat sat '.repeat(120), true, { max_tokens: 4 }),
    });
    stream.send({ model: 'stories', requestId: 'bad', inputs: inputs(PROMPT, true, { temperature: 'hot' }) });
    stream.send({
      model: 'stories',
      requestId: 'ok',
      inputs: inputs(PROMPT, true, { temperature: 0, max_tokens: 3 }),
    });
    stream.end();
    const errors: string[] = [];
    const texts: string[] = [];
    for await (const item of stream) {
      if (item instanceof InferenceServerError) errors.push(item.message);
      else texts.push(item.outputAsStrings('text_output')[0]!);
    }
    expect(errors).toHaveLength(2);
    expect(errors.join('\n')).toMatch(
      /The prompt has \d{3} tokens but model 'stories' holds 256 tokens per sequence/,
    );
    expect(errors.join('\n')).toContain(
      'sampling_parameters.temperature must be a number in [0, 100]: received "hot"',
    );
    expect(texts.join('')).toBe(reference.slice(0, texts.join('').length));
    expect(texts.length).toBeGreaterThan(0);
  });

  it('answers a non-streamed request on unary ModelInfer and refuses a streamed one there', async () => {
    const result = await grpc.infer('stories', inputs(PROMPT, false, { temperature: 0, max_tokens: 16 }));
    expect(result.outputAsStrings('text_output')).toEqual([PROMPT + reference]);
    await expect(grpc.infer('stories', inputs(PROMPT, true, { max_tokens: 4 }))).rejects.toThrow(
      /ModelInfer RPC cannot stream the tokens of model 'stories'/,
    );
  });

  it('a cancelled stream stops within a step and its slot goes at once to the request waiting for it', async () => {
    const long = {
      text_input: PROMPT,
      stream: true,
      sampling_parameters: '{"max_tokens": 480, "ignore_eos": true}',
    };
    const tokensBefore = await metric('nereid_llm_generation_tokens_total', 'one_slot');
    const first = await openSse('one_slot', long);
    // The only slot is taken: this one waits in the queue.
    const waiting = http.generate('one_slot', { text_input: 'The cat', parameters: { max_tokens: 4 } });
    const abortedAt = Date.now();
    first.abort();
    const answer = await waiting;
    expect(answer.text_output).toMatch(/^The cat/);
    expect(Date.now() - abortedAt).toBeLessThan(5000);
    await first.done;
    // The aborted sequence stopped long before its 480 tokens; it counts as cancelled.
    const generated = (await metric('nereid_llm_generation_tokens_total', 'one_slot')) - tokensBefore;
    expect(generated).toBeLessThan(480);
    await expect.poll(() => metric('nv_inference_request_failure', 'one_slot')).toBe(1);
    expect(await metric('nereid_llm_slots_used', 'one_slot')).toBe(0);
    // A cancelled gRPC stream stops its sequence too.
    const stream = grpc.stream();
    stream.send({ model: 'one_slot', inputs: inputs(PROMPT, true, { max_tokens: 480, ignore_eos: true }) });
    for await (const item of stream) {
      if (item instanceof InferenceServerError) throw item;
      break;
    }
    const after = await http.generate('one_slot', { text_input: 'The dog', parameters: { max_tokens: 4 } });
    expect(after.text_output).toMatch(/^The dog/);
    expect(await metric('nv_inference_request_failure', 'one_slot')).toBe(2);
  });

  it('refuses a request when the queue is full with 503 and Retry-After', async () => {
    const running = await openSse('one_slot', {
      text_input: PROMPT,
      stream: true,
      sampling_parameters: '{"max_tokens": 480, "ignore_eos": true}',
    });
    const queued = http.generate('one_slot', { text_input: 'The cat', parameters: { max_tokens: 2 } });
    const res = await fetch(`${t.baseUrl}/v2/models/one_slot/generate`, {
      method: 'POST',
      body: JSON.stringify({ text_input: 'x', parameters: { max_tokens: 2 } }),
    });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await res.json()).error).toMatch(
      /Exceeds maximum queue size: model 'one_slot' already queues 1 requests/,
    );
    const openai = await fetch(`${t.baseUrl}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'one_slot', prompt: 'x', max_tokens: 2 }),
    });
    expect(openai.status).toBe(503);
    expect((await openai.json()).error).toMatchObject({ type: 'server_error', code: 'overloaded' });
    running.abort();
    await running.done;
    expect((await queued).text_output).toMatch(/^The cat/);
  });

  it('counts generation requests in the nv_inference_* and nereid_llm_* families', async () => {
    const before = await metric('nv_inference_request_success', 'stories');
    await Promise.all(
      [0, 1, 2].map(() =>
        http.generate('stories', { text_input: PROMPT, parameters: { max_tokens: 8, temperature: 0 } }),
      ),
    );
    expect((await metric('nv_inference_request_success', 'stories')) - before).toBe(3);
    expect(await metric('nereid_llm_time_to_first_token_seconds_count', 'stories')).toBeGreaterThanOrEqual(3);
    expect(await metric('nereid_llm_time_per_output_token_seconds_count', 'stories')).toBeGreaterThanOrEqual(
      21,
    );
    expect(await metric('nereid_llm_e2e_request_latency_seconds_count', 'stories')).toBeGreaterThanOrEqual(3);
    expect(await metric('nereid_llm_prompt_tokens_total', 'stories')).toBeGreaterThanOrEqual(15);
    expect(await metric('nereid_llm_generation_tokens_total', 'stories')).toBeGreaterThanOrEqual(24);
    expect(await metric('nereid_llm_requests_running', 'stories')).toBe(0);
    expect(await metric('nereid_llm_requests_waiting', 'stories')).toBe(0);
    const text = await observer.render(t.server.pendingCounts());
    expect(text).toContain('# TYPE nereid_llm_slot_usage_ratio gauge');
  });
});
