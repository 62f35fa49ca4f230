/**
 * E2E tests of decoupled JavaScript models over gRPC ModelStreamInfer with the project's client:
 * the bundled repeat_int32 (responses in time order with IDX, the final flag, the empty final
 * response on request, several concurrent streams and requests) and per-request errors sent
 * mid-stream by a decoupled model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GrpcClient,
  InferenceServerError,
  type InferInput,
  InferResult,
  type StreamItem,
  tensor,
} from '../../../src/client/index.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import { jsConfig, type TempRepository, tensorEntry, writeJsRepository } from './js-repository.js';

const MODELS = {
  half_fail: {
    config: jsConfig(
      'half_fail',
      0,
      `input [ ${tensorEntry('X', 'TYPE_INT32', '1')} ]
output [ ${tensorEntry('Y', 'TYPE_INT32', '1')} ]`,
      'model_transaction_policy { decoupled: true }',
    ),
    source: `import { createTensor, ModelError } from '__API__';
export default class HalfFail {
  execute(requests) {
    for (const r of requests) {
      const sender = r.responseSender();
      sender.send([createTensor('Y', 'INT32', [1], [1])]);
      setTimeout(() => sender.send(new ModelError('Half of the answers is all you get', 'INVALID_ARG')), 5);
    }
  }
}
`,
  },
};

let repo: TempRepository;
let t: TestGrpcServer;
let client: GrpcClient;

beforeAll(async () => {
  repo = writeJsRepository(MODELS, ['repeat_int32']);
  t = await startTestGrpcServer({ modelRepositories: [repo.dir] });
  client = new GrpcClient(t.grpcAddress);
});

afterAll(async () => {
  client?.close();
  await t?.close();
  repo?.remove();
});

/** A timestamped stream item. */
interface Arrival {
  item: StreamItem;
  atMs: number;
}

function repeatInputs(values: number[], delaysMs: number[], waitMs: number) {
  return [
    tensor('IN', 'INT32', [values.length], values),
    tensor('DELAY', 'UINT32', [delaysMs.length], delaysMs),
    tensor('WAIT', 'UINT32', [1], [waitMs]),
  ];
}

/** Sends the requests on one stream, half-closes it and collects every item with its arrival time. */
async function collect(
  requests: { inputs: InferInput[]; id?: string; empty?: boolean; model?: string }[],
  startMs = performance.now(),
): Promise<Arrival[]> {
  const stream = client.stream();
  for (const r of requests) {
    stream.send({
      model: r.model ?? 'repeat_int32',
      inputs: r.inputs,
      requestId: r.id,
      enableEmptyFinalResponse: r.empty,
    });
  }
  stream.end();
  const items: Arrival[] = [];
  for await (const item of stream) items.push({ item, atMs: performance.now() - startMs });
  return items;
}

function results(items: Arrival[]): InferResult[] {
  return items.map((a) => {
    if (!(a.item instanceof InferResult)) throw a.item;
    return a.item;
  });
}

const int = (r: InferResult, name: string) => Array.from(r.output<Int32Array | Uint32Array>(name));

describe('decoupled JavaScript models over gRPC streams', () => {
  it('repeat_int32 sends one response per element in time order with IDX, then ends the request', async () => {
    const delays = [40, 10, 30];
    const items = await collect([{ inputs: repeatInputs([7, -8, 9], delays, 0) }]);
    const responses = results(items);
    expect(responses.map((r) => int(r, 'OUT'))).toEqual([[7], [-8], [9]]);
    expect(responses.map((r) => int(r, 'IDX'))).toEqual([[0], [1], [2]]);
    expect(responses.map((r) => r.isFinal)).toEqual([false, false, false]);
    let due = 0;
    items.forEach((a, i) => {
      due += delays[i]!;
      expect(a.atMs).toBeGreaterThanOrEqual(due - 2);
      if (i > 0) expect(a.atMs).toBeGreaterThanOrEqual(items[i - 1]!.atMs);
    });
  });

  it('repeat_int32 sends the final flag in an empty response when the request enables it', async () => {
    const responses = results(await collect([{ inputs: repeatInputs([1, 2], [1, 1], 20), empty: true }]));
    expect(responses).toHaveLength(3);
    expect(responses.slice(0, 2).map((r) => r.isFinal)).toEqual([false, false]);
    expect(responses[2]!.isFinal).toBe(true);
    expect(responses[2]!.outputs).toHaveLength(0);
  });

  it('several concurrent streams are served at the same time by one instance', async () => {
    const start = performance.now();
    const streams = await Promise.all(
      [0, 1, 2, 3].map((s) => collect([{ inputs: repeatInputs([s, s + 10], [150, 150], 0) }], start)),
    );
    streams.forEach((items, s) => {
      expect(results(items).map((r) => int(r, 'OUT'))).toEqual([[s], [s + 10]]);
    });
    // Every stream's first response arrives before any stream's last one: they overlapped.
    const firstLatest = Math.max(...streams.map((items) => items[0]!.atMs));
    const lastEarliest = Math.min(...streams.map((items) => items[1]!.atMs));
    expect(firstLatest).toBeLessThan(lastEarliest);
  });

  it('two requests on one stream interleave their responses, each tagged with its id', async () => {
    const items = await collect([
      { inputs: repeatInputs([1, 2, 3], [10, 40, 40], 0), id: 'slow' },
      { inputs: repeatInputs([4, 5], [30, 40], 0), id: 'fast' },
    ]);
    const responses = results(items);
    const byId = (id: string) => responses.filter((r) => r.requestId === id).map((r) => int(r, 'OUT')[0]);
    expect(byId('slow')).toEqual([1, 2, 3]);
    expect(byId('fast')).toEqual([4, 5]);
    expect(responses.map((r) => r.requestId)).not.toEqual(['slow', 'slow', 'slow', 'fast', 'fast']);
  });

  it('a model error ends only that request of the stream, in-band with its message', async () => {
    const items = await collect([
      { inputs: repeatInputs([1, 2], [1], 0), id: 'bad' },
      { inputs: repeatInputs([6], [20], 0), id: 'good' },
    ]);
    const error = items
      .map((a) => a.item)
      .find((i) => i instanceof InferenceServerError) as InferenceServerError;
    expect(error.message).toBe('DELAY must have one element per element of IN (2): received 1');
    expect(error.requestId).toBe('bad');
    const good = items.map((a) => a.item).filter((i) => i instanceof InferResult) as InferResult[];
    expect(good.map((r) => [r.requestId, int(r, 'OUT')[0]])).toEqual([['good', 6]]);
  });

  it('a decoupled model may send responses and then an error for the same request', async () => {
    const items = await collect([{ model: 'half_fail', inputs: [tensor('X', 'INT32', [1], [0])] }]);
    expect(items).toHaveLength(2);
    expect(items[0]!.item).toBeInstanceOf(InferResult);
    expect(int(items[0]!.item as InferResult, 'Y')).toEqual([1]);
    expect((items[1]!.item as InferenceServerError).message).toBe('Half of the answers is all you get');
  });
});
