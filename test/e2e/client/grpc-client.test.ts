/**
 * E2E: GrpcClient against a real server with the real gRPC frontend (real ONNX models in worker
 * threads): every RPC method, infer on the example models and every datatype, classification,
 * errors with Triton's status and message, AbortSignal cancellation, deadlines, compression, and
 * the bidirectional stream (ordered answers, in-band errors, triton_grpc_error, abort, early break).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClientErrorCode,
  GrpcClient,
  HttpClient,
  InferenceServerError,
  type InferInput,
  InferResult,
  Status,
  type StreamItem,
  tensor,
} from '../../../src/client/index.js';
import { rejection } from '../../helpers/rejection.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import { cancelQueuedInfer } from './cancel-queued-infer.js';
import { type ClientRepository, SLOW_MATRIX_SIZE, writeClientRepository } from './client-fixtures.js';

let repo: ClientRepository;
let t: TestGrpcServer;
let client: GrpcClient;
let http: HttpClient;

beforeAll(async () => {
  repo = writeClientRepository();
  t = await startTestGrpcServer({ modelRepositories: [repo.dir] });
  client = new GrpcClient(t.grpcAddress, { keepAliveTimeMs: 60_000, headers: { 'x-client': 'nereid-test' } });
  http = new HttpClient(t.baseUrl);
});

afterAll(async () => {
  client?.close();
  await http?.close();
  await t?.close();
  repo?.remove();
});

function simpleInputs(offset = 0): { a: Int32Array; b: Int32Array; inputs: InferInput[] } {
  const a = Int32Array.from({ length: 16 }, (_, i) => i * 5 - 30 + offset);
  const b = Int32Array.from({ length: 16 }, (_, i) => 2 - i);
  return { a, b, inputs: [tensor('INPUT0', 'INT32', [1, 16], a), tensor('INPUT1', 'INT32', [1, 16], b)] };
}

describe('GrpcClient health, metadata and repository', () => {
  it('GrpcClient answers every metadata call as the HTTP client does', async () => {
    expect(await client.isServerLive()).toBe(true);
    expect(await client.isServerReady()).toBe(true);
    expect(await client.isModelReady('simple')).toBe(true);
    expect(await client.isModelReady('simple', '1')).toBe(true);
    expect(await client.serverMetadata()).toEqual(await http.serverMetadata());
    expect(await client.modelMetadata('simple')).toEqual(await http.modelMetadata('simple'));
    expect((await client.modelMetadata('simple')).inputs[0]!.shape).toEqual([-1, 16]);
    const config = await client.modelConfig('text_orientation');
    expect(config.name).toBe('text_orientation');
    expect(config.max_batch_size).toBe(8);
    expect(config.output[0].label_filename).toBe('labels.txt');
    expect(await client.repositoryIndex()).toEqual(await http.repositoryIndex());
    expect(await client.repositoryIndex({ ready: true })).toEqual(
      await http.repositoryIndex({ ready: true }),
    );
  });

  it('GrpcClient returns statistics as numbers that count its own inferences', async () => {
    const before = (await client.modelStatistics('custom_identity_int32')).model_stats[0]!;
    await client.infer('custom_identity_int32', [tensor('INPUT0', 'INT32', [3, 1], [1, 2, 3])]);
    const after = (await client.modelStatistics('custom_identity_int32', '1')).model_stats[0]!;
    expect(typeof after.inference_count).toBe('number');
    expect(after.inference_count).toBe(before.inference_count + 3);
    expect(after.inference_stats.success!.count).toBe((before.inference_stats.success?.count ?? 0) + 1);
    const all = await client.modelStatistics();
    expect(all.model_stats.length).toBe((await http.modelStatistics()).model_stats.length);
  });

  it('GrpcClient surfaces the refusal of load and unload with the gRPC status', async () => {
    const load = await rejection(
      client.loadModel('simple', { config: '{}', files: { '1/model.onnx': new Uint8Array([1]) } }),
    );
    const httpLoad = await rejection(http.loadModel('simple'));
    expect(load.status).toBe(httpLoad.status);
    expect(load.grpcCode).toBeGreaterThan(0);
    const unload = await rejection(client.unloadModel('simple'));
    expect(unload.status).toBe(httpLoad.status);
  });
});

describe('GrpcClient infers', () => {
  it('GrpcClient runs simple, simple_int8, simple_string and custom_identity_int32', async () => {
    const { a, b, inputs } = simpleInputs();
    const result = await client.infer('simple', inputs, { requestId: 'g1' });
    expect(result.requestId).toBe('g1');
    expect(result.modelVersion).toBe('1');
    expect(result.isFinal).toBe(true);
    expect(Array.from(result.output<Int32Array>('OUTPUT0'))).toEqual(Array.from(a, (x, i) => x + b[i]!));
    expect(Array.from(result.output<Int32Array>('OUTPUT1'))).toEqual(Array.from(a, (x, i) => x - b[i]!));
    const int8 = await client.infer('simple_int8', [
      tensor('INPUT0', 'INT8', [1, 16], new Int8Array(16).fill(100)),
      tensor('INPUT1', 'INT8', [1, 16], new Int8Array(16).fill(100)),
    ]);
    expect(int8.output<Int8Array>('OUTPUT0')[0]).toBe(-56);
    const s = Array.from({ length: 16 }, (_, i) => String(i));
    const strings = await client.infer('simple_string', [
      tensor('INPUT0', 'BYTES', [1, 16], s),
      tensor('INPUT1', 'BYTES', [1, 16], s),
    ]);
    expect(strings.outputAsStrings('OUTPUT0')).toEqual(s.map((x) => String(2 * Number(x))));
    const identity = await client.infer('custom_identity_int32', [
      tensor('INPUT0', 'INT32', [1, 4], [9, -9, 0, 1]),
    ]);
    expect(identity.shape('OUTPUT0')).toEqual([1, 4]);
    expect(Array.from(identity.output<Int32Array>('OUTPUT0'))).toEqual([9, -9, 0, 1]);
  });

  it('GrpcClient classifies text_orientation with labels like the HTTP client', async () => {
    const pixels = Float32Array.from({ length: 3 * 3 * 48 * 192 }, (_, i) => Math.sin(i * 0.002));
    const inputs = [tensor('x', 'FP32', [3, 3, 48, 192], pixels)];
    const outputs = [{ name: 'softmax_0.tmp_0', classCount: 2 }];
    const result = await client.infer('text_orientation', inputs, { outputs });
    expect(result.shape('softmax_0.tmp_0')).toEqual([3, 2]);
    const viaHttp = await http.infer('text_orientation', inputs, { outputs });
    expect(result.outputAsStrings('softmax_0.tmp_0')).toEqual(viaHttp.outputAsStrings('softmax_0.tmp_0'));
    expect(result.outputAsStrings('softmax_0.tmp_0')[0]).toMatch(/^[0-9.e-]+:[01]:(0|180)_degree$/);
  });

  it('GrpcClient round-trips every datatype through identity models', async () => {
    const inputs = [
      tensor('IN_BOOL', 'BOOL', [2], [false, true]),
      tensor('IN_UINT8', 'UINT8', [2], [0, 255]),
      tensor('IN_UINT16', 'UINT16', [2], [0, 65535]),
      tensor('IN_UINT32', 'UINT32', [2], [0, 4294967295]),
      tensor('IN_UINT64', 'UINT64', [2], [0n, 2n ** 64n - 1n]),
      tensor('IN_INT8', 'INT8', [2], [-128, 127]),
      tensor('IN_INT16', 'INT16', [2], [-32768, 32767]),
      tensor('IN_INT32', 'INT32', [2], [-2147483648, 2147483647]),
      tensor('IN_INT64', 'INT64', [2], [-(2n ** 63n), 2n ** 63n - 1n]),
      tensor('IN_FP32', 'FP32', [2], [0.1, -1e30]),
      tensor('IN_FP64', 'FP64', [2], [0.1, -1e300]),
      tensor('IN_BYTES', 'BYTES', [2], ['gRPC', 'ünïcode']),
    ];
    const result = await client.infer('identity_all', inputs);
    for (const input of inputs) {
      const name = input.name.replace('IN_', 'OUT_');
      expect(result.datatype(name)).toBe(input.datatype);
      expect(Buffer.from(result.raw(name))).toEqual(Buffer.from(input.data));
    }
    expect(result.output<BigUint64Array>('OUT_UINT64')[1]).toBe(2n ** 64n - 1n);
    expect(result.output<BigInt64Array>('OUT_INT64')[0]).toBe(-(2n ** 63n));
    expect(result.outputAsStrings('OUT_BYTES')).toEqual(['gRPC', 'ünïcode']);
    const fp16 = await client.infer('identity_fp16', [
      tensor('IN_FP16', 'FP16', [2], new Float32Array([0.5, -2])),
    ]);
    expect(Array.from(fp16.outputAsFloat32('OUT_FP16'))).toEqual([0.5, -2]);
  });

  it('GrpcClient sends priority, timeout and parameters that the server accepts', async () => {
    const { a, b, inputs } = simpleInputs(3);
    const result = await client.infer('simple', inputs, {
      priority: 2,
      timeoutUs: 10_000_000,
      parameters: { custom_flag: true, custom_text: 'x', custom_number: 1.5 },
      outputs: ['OUTPUT0'],
    });
    expect(result.outputNames()).toEqual(['OUTPUT0']);
    expect(Array.from(result.output<Int32Array>('OUTPUT0'))).toEqual(Array.from(a, (x, i) => x + b[i]!));
  });

  it('GrpcClient sends compressed messages when the channel compresses', async () => {
    const compressed = new GrpcClient(t.grpcAddress, { compression: 'gzip' });
    try {
      const { a, b, inputs } = simpleInputs(7);
      const result = await compressed.infer('simple', inputs);
      expect(Array.from(result.output<Int32Array>('OUTPUT1'))).toEqual(Array.from(a, (x, i) => x - b[i]!));
    } finally {
      compressed.close();
    }
  });
});

describe('GrpcClient errors', () => {
  it("GrpcClient rejects an unknown model with NOT_FOUND, gRPC code 5 and Triton's message", async () => {
    const err = await rejection(client.infer('no_such_model', simpleInputs().inputs));
    expect(err.status).toBe(Status.NOT_FOUND);
    expect(err.grpcCode).toBe(5);
    expect(err.httpStatus).toBeUndefined();
    expect(err.message).toBe("Request for unknown model: 'no_such_model' is not found");
  });

  it('GrpcClient rejects a bad shape with INVALID_ARG and the same message as over HTTP', async () => {
    const bad = [
      tensor('INPUT0', 'INT32', [1, 15], new Int32Array(15)),
      tensor('INPUT1', 'INT32', [1, 15], new Int32Array(15)),
    ];
    const err = await rejection(client.infer('simple', bad));
    const viaHttp = await rejection(http.infer('simple', bad));
    expect(err.status).toBe(Status.INVALID_ARG);
    expect(err.grpcCode).toBe(3);
    expect(err.message).toBe(viaHttp.message);
  });

  it('GrpcClient rejects a failing model run with INTERNAL', async () => {
    // Three values cannot take the shape [2, 2]: ONNX Runtime's Reshape fails the run.
    const err = await rejection(
      client.infer('reshape', [
        tensor('X', 'FP32', [3], new Float32Array([1, 2, 3])),
        tensor('S', 'INT64', [2], new BigInt64Array([2n, 2n])),
      ]),
    );
    expect(err.status).toBe(Status.INTERNAL);
    expect(err.grpcCode).toBe(13);
  });

  it('GrpcClient refuses the HTTP-only json option', async () => {
    const err = await rejection(client.infer('simple', simpleInputs().inputs, { json: true }));
    expect(err.code).toBe(ClientErrorCode.INVALID_INPUT);
  });
});

describe('GrpcClient cancels', () => {
  const x = [tensor('X', 'FP32', [1], [0.5])];

  it('GrpcClient cancels an in-flight call through its AbortSignal', async () => {
    const { cancelled, first } = await cancelQueuedInfer(client, t.server, x);
    expect(cancelled.status).toBe(Status.CANCELLED);
    expect(cancelled.code).toBe(ClientErrorCode.CANCELLED);
    expect(cancelled.grpcCode).toBe(1);
    expect(first.output<Float32Array>('Y')[0]).toBeCloseTo(0.25 * SLOW_MATRIX_SIZE, 0);
  });

  it('GrpcClient rejects with ERR_CLIENT_TIMEOUT when the deadline passes', async () => {
    const err = await rejection(client.infer('slow', x, { timeoutMs: 30 }));
    expect(err.code).toBe(ClientErrorCode.TIMEOUT);
    expect(err.grpcCode).toBe(4);
    expect(err.message).toBe("Inference on model 'slow' timed out after 30 ms");
  });
});

async function drain(items: AsyncIterable<StreamItem>): Promise<StreamItem[]> {
  const out: StreamItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('GrpcClient streams', () => {
  it('GrpcClient stream answers many requests in order with their ids', async () => {
    const stream = client.stream();
    const expected: number[][] = [];
    for (let k = 0; k < 20; k++) {
      const { a, b, inputs } = simpleInputs(k);
      expected.push(Array.from(a, (v, i) => v + b[i]!));
      stream.send({ model: 'simple', inputs, requestId: `s${k}`, outputs: ['OUTPUT0'] });
    }
    stream.end();
    const items = await drain(stream);
    expect(items.map((r) => r.requestId)).toEqual(expected.map((_, k) => `s${k}`));
    items.forEach((item, k) => {
      expect(item).toBeInstanceOf(InferResult);
      expect(Array.from((item as InferResult).output<Int32Array>('OUTPUT0'))).toEqual(expected[k]);
    });
    expect(() => stream.send({ model: 'simple', inputs: simpleInputs().inputs })).toThrow(/ended/);
  });

  it('GrpcClient stream yields in-band errors as InferenceServerError values and keeps going', async () => {
    const stream = client.stream();
    stream.send({ model: 'simple', inputs: simpleInputs().inputs, requestId: 'ok1' });
    stream.send({ model: 'nope', inputs: simpleInputs().inputs, requestId: 'bad' });
    stream.send({ model: 'simple', inputs: simpleInputs().inputs, requestId: 'ok2' });
    stream.end();
    const items = await drain(stream);
    expect(items.map((i) => [i.requestId, i instanceof InferResult])).toEqual([
      ['ok1', true],
      ['bad', false],
      ['ok2', true],
    ]);
    expect((items[1] as InferenceServerError).message).toBe("Request for unknown model: 'nope' is not found");
  });

  it('GrpcClient stream opened with tritonGrpcError ends with the gRPC status', async () => {
    const stream = client.stream({ tritonGrpcError: true });
    stream.send({ model: 'simple', inputs: simpleInputs().inputs, requestId: 'ok' });
    stream.send({ model: 'nope', inputs: simpleInputs().inputs, requestId: 'bad' });
    const seen: StreamItem[] = [];
    const err = await (async () => {
      for await (const item of stream) seen.push(item);
    })().catch((e: unknown) => e);
    expect(seen.map((i) => i.requestId)).toEqual(['ok']);
    expect(err).toBeInstanceOf(InferenceServerError);
    expect((err as InferenceServerError).status).toBe(Status.NOT_FOUND);
    expect((err as InferenceServerError).message).toBe("Request for unknown model: 'nope' is not found");
  });

  it('GrpcClient stream stops quietly when the loop breaks early', async () => {
    const stream = client.stream();
    for (let k = 0; k < 5; k++)
      stream.send({ model: 'simple', inputs: simpleInputs(k).inputs, requestId: `b${k}` });
    const ids: string[] = [];
    for await (const item of stream) {
      ids.push(item.requestId);
      if (ids.length === 2) break;
    }
    expect(ids).toEqual(['b0', 'b1']);
    expect(() => stream.send({ model: 'simple', inputs: simpleInputs().inputs })).toThrow(/ended/);
  });

  it('GrpcClient stream throws CANCELLED when its AbortSignal fires', async () => {
    const controller = new AbortController();
    const stream = client.stream({ signal: controller.signal });
    stream.send({ model: 'simple', inputs: simpleInputs().inputs, requestId: 'first' });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.requestId).toBe('first');
    stream.send({ model: 'simple', inputs: simpleInputs().inputs, requestId: 'second' });
    controller.abort();
    const err = await rejection(drain({ [Symbol.asyncIterator]: () => iterator }));
    expect(err.status).toBe(Status.CANCELLED);
    expect(err.code).toBe(ClientErrorCode.CANCELLED);
    expect(() => stream.send({ model: 'simple', inputs: simpleInputs().inputs })).toThrow(/ended/);
  });
});

function _x(): InferInput[] {
  return [tensor('X', 'FP32', [1], [0.5])];
}
