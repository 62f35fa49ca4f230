/**
 * E2E: ModelStreamInfer over real gRPC: many interleaved requests on several streams answered
 * once each in request order with their ids echoed, errors in-band or (with the
 * triton_grpc_error header) as the stream's gRPC status, and a cancelled stream taking its
 * queued work out of the model's queue. Uses the example models plus a deliberately slow model
 * built with the project's ONNX builder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxGraphBuilder } from '../../../src/tools/onnx/index.js';
import { tempModelDir } from '../../helpers/onnx-fixtures.js';
import {
  int32Bytes,
  newInferenceClient,
  openStream,
  readInt32,
  startTestGrpcServer,
  type TestGrpcServer,
} from '../../helpers/test-grpc-server.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';

const SLOW_DIM = 768;
const SLOW_STEPS = 24;

/**
 * `slow`: X f32[1,1] → Y f32[1,1]: X expanded to [768,768], multiplied by itself 24 times
 * (~22 GFLOP, a few hundred ms per request), then sliced back to [1,1]. Tiny messages, long runs.
 */
function writeSlowModel(repo: string): void {
  const b = new OnnxGraphBuilder({ graphName: 'slow' });
  b.input('X', 'float32', [1, 1]);
  b.initializer('square', 'int64', [2], [SLOW_DIM, SLOW_DIM]);
  b.initializer('zero', 'int64', [2], [0, 0]);
  b.initializer('one', 'int64', [2], [1, 1]);
  b.node('Expand', ['X', 'square'], ['m0'], { name: 'expand' });
  b.valueInfo('m0', 'float32', [SLOW_DIM, SLOW_DIM]);
  for (let i = 1; i <= SLOW_STEPS; i++) {
    b.node('MatMul', [`m${i - 1}`, 'm0'], [`m${i}`], { name: `matmul${i}` });
    b.valueInfo(`m${i}`, 'float32', [SLOW_DIM, SLOW_DIM]);
  }
  b.node('Slice', [`m${SLOW_STEPS}`, 'zero', 'one'], ['Y'], { name: 'slice' });
  b.output('Y', 'float32', [1, 1]);
  mkdirSync(join(repo, 'slow', '1'), { recursive: true });
  writeFileSync(join(repo, 'slow', '1', 'model.onnx'), b.toBytes());
  writeFileSync(
    join(repo, 'slow', 'config.pbtxt'),
    [
      'name: "slow"',
      'backend: "onnxruntime"',
      'max_batch_size: 0',
      'input [ { name: "X" data_type: TYPE_FP32 dims: [ 1, 1 ] } ]',
      'output [ { name: "Y" data_type: TYPE_FP32 dims: [ 1, 1 ] } ]',
      'instance_group [ { kind: KIND_CPU count: 1 } ]',
    ].join('\n'),
  );
}

/** A request for `slow`. */
function slowRequest(id: string): Record<string, unknown> {
  return {
    model_name: 'slow',
    id,
    inputs: [{ name: 'X', datatype: 'FP32', shape: [1, 1] }],
    raw_input_contents: [Buffer.from(Float32Array.of(0.001).buffer)],
  };
}

/** Yields to the event loop until `done()` holds (at most ~`limit` turns). */
async function until(done: () => boolean, limit = 20000): Promise<void> {
  for (let spins = 0; !done() && spins < limit; spins++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

let t: TestGrpcServer;

beforeAll(async () => {
  const repo = tempModelDir('nereid-grpc-stream-');
  writeSlowModel(repo);
  t = await startTestGrpcServer({ modelRepositories: [EXAMPLES_REPOSITORY, repo] });
});

afterAll(async () => {
  await t?.close();
});

const SIMPLE_INPUTS = [
  { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
  { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
];

/** Request `i` of a stream: mostly `simple` (input0 = i..i+15), every 7th the slower text model, every 13th an unknown model. */
function mixedRequest(id: string, i: number): Record<string, unknown> {
  if (i % 13 === 12) return { model_name: 'nope', id, inputs: SIMPLE_INPUTS, raw_input_contents: [] };
  if (i % 7 === 3) {
    return {
      model_name: 'text_orientation',
      id,
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192] }],
      raw_input_contents: [Buffer.alloc(3 * 48 * 192 * 4)],
    };
  }
  const a = Array.from({ length: 16 }, (_, k) => i + k);
  return {
    model_name: 'simple',
    id,
    inputs: SIMPLE_INPUTS,
    raw_input_contents: [int32Bytes(a), int32Bytes(a.map(() => 1))],
  };
}

/** Collects every message of a stream until it ends (or fails). */
function collect(
  stream: grpc.ClientDuplexStream<any, any>,
): Promise<{ messages: any[]; error: grpc.ServiceError | null }> {
  const messages: any[] = [];
  return new Promise((resolve) => {
    stream.on('data', (m) => messages.push(m));
    stream.on('end', () => resolve({ messages, error: null }));
    stream.on('error', (error: grpc.ServiceError) => resolve({ messages, error }));
  });
}

describe('ModelStreamInfer ordering', () => {
  it('ModelStreamInfer answers 200 interleaved requests on 4 streams once each, in request order, ids echoed', async () => {
    const STREAMS = 4;
    const PER_STREAM = 50;
    const clients = [t.client, newInferenceClient(t.grpcAddress)];
    const streams = Array.from({ length: STREAMS }, (_, s) => openStream(clients[s % 2]!));
    const results = streams.map(collect);
    for (let i = 0; i < PER_STREAM; i++) {
      for (let s = 0; s < STREAMS; s++) streams[s]!.write(mixedRequest(`s${s}-r${i}`, i));
    }
    for (const stream of streams) stream.end();
    const done = await Promise.all(results);
    clients[1]!.close();
    for (let s = 0; s < STREAMS; s++) {
      const { messages, error } = done[s]!;
      expect(error).toBeNull();
      expect(messages.map((m) => m.infer_response.id)).toEqual(
        Array.from({ length: PER_STREAM }, (_, i) => `s${s}-r${i}`),
      );
      for (let i = 0; i < PER_STREAM; i++) {
        const m = messages[i]!;
        if (i % 13 === 12) {
          expect(m.error_message).toBe("Request for unknown model: 'nope' is not found");
          expect(m.infer_response.model_name).toBe('nope');
        } else if (i % 7 === 3) {
          expect(m.error_message).toBe('');
          expect(m.infer_response.model_name).toBe('text_orientation');
        } else {
          expect(m.error_message).toBe('');
          expect(readInt32(m.infer_response.raw_output_contents[0])).toEqual(
            Array.from({ length: 16 }, (_, k) => i + k + 1),
          );
          expect(m.infer_response.parameters).toEqual({});
        }
      }
    }
  });
});

describe('ModelStreamInfer errors', () => {
  it('ModelStreamInfer reports errors in-band in error_message and keeps serving the stream', async () => {
    const stream = openStream(t.client);
    const result = collect(stream);
    stream.write({ ...mixedRequest('a', 0) });
    stream.write({ ...mixedRequest('b', 1), model_version: 'x1' });
    stream.write({
      ...mixedRequest('c', 2),
      inputs: [{ ...SIMPLE_INPUTS[0], contents: { int_contents: [1] } }, SIMPLE_INPUTS[1]],
    });
    stream.write({ ...mixedRequest('d', 4) });
    stream.end();
    const { messages, error } = await result;
    expect(error).toBeNull();
    expect(messages.map((m) => [m.infer_response.id, m.error_message])).toEqual([
      ['a', ''],
      ['b', "failed to get model version from specified version string 'x1'"],
      [
        'c',
        "contents field must not be specified when using raw_input_contents for 'INPUT0' for model 'simple'",
      ],
      ['d', ''],
    ]);
    expect(messages[1].infer_response.outputs).toEqual([]);
  });

  it('ModelStreamInfer ends the stream with the gRPC status when opened with triton_grpc_error', async () => {
    const stream = openStream(t.client, true);
    const result = collect(stream);
    stream.write(mixedRequest('ok', 0));
    stream.write(mixedRequest('bad', 12));
    const { messages, error } = await result;
    expect(messages.map((m) => [m.infer_response.id, m.error_message])).toEqual([['ok', '']]);
    expect(error?.code).toBe(status.NOT_FOUND);
    expect(error?.details).toBe("Request for unknown model: 'nope' is not found");
  });
});

describe('ModelStreamInfer cancellation', () => {
  it('Cancelling a stream removes its queued requests from the model queue', async () => {
    const model = t.server.getModel('slow');
    const before = t.server.statistics('slow').model_stats[0]!.execution_count;
    const REQUESTS = 8;
    const stream = openStream(t.client);
    stream.on('error', () => {});
    for (let i = 0; i < REQUESTS; i++) stream.write(slowRequest(`slow-${i}`));
    // One runs on the single instance, the others wait in the queue.
    await until(() => model.scheduler.pendingCount === REQUESTS - 1);
    expect(model.scheduler.pendingCount).toBe(REQUESTS - 1);
    stream.cancel();
    await until(() => model.scheduler.pendingCount === 0);
    expect(model.scheduler.pendingCount).toBe(0);
    await model.scheduler.idle();
    const executed = t.server.statistics('slow').model_stats[0]!.execution_count - before;
    expect(executed).toBe(1);
  });

  it('A unary ModelInfer whose client cancels leaves the model queue without running', async () => {
    const model = t.server.getModel('slow');
    const before = t.server.statistics('slow').model_stats[0]!.execution_count;
    const busy = new Promise((resolve) => (t.client as any).ModelInfer(slowRequest('busy'), resolve));
    let cancelledError: grpc.ServiceError | null = null;
    const queued = (t.client as any).ModelInfer(slowRequest('queued'), (err: grpc.ServiceError | null) => {
      cancelledError = err;
    });
    await until(() => model.scheduler.pendingCount === 1);
    expect(model.scheduler.pendingCount).toBe(1);
    queued.cancel();
    await until(() => model.scheduler.pendingCount === 0);
    expect(model.scheduler.pendingCount).toBe(0);
    expect(await busy).toBeNull();
    await model.scheduler.idle();
    expect((cancelledError as grpc.ServiceError | null)?.code).toBe(status.CANCELLED);
    expect(t.server.statistics('slow').model_stats[0]!.execution_count - before).toBe(1);
  });
});
