/**
 * E2E: the sequence-batching examples (JavaScript models on the bundled repository) over HTTP,
 * gRPC ModelInfer and gRPC ModelStreamInfer with the project's own client: control tensors per
 * strategy, integer and string correlation ids, many sequences interleaved on several streams,
 * and Triton's errors for a missing START or id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient, HttpClient, InferInput, type InferResult } from '../../../src/client/index.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';

let t: TestGrpcServer;
let http: HttpClient;
let grpc: GrpcClient;

beforeAll(async () => {
  t = await startTestGrpcServer();
  http = new HttpClient(t.baseUrl);
  grpc = new GrpcClient(t.grpcAddress);
}, 60_000);

afterAll(async () => {
  grpc?.close();
  await http?.close();
  await t?.close();
});

const input = (value: number) => [InferInput.fromValues('INPUT', 'INT32', [1, 1], [value])];
const out = (r: InferResult) => (r.output('OUTPUT') as Int32Array)[0];

/** Sends `values` as one sequence with `client.infer`, in order, and returns the outputs. */
async function runSequence(
  client: HttpClient | GrpcClient,
  model: string,
  id: number | string,
  values: number[],
): Promise<number[]> {
  const outputs: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const r = await client.infer(model, input(values[i]!), {
      sequenceId: id,
      sequenceStart: i === 0,
      sequenceEnd: i === values.length - 1,
    });
    outputs.push(out(r)!);
  }
  return outputs;
}

describe('sequence batching examples', () => {
  it('simple_sequence answers (INPUT + START) * READY over HTTP and gRPC', async () => {
    expect(await runSequence(http, 'simple_sequence', 11, [5, 7, 9])).toEqual([6, 7, 9]);
    expect(await runSequence(grpc, 'simple_sequence', 12, [1, 2])).toEqual([2, 2]);
  });

  it('simple_dyna_sequence adds END * CORRID with a UINT64 correlation id', async () => {
    expect(await runSequence(grpc, 'simple_dyna_sequence', 123456, [4, 5, 6])).toEqual([5, 5, 123462]);
  });

  it('simple_string_dyna_sequence accumulates per string id and adds the id at END', async () => {
    expect(await runSequence(http, 'simple_string_dyna_sequence', '100', [1, 2, 3])).toEqual([1, 3, 106]);
    expect(await runSequence(grpc, 'simple_string_dyna_sequence', 'session-a', [4, 4])).toEqual([4, 8]);
  });

  it('simple_string_dyna_sequence wraps its sum to int32 as perf_analyzer random data needs', async () => {
    const big = 2_000_000_000;
    // 2e9 + 2e9 wraps to -294967296; END adds the id 7: every answer fits INT32, as Triton's does.
    expect(await runSequence(http, 'simple_string_dyna_sequence', '7', [big, big, -1])).toEqual([
      big,
      (big + big) | 0,
      (big + big - 1 + 7) | 0,
    ]);
  });

  it('many interleaved sequences on gRPC streams each keep their own sum', async () => {
    const streams = 4;
    const perStream = 6;
    const steps = 5;
    const expected = new Map<string, number[]>();
    const results = await Promise.all(
      Array.from({ length: streams }, async (_, s) => {
        const stream = grpc.stream();
        for (let step = 0; step < steps; step++) {
          for (let k = 0; k < perStream; k++) {
            const id = `${1000 + s * perStream + k}`;
            const value = s * 100 + k * 10 + step;
            stream.send({
              model: 'simple_string_dyna_sequence',
              inputs: input(value),
              requestId: `${id}/${step}`,
              sequenceId: id,
              sequenceStart: step === 0,
              sequenceEnd: step === steps - 1,
            });
            const sums = expected.get(id) ?? [];
            const previous = sums.at(-1) ?? 0;
            sums.push(previous + value + (step === steps - 1 ? Number(id) : 0));
            expected.set(id, sums);
          }
        }
        stream.end();
        const got: [string, number][] = [];
        for await (const item of stream) {
          if (item instanceof Error) throw item;
          got.push([item.requestId, out(item)!]);
        }
        return got;
      }),
    );
    const bySequence = new Map<string, number[]>();
    for (const [requestId, value] of results.flat()) {
      const id = requestId.split('/')[0]!;
      bySequence.set(id, [...(bySequence.get(id) ?? []), value]);
    }
    expect(bySequence).toEqual(expected);
  });

  it('a request without START for an unknown sequence fails with Triton text', async () => {
    await expect(http.infer('simple_sequence', input(1), { sequenceId: 999 })).rejects.toThrow(
      "inference request for sequence 999 to model 'simple_sequence' must specify the START flag on the first request of the sequence",
    );
    await expect(grpc.infer('simple_dyna_sequence', input(1), { sequenceId: 'x-1' })).rejects.toThrow(
      /must be an unsigned integer because its CORRID control 'CORRID' is UINT64/,
    );
  });

  it('a request to a sequence model without a sequence id fails', async () => {
    await expect(http.infer('simple_sequence', input(1))).rejects.toThrow(
      "inference request to model 'simple_sequence' must specify a non-zero or non-empty correlation ID",
    );
  });
});
