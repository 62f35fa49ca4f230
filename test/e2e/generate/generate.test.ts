/**
 * E2E tests of the generate extension over HTTP with the project's HttpClient (and raw fetch where
 * the wire itself is the point): `/generate` and `/generate_stream` on an ordinary ONNX model
 * (`simple`), the bundled decoupled models (`repeat_int32`, `text_stream`), errors before and
 * after the first event, and cancellation when the client disconnects.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GenerateEvent, HttpClient, InferenceServerError } from '../../../src/client/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { FLOOD_ELEMENT_BYTES, FLOOD_MODEL } from '../js-backend/flood-model.js';
import {
  jsConfig,
  type TempRepository,
  tensorEntry,
  writeJsRepository,
} from '../js-backend/js-repository.js';

const MODELS = {
  fail_second: {
    config: jsConfig(
      'fail_second',
      0,
      `input [ ${tensorEntry('X', 'TYPE_INT32', '1')} ]
output [ ${tensorEntry('Y', 'TYPE_INT32', '1')} ]`,
      'model_transaction_policy { decoupled: true }',
    ),
    source: `import { createTensor, ModelError } from '__API__';
export default class FailSecond {
  execute(requests) {
    for (const r of requests) {
      const sender = r.responseSender();
      sender.send([createTensor('Y', 'INT32', [1], [41])]);
      setTimeout(() => sender.send(new ModelError('The second answer went wrong', 'INVALID_ARG')), 5);
    }
  }
}
`,
  },
  flood: FLOOD_MODEL,
  slow_echo: {
    config: jsConfig(
      'slow_echo',
      0,
      `input [ ${tensorEntry('X', 'TYPE_INT32', '1')} ]
output [ ${tensorEntry('Y', 'TYPE_INT32', '1')} ]`,
      'instance_group [ { kind: KIND_CPU count: 1 } ]',
    ),
    source: `import { renameTensor } from '__API__';
export default class SlowEcho {
  async execute(requests) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    return requests.map((r) => [renameTensor(r.input('X'), 'Y')]);
  }
}
`,
  },
};

let repo: TempRepository;
let t: TestServer;
let client: HttpClient;

beforeAll(async () => {
  repo = writeJsRepository(MODELS, ['simple', 'repeat_int32', 'text_stream']);
  t = await startTestServer({ modelRepositories: [repo.dir] });
  client = new HttpClient(t.baseUrl);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await t?.close();
  repo?.remove();
});

const A = Array.from({ length: 16 }, (_, i) => i);
const B = Array.from({ length: 16 }, (_, i) => 3 * i - 7);

async function collect(model: string, request: Record<string, unknown>): Promise<GenerateEvent[]> {
  const events: GenerateEvent[] = [];
  for await (const event of client.generateStream(model, request)) events.push(event);
  return events;
}

function post(model: string, endpoint: string, body: string): Promise<Response> {
  return fetch(`${t.baseUrl}/v2/models/${model}/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
}

interface ModelStatsRow {
  execution_count: number;
  inference_count: number;
  inference_stats: { success: { count: number }; fail: { count: number } };
}

function stats(model: string): ModelStatsRow {
  return (t.server.statistics(model) as unknown as { model_stats: ModelStatsRow[] }).model_stats[0]!;
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('generate', () => {
  it('maps top-level arrays onto the inputs of an ordinary model by name and answers one JSON object', async () => {
    const answer = await client.generate('simple', { id: 'g-1', INPUT0: A, INPUT1: B });
    expect(answer.id).toBe('g-1');
    expect(answer.model_name).toBe('simple');
    expect(answer.model_version).toBe('1');
    expect(answer.OUTPUT0).toEqual(A.map((a, i) => a + B[i]!));
    expect(answer.OUTPUT1).toEqual(A.map((a, i) => a - B[i]!));
  });

  it('unwraps a one-element output and passes the remaining keys to the model as parameters', async () => {
    const answer = await client.generate('text_stream', { text_input: 'hello world', max_tokens: 1 });
    expect(answer).toEqual({ model_name: 'text_stream', model_version: '1', text_output: 'hello' });
  });

  it("refuses a decoupled model that sends more than one response with Triton's message", async () => {
    const err = await client
      .generate('text_stream', { text_input: 'one two three' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferenceServerError);
    expect((err as InferenceServerError).httpStatus).toBe(500);
    expect((err as InferenceServerError).message).toContain(
      'generate expects model to produce exactly 1 response, use generate stream',
    );
  });

  it('answers 400 with a JSON error for a body that is not JSON', async () => {
    const res = await post('simple', 'generate', '{"INPUT0": [1,');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(((await res.json()) as { error: string }).error).toMatch(/^Failed to parse the request JSON/);
  });

  it('answers 404 for an unknown model', async () => {
    const res = await post('no_such_model', 'generate', '{}');
    expect(res.status).toBe(404);
  });
});

describe('generate_stream', () => {
  it('streams every response of repeat_int32 in order and ends after the final flag', async () => {
    const events = await collect('repeat_int32', { IN: [5, 6, 7, 8], DELAY: [2, 2, 2, 2], WAIT: [1] });
    expect(events.map((e) => e.OUT)).toEqual([5, 6, 7, 8]);
    expect(events.map((e) => e.IDX)).toEqual([0, 1, 2, 3]);
    for (const e of events) expect(e.model_name).toBe('repeat_int32');
  });

  it('streams the words of the text model, honouring max_tokens given in parameters', async () => {
    const text = 'the quick brown fox jumps over the lazy dog';
    const all = await collect('text_stream', { text_input: text });
    expect(all.map((e) => e.text_output).join('')).toBe(text);
    const capped = await collect('text_stream', { text_input: text, parameters: { max_tokens: 3 } });
    expect(capped.map((e) => e.text_output)).toEqual(['the', ' quick', ' brown']);
  });

  it('sends exactly one event for an ordinary model with the SSE content type', async () => {
    const res = await post('simple', 'generate_stream', JSON.stringify({ INPUT0: A, INPUT1: B }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const body = await res.text();
    const blocks = body.split('\n\n').filter((b) => b !== '');
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.startsWith('data: ')).toBe(true);
    const event = JSON.parse(blocks[0]!.slice(6)) as GenerateEvent;
    expect(event.OUTPUT0).toEqual(A.map((a, i) => a + B[i]!));
  });

  it('answers 400 before streaming for a key that is neither an input nor a scalar parameter', async () => {
    const err = await collect('simple', { INPUT0: A, INPUT1: B, INPUT2: [1, 2] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferenceServerError);
    expect((err as InferenceServerError).httpStatus).toBe(400);
    expect((err as InferenceServerError).message).toContain("Key 'INPUT2'");
  });

  it('answers 400 before streaming for a value of the wrong type for its input', async () => {
    const res = await post(
      'simple',
      'generate_stream',
      JSON.stringify({ INPUT0: A, INPUT1: ['x', ...B.slice(1)] }),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(((await res.json()) as { error: string }).error).toContain("Input 'INPUT1'");
  });

  it('answers 400 before streaming when the element count does not fit the input shape', async () => {
    const res = await post('simple', 'generate_stream', JSON.stringify({ INPUT0: [1, 2, 3], INPUT1: B }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain(
      "The schema can not convert input 'INPUT0' to tensor with proper shape",
    );
  });

  it('answers a model error raised before the first event as a JSON error with its status', async () => {
    const res = await post(
      'text_stream',
      'generate_stream',
      JSON.stringify({ text_input: 'a b', max_tokens: -1 }),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(((await res.json()) as { error: string }).error).toBe(
      "Parameter 'max_tokens' must be a non-negative integer: received -1",
    );
  });

  it('delivers an error after the first event as an error event while the status stays 200', async () => {
    const res = await post('fail_second', 'generate_stream', JSON.stringify({ X: 1 }));
    expect(res.status).toBe(200);
    const blocks = (await res.text()).split('\n\n').filter((b) => b !== '');
    expect(blocks.map((b) => JSON.parse(b.slice(6)))).toEqual([
      { model_name: 'fail_second', model_version: '1', Y: 41 },
      { error: 'The second answer went wrong' },
    ]);
    const seen: GenerateEvent[] = [];
    const err = await (async () => {
      for await (const e of client.generateStream('fail_second', { X: 1 })) seen.push(e);
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect((err as InferenceServerError).message).toBe('The second answer went wrong');
  });

  it('removes a queued request from its queue when the client disconnects', async () => {
    const before = stats('slow_echo').execution_count;
    const first = collect('slow_echo', { X: 1 });
    await until(
      'the first request to run',
      () => t.server.getModel('slow_echo').scheduler.pendingCount === 0,
    );
    const second = request(`${t.baseUrl}/v2/models/slow_echo/generate_stream`, {
      method: 'POST',
      agent: false,
    });
    second.on('error', () => {});
    second.end(JSON.stringify({ X: 2 }));
    await until(
      'the second request to queue',
      () => t.server.getModel('slow_echo').scheduler.pendingCount === 1,
    );
    second.destroy();
    await until('the queue to empty', () => t.server.getModel('slow_echo').scheduler.pendingCount === 0);
    expect((await first).map((e) => e.Y)).toEqual([1]);
    // Only the first request ever ran.
    expect(stats('slow_echo').execution_count).toBe(before + 1);
  });

  it('cuts off a generate_stream client that stopped reading once it is 16 MiB behind, and keeps serving', async () => {
    const before = stats('flood').inference_stats.success.count;
    // 1 000 events of 64 KiB (64 MiB): far more than the limit plus both ends' socket buffers.
    const url = new URL(`${t.baseUrl}/v2/models/flood/generate_stream`);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    const body = JSON.stringify({ X: 1000 });
    socket.write(
      `POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    socket.pause(); // reads nothing while the model streams
    socket.on('error', () => {});
    // The model finishes sending in the core either way.
    await until(
      'the flood to complete in the core',
      () => stats('flood').inference_stats.success.count === before + 1,
      20_000,
    );
    // Now read what the server left: the stream was cut (the connection closed), not finished.
    let received = 0;
    let tail = '';
    let closed = false;
    const over = new Promise<void>((resolve) => {
      socket.on('close', () => {
        closed = true;
        resolve();
      });
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        tail = (tail + chunk.toString('latin1')).slice(-16);
        if (tail.endsWith('\r\n0\r\n\r\n')) resolve(); // the whole stream came: no cut
      });
    });
    socket.resume();
    await over;
    expect(tail.endsWith('\r\n0\r\n\r\n')).toBe(false);
    expect(closed).toBe(true);
    expect(received).toBeLessThan(1000 * FLOOD_ELEMENT_BYTES);
    // A client that reads is served meanwhile.
    const events = await collect('flood', { X: 3 });
    expect(events).toHaveLength(3);
    expect(events.every((e) => e.T === 'y'.repeat(FLOOD_ELEMENT_BYTES))).toBe(true);
  }, 30_000);

  it('drops the rest of a running decoupled stream when the client leaves and the request still completes', async () => {
    const before = stats('text_stream').inference_stats.success.count;
    const words = Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ');
    const seen: GenerateEvent[] = [];
    for await (const e of client.generateStream('text_stream', { text_input: words, delay_ms: 10 })) {
      seen.push(e);
      if (seen.length === 2) break;
    }
    expect(seen.map((e) => e.text_output)).toEqual(['w0', ' w1']);
    // The model keeps sending into a closed exchange; the core still completes the request once.
    await until(
      'the request to complete in the core',
      () => stats('text_stream').inference_stats.success.count === before + 1,
    );
    const next = await client.generate('text_stream', { text_input: 'still serving', max_tokens: 1 });
    expect(next.text_output).toBe('still');
  });
});
