/**
 * The decoupled path from backend to gRPC client, ahead of a real decoupled backend: a real core
 * and real gRPC frontend over an in-process backend that answers through ExecutionSink.onResponse
 * (several responses per request, an empty final response, an error). It covers BatchExecution's
 * onResponse and the stream session's decoupled handling; the JS backend will bring the e2e.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Backend,
  BackendInstance,
  ExecutionBatch,
  ExecutionSink,
  InstanceContext,
  ModelFileMetadata,
} from '../../../src/backends/index.js';
import { BackendRegistry } from '../../../src/backends/index.js';
import { ServerError, Status } from '../../../src/common/errors.js';
import { tempModelDir } from '../../helpers/onnx-fixtures.js';
import {
  int32Bytes,
  openStream,
  readInt32,
  startTestGrpcServer,
  type TestGrpcServer,
  unaryError,
} from '../../helpers/test-grpc-server.js';

/**
 * The fake model: input IN INT32[1] = n. n >= 0 sends responses OUT = 0..n-1 and then, unless the
 * request parameter `final_on_last` is true, an empty final response; n < 0 fails the request
 * after one response. Responses are spread over event-loop turns so streams interleave.
 */
class CountdownInstance implements BackendInstance {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  execute(batch: ExecutionBatch, sink: ExecutionSink): void {
    const n = new Int32Array(new Uint8Array(batch.inputs[0]!.data).buffer)[0]!;
    const finalOnLast = batch.requests[0]!.parameters.final_on_last === true;
    let k = 0;
    const step = (): void => {
      if (n < 0) {
        if (k === 0) {
          sink.onResponse!(0, [out(0)], false, null);
          k++;
          setImmediate(step);
          return;
        }
        sink.onResponse!(
          0,
          null,
          true,
          new ServerError(Status.INTERNAL, 'ERR_BACKEND', `Countdown cannot start from ${n}`),
        );
      } else if (k < n) {
        sink.onResponse!(0, [out(k)], finalOnLast && k === n - 1, null);
        k++;
        if (k < n || !finalOnLast) setImmediate(step);
        return;
      } else {
        sink.onResponse!(0, null, true, null);
      }
    };
    setImmediate(step);
    sink.onResult({
      outputs: null,
      perRequest: null,
      computeInputNs: 0,
      computeInferNs: 1000,
      computeOutputNs: 0,
    });
  }
  onExit(): void {}
  async close(): Promise<void> {}
}

function out(value: number) {
  return {
    name: 'OUT',
    datatype: 'INT32' as const,
    shape: [1],
    data: new Uint8Array(Int32Array.of(value).buffer),
  };
}

const countdownBackend: Backend = {
  name: 'countdown',
  platforms: [],
  defaultModelFilename: 'model.countdown',
  implicitState: false,
  async inspect(_context: InstanceContext): Promise<ModelFileMetadata> {
    return {
      inputs: [{ name: 'IN', datatype: 'INT32', shape: [1] }],
      outputs: [{ name: 'OUT', datatype: 'INT32', shape: [1] }],
    };
  },
  async createInstance(context: InstanceContext): Promise<BackendInstance> {
    return new CountdownInstance(context.instanceName);
  },
};

let t: TestGrpcServer;

beforeAll(async () => {
  const repo = tempModelDir('nereid-decoupled-');
  mkdirSync(join(repo, 'countdown', '1'), { recursive: true });
  writeFileSync(join(repo, 'countdown', '1', 'model.countdown'), '');
  writeFileSync(
    join(repo, 'countdown', 'config.pbtxt'),
    [
      'name: "countdown"',
      'backend: "countdown"',
      'max_batch_size: 0',
      'model_transaction_policy { decoupled: true }',
      'input [ { name: "IN" data_type: TYPE_INT32 dims: [ 1 ] } ]',
      'output [ { name: "OUT" data_type: TYPE_INT32 dims: [ 1 ] } ]',
      'instance_group [ { kind: KIND_CPU count: 2 } ]',
    ].join('\n'),
  );
  const backends = new BackendRegistry();
  backends.register(countdownBackend);
  t = await startTestGrpcServer({ modelRepositories: [repo], backends });
});

afterAll(async () => {
  await t?.close();
});

function countdown(id: string, n: number, parameters: Record<string, unknown> = {}) {
  return {
    model_name: 'countdown',
    id,
    parameters,
    inputs: [{ name: 'IN', datatype: 'INT32', shape: [1] }],
    raw_input_contents: [int32Bytes([n])],
  };
}

function collect(stream: grpc.ClientDuplexStream<any, any>): Promise<any[]> {
  const messages: any[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (m) => messages.push(m));
    stream.on('end', () => resolve(messages));
    stream.on('error', reject);
  });
}

/** [id, OUT value or null for an empty response, triton_final_response] of a stream message. */
function summary(m: any): [string, number | null, boolean] {
  const r = m.infer_response;
  const value = r.raw_output_contents.length > 0 ? readInt32(r.raw_output_contents[0])[0]! : null;
  return [r.id, value, r.parameters.triton_final_response.bool_param];
}

describe('Decoupled models over ModelStreamInfer', () => {
  it('A decoupled request gets n responses flagged not final, and the empty final response only when it asks', async () => {
    const stream = openStream(t.client);
    const result = collect(stream);
    stream.write(countdown('plain', 3));
    stream.end();
    expect((await result).map(summary)).toEqual([
      ['plain', 0, false],
      ['plain', 1, false],
      ['plain', 2, false],
    ]);
    const asking = openStream(t.client);
    const asked = collect(asking);
    asking.write(countdown('empty', 2, { triton_enable_empty_final_response: { bool_param: true } }));
    asking.write(countdown('zero', 0, { triton_enable_empty_final_response: { bool_param: true } }));
    asking.end();
    const messages = await asked;
    expect(messages.filter((m) => m.infer_response.id === 'empty').map(summary)).toEqual([
      ['empty', 0, false],
      ['empty', 1, false],
      ['empty', null, true],
    ]);
    expect(messages.filter((m) => m.infer_response.id === 'zero').map(summary)).toEqual([
      ['zero', null, true],
    ]);
    expect(
      messages.every(
        (m) => m.infer_response.model_name === 'countdown' && m.infer_response.model_version === '1',
      ),
    ).toBe(true);
  });

  it('A decoupled response that carries the final flag has triton_final_response true', async () => {
    const stream = openStream(t.client);
    const result = collect(stream);
    stream.write(countdown('last', 2, { final_on_last: { bool_param: true } }));
    stream.end();
    expect((await result).map(summary)).toEqual([
      ['last', 0, false],
      ['last', 1, true],
    ]);
  });

  it('A decoupled request that fails after a response reports the error in-band with its id', async () => {
    const stream = openStream(t.client);
    const result = collect(stream);
    stream.write(countdown('broken', -1));
    stream.end();
    const messages = await result;
    expect(messages.length).toBe(2);
    expect(summary(messages[0])).toEqual(['broken', 0, false]);
    expect(messages[1].error_message).toBe('Countdown cannot start from -1');
    expect(messages[1].infer_response.id).toBe('broken');
  });

  it('Concurrent decoupled streams each get exactly their responses, in order per request', async () => {
    const STREAMS = 4;
    const PER_STREAM = 25;
    const streams = Array.from({ length: STREAMS }, () => openStream(t.client));
    const results = streams.map(collect);
    for (let i = 0; i < PER_STREAM; i++) {
      for (let s = 0; s < STREAMS; s++) streams[s]!.write(countdown(`s${s}-${i}`, (i + s) % 5));
    }
    for (const stream of streams) stream.end();
    const all = await Promise.all(results);
    for (let s = 0; s < STREAMS; s++) {
      const byId = new Map<string, number[]>();
      for (const m of all[s]!) {
        const [id, value, final] = summary(m);
        expect(final).toBe(false);
        byId.set(id, [...(byId.get(id) ?? []), value!]);
      }
      for (let i = 0; i < PER_STREAM; i++) {
        const n = (i + s) % 5;
        expect(byId.get(`s${s}-${i}`) ?? []).toEqual(Array.from({ length: n }, (_, k) => k));
      }
    }
    const stats = t.server.statistics('countdown').model_stats[0]!;
    expect(stats.inference_stats.success.count).toBeGreaterThanOrEqual(STREAMS * PER_STREAM);
  });
});

describe('Decoupled models over unary ModelInfer and HTTP', () => {
  it('Unary ModelInfer on a decoupled model answers UNIMPLEMENTED with Triton text', async () => {
    const error = await unaryError(t.client, 'ModelInfer', countdown('u', 1));
    expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(error.details).toBe("ModelInfer RPC doesn't support models with decoupled transaction policy");
  });

  it('HTTP infer on a decoupled model answers 501', async () => {
    const res = await fetch(`${t.baseUrl}/v2/models/countdown/infer`, {
      method: 'POST',
      body: JSON.stringify({ inputs: [{ name: 'IN', datatype: 'INT32', shape: [1], data: [1] }] }),
    });
    expect(res.status).toBe(501);
    expect((await res.json()).error).toBe(
      "HTTP end point doesn't support models with decoupled transaction policy",
    );
  });
});
