/**
 * E2E tests of an ensemble whose last step is decoupled (the bundled repeat_int32), over gRPC
 * ModelStreamInfer with the project's client: each response of the step streams through to the
 * client as it is produced, non-final, followed by the final flag; a decoupled ensemble refuses
 * the unary RPC as any decoupled model does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient, InferResult, type StreamItem, tensor } from '../../../src/client/index.js';
import type { EnsembleScheduler } from '../../../src/core/ensemble/index.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import {
  ensembleConfig,
  jsConfig,
  type TempRepository,
  tensorEntry,
  writeEnsembleRepository,
} from './ensemble-repository.js';

const MODELS = {
  add_ten: {
    config: jsConfig(
      'add_ten',
      0,
      `input [ ${tensorEntry('IN', 'TYPE_INT32', '-1')} ]
output [ ${tensorEntry('OUT', 'TYPE_INT32', '-1')} ]`,
    ),
    source: `import { createTensor, toTypedArray } from '__API__';
export default class AddTen {
  execute(requests) {
    return requests.map((r) => {
      const values = Array.from(toTypedArray(r.input('IN')), (v) => v + 10);
      return [createTensor('OUT', 'INT32', [values.length], values)];
    });
  }
}
`,
  },
  slow_double: {
    config: jsConfig(
      'slow_double',
      0,
      `input [ ${tensorEntry('X', 'TYPE_INT32', '1')} ]
output [ ${tensorEntry('Y', 'TYPE_INT32', '1')} ]`,
      'instance_group [ { kind: KIND_CPU count: 1 } ]',
    ),
    source: `import { createTensor, toTypedArray } from '__API__';
export default class SlowDouble {
  async execute(requests) {
    await new Promise((resolve) => setTimeout(resolve, 15));
    return requests.map((r) => [createTensor('Y', 'INT32', [1], [toTypedArray(r.input('X'))[0] * 2])]);
  }
}
`,
  },
};

/** repeat_int32 (decoupled, answers at once) feeding slow_double (15 ms a request). */
function repeatThenSlow(name: string, schedulingExtra: string): string {
  return ensembleConfig(
    name,
    0,
    `input [ ${tensorEntry('IN', 'TYPE_INT32', '-1')}, ${tensorEntry('DELAY', 'TYPE_UINT32', '-1')}, ${tensorEntry('WAIT', 'TYPE_UINT32', '1')} ]
output [ ${tensorEntry('DOUBLED', 'TYPE_INT32', '1')} ]`,
    [
      {
        model: 'repeat_int32',
        inputs: { IN: 'IN', DELAY: 'DELAY', WAIT: 'WAIT' },
        outputs: { OUT: 'value' },
      },
      { model: 'slow_double', inputs: { X: 'value' }, outputs: { Y: 'DOUBLED' } },
    ],
    'model_transaction_policy { decoupled: true }',
    schedulingExtra,
  );
}

const ENSEMBLES = {
  repeat_then_slow_limited: repeatThenSlow('repeat_then_slow_limited', 'max_inflight_requests: 2'),
  repeat_then_slow: repeatThenSlow('repeat_then_slow', ''),
  add_then_repeat: ensembleConfig(
    'add_then_repeat',
    0,
    `input [ ${tensorEntry('IN', 'TYPE_INT32', '-1')}, ${tensorEntry('DELAY', 'TYPE_UINT32', '-1')}, ${tensorEntry('WAIT', 'TYPE_UINT32', '1')} ]
output [ ${tensorEntry('OUT', 'TYPE_INT32', '1')}, ${tensorEntry('IDX', 'TYPE_UINT32', '1')} ]`,
    [
      { model: 'add_ten', inputs: { IN: 'IN' }, outputs: { OUT: 'shifted' } },
      {
        model: 'repeat_int32',
        inputs: { IN: 'shifted', DELAY: 'DELAY', WAIT: 'WAIT' },
        outputs: { OUT: 'OUT', IDX: 'IDX' },
      },
    ],
    'model_transaction_policy { decoupled: true }',
  ),
};

let repo: TempRepository;
let t: TestGrpcServer;
let client: GrpcClient;

beforeAll(async () => {
  repo = writeEnsembleRepository(MODELS, ['repeat_int32'], ENSEMBLES);
  t = await startTestGrpcServer({ modelRepositories: [repo.dir] });
  client = new GrpcClient(t.grpcAddress);
});

afterAll(async () => {
  client?.close();
  await t?.close();
  repo?.remove();
});

/** Sends one request on a stream and collects each item with its arrival time in ms. */
async function collect(values: number[], delaysMs: number[], waitMs: number, empty: boolean) {
  const stream = client.stream();
  const start = performance.now();
  stream.send({
    model: 'add_then_repeat',
    inputs: [
      tensor('IN', 'INT32', [values.length], values),
      tensor('DELAY', 'UINT32', [delaysMs.length], delaysMs),
      tensor('WAIT', 'UINT32', [1], [waitMs]),
    ],
    enableEmptyFinalResponse: empty,
  });
  stream.end();
  const items: { item: StreamItem; atMs: number }[] = [];
  for await (const item of stream) items.push({ item, atMs: performance.now() - start });
  return items.map(({ item, atMs }) => {
    if (!(item instanceof InferResult)) throw item;
    return { result: item, atMs };
  });
}

describe('max_inflight_requests of an ensemble', () => {
  /**
   * Streams 8 values through `ensemble` while sampling how many step-2 requests are in flight at
   * the ensemble's step and waiting in slow_double's own queue; returns the answers and the peaks.
   */
  async function run(ensemble: string) {
    const scheduler = t.server.getModel(ensemble).scheduler as EnsembleScheduler;
    const slow = t.server.getModel('slow_double').scheduler;
    let peakInflight = 0;
    let peakQueued = 0;
    let peakWaiting = 0;
    const sampler = setInterval(() => {
      peakInflight = Math.max(peakInflight, scheduler.stepInflight(1));
      peakWaiting = Math.max(peakWaiting, scheduler.stepWaiting(1));
      peakQueued = Math.max(peakQueued, slow.pendingCount);
    }, 2);
    const values = [1, 2, 3, 4, 5, 6, 7, 8];
    const stream = client.stream();
    stream.send({
      model: ensemble,
      inputs: [
        tensor('IN', 'INT32', [values.length], values),
        tensor(
          'DELAY',
          'UINT32',
          [values.length],
          values.map(() => 0),
        ),
        tensor('WAIT', 'UINT32', [1], [0]),
      ],
    });
    stream.end();
    const doubled: number[] = [];
    for await (const item of stream) {
      if (!(item instanceof InferResult)) throw item;
      doubled.push(item.output<Int32Array>('DOUBLED')[0]!);
    }
    clearInterval(sampler);
    return { doubled, peakInflight, peakQueued, peakWaiting, after: scheduler.stepInflight(1) };
  }

  it('keeps at most max_inflight_requests step requests in flight at a step, queueing the rest in order', async () => {
    const limited = await run('repeat_then_slow_limited');
    expect(limited.doubled).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    expect(limited.peakInflight).toBeLessThanOrEqual(2);
    expect(limited.peakQueued).toBeLessThanOrEqual(1);
    expect(limited.peakWaiting).toBeGreaterThan(0);
    expect(limited.after).toBe(0);
    // Without the limit the decoupled step floods slow_double's queue.
    const unlimited = await run('repeat_then_slow');
    expect(unlimited.doubled).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    expect(unlimited.peakQueued).toBeGreaterThan(2);
  });
});

describe('an ensemble with a decoupled last step', () => {
  it('streams each response of the decoupled step through to the client as it comes', async () => {
    const items = await collect([1, 2, 3], [10, 200, 10], 0, false);
    expect(items.map((i) => Array.from(i.result.output<Int32Array>('OUT')))).toEqual([[11], [12], [13]]);
    expect(items.map((i) => Array.from(i.result.output<Uint32Array>('IDX')))).toEqual([[0], [1], [2]]);
    expect(items.map((i) => i.result.isFinal)).toEqual([false, false, false]);
    // The first response left before the step's 200 ms wait for the second: it was not buffered.
    expect(items[1]!.atMs - items[0]!.atMs).toBeGreaterThanOrEqual(150);
    expect(items[0]!.result.outputNames().sort()).toEqual(['IDX', 'OUT']);
  });

  it('ends the stream with an empty final response when the request enables it', async () => {
    const items = await collect([5, 6], [1, 1], 20, true);
    expect(items).toHaveLength(3);
    expect(items.map((i) => i.result.isFinal)).toEqual([false, false, true]);
    expect(items[2]!.result.outputs).toHaveLength(0);
  });

  it('refuses the unary ModelInfer RPC for the decoupled ensemble', async () => {
    await expect(
      client.infer('add_then_repeat', [
        tensor('IN', 'INT32', [1], [1]),
        tensor('DELAY', 'UINT32', [1], [1]),
        tensor('WAIT', 'UINT32', [1], [0]),
      ]),
    ).rejects.toThrow(/decoupled/);
  });
});
