/**
 * E2E: `simple_string` parses its BYTES inputs into int32 with ONNX Runtime's Cast. A request with
 * an element that is not a number gets a 400 naming the element before the model runs (it was a
 * 500 from ONNX Runtime, failing every request batched with it), over HTTP and gRPC, and valid
 * requests sent at the same time are answered correctly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient, HttpClient, InferInput } from '../../../src/client/index.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import { rejection } from '../model-management/management-fixtures.js';

let t: TestGrpcServer;
let http: HttpClient;
let grpc: GrpcClient;

beforeAll(async () => {
  t = await startTestGrpcServer();
  http = new HttpClient(t.baseUrl);
  grpc = new GrpcClient(t.grpcAddress);
});

afterAll(async () => {
  await http?.close();
  await grpc?.close();
  await t?.close();
});

function inputs(first: string): InferInput[] {
  const a = Array.from({ length: 16 }, (_, i) => (i === 0 ? first : String(i)));
  return [
    InferInput.fromValues('INPUT0', 'BYTES', [1, 16], a),
    InferInput.fromValues('INPUT1', 'BYTES', [1, 16], Array(16).fill('1')),
  ];
}

describe('numeric string inputs', () => {
  it('a non-numeric element is a 400 naming it, over HTTP and gRPC, while valid requests sent with it succeed', async () => {
    const calls = [];
    for (let i = 0; i < 8; i++) calls.push(http.infer('simple_string', inputs(String(i))));
    const bad = rejection(http.infer('simple_string', inputs('abc'), { requestId: 'r1' }));
    const results = await Promise.all(calls);
    expect(results.map((r) => r.outputAsStrings('OUTPUT0')[0])).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
    ]);
    const err = await bad;
    expect(err.httpStatus).toBe(400);
    expect(err.message).toBe(
      `[request id: r1] element 0 of input 'INPUT0' for model 'simple_string' is "abc", but the model reads this input as integers`,
    );
    const grpcErr = await rejection(grpc.infer('simple_string', inputs(' x1')));
    expect(grpcErr.grpcCode).toBe(3);
    // What strtoll reads is still accepted: leading spaces, a sign, trailing text.
    expect((await grpc.infer('simple_string', inputs(' +12abc'))).outputAsStrings('OUTPUT0')[0]).toBe('13');
  });
});
