/**
 * The client's own checks and codecs, without a server: tensor() refuses data that does not match
 * its datatype or shape before anything is sent; InferResult views outputs (copying unaligned
 * ones); the gRPC request carries Triton's parameter typing; decoupled final flags are read.
 */
import { describe, expect, it } from 'vitest';
import {
  ClientErrorCode,
  decodeGrpcInferResponse,
  decodeHttpInferResponse,
  encodeGrpcInferRequest,
  encodeHttpInferRequest,
  InferenceServerError,
  InferInput,
  Status,
  tensor,
} from '../../../src/client/index.js';

function refusal(fn: () => unknown): InferenceServerError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InferenceServerError);
    expect((err as InferenceServerError).status).toBe(Status.INVALID_ARG);
    expect((err as InferenceServerError).code).toBe(ClientErrorCode.INVALID_INPUT);
    return err as InferenceServerError;
  }
  throw new Error('Expected a refusal');
}

describe('tensor() checks before sending', () => {
  it('tensor() refuses an element count that does not match the shape', () => {
    expect(refusal(() => tensor('INPUT0', 'INT32', [1, 16], new Int32Array(15))).message).toBe(
      "Input 'INPUT0' has 15 elements but shape [1,16] needs 16",
    );
  });

  it('tensor() refuses a typed array of the wrong kind for the datatype', () => {
    expect(refusal(() => tensor('x', 'INT32', [2], new Float32Array(2))).message).toBe(
      "Input 'x' of datatype INT32 needs an Int32Array or number[]: received Float32Array",
    );
    refusal(() => tensor('x', 'INT64', [1], new Int32Array(1)));
    refusal(() => tensor('x', 'FP16', [1], new Float64Array(1)));
    refusal(() => tensor('x', 'BYTES', [1], new Uint8Array(1)));
  });

  it('tensor() refuses out-of-range and non-integer values for integer datatypes', () => {
    expect(refusal(() => tensor('x', 'UINT8', [2], [1, 256])).message).toBe(
      "Input 'x': element 1 is 256, not an integer in the range of UINT8 [0, 255]",
    );
    refusal(() => tensor('x', 'INT32', [1], [1.5]));
    refusal(() => tensor('x', 'UINT64', [1], [-1n]));
    refusal(() => tensor('x', 'INT64', [1], [2 ** 60]));
  });

  it('tensor() refuses unknown datatypes, bad shapes and bad BYTES elements', () => {
    refusal(() => tensor('x', 'FP8' as 'FP32', [1], [1]));
    refusal(() => tensor('x', 'FP32', [-1], []));
    refusal(() => tensor('x', 'BYTES', [2], ['a', 5 as unknown as string]));
    refusal(() => InferInput.fromBytes('x', 'FP32', [2], new Uint8Array(7)));
    refusal(() => InferInput.fromBytes('x', 'BYTES', [2], new Uint8Array([1, 0, 0, 0, 65])));
  });

  it('tensor() builds wire bytes: views for typed arrays, conversions for plain arrays', () => {
    const values = new Int32Array([1, -2]);
    const t = tensor('x', 'INT32', [2], values);
    expect(t.data.buffer).toBe(values.buffer);
    expect(Array.from(tensor('b', 'BOOL', [3], [true, false, true]).data)).toEqual([1, 0, 1]);
    expect(Array.from(new Uint16Array(tensor('h', 'BF16', [1], [1]).data.slice().buffer))).toEqual([0x3f80]);
    expect(Array.from(tensor('s', 'BYTES', [1], ['ab']).data)).toEqual([2, 0, 0, 0, 97, 98]);
    expect(tensor('u', 'UINT64', [1], new BigInt64Array([-1n])).data.length).toBe(8);
  });
});

describe('HTTP codec', () => {
  it('encodeHttpInferRequest writes the binary extension header and keeps tensors as separate chunks', () => {
    const a = tensor('A', 'FP32', [2], [1, 2]);
    const encoded = encodeHttpInferRequest([a], {
      requestId: 'r',
      sequenceId: 7n,
      sequenceStart: true,
      outputs: [{ name: 'B', classCount: 3 }],
    });
    const header = JSON.parse(Buffer.from(encoded.chunks[0]!).toString());
    expect(encoded.headerLength).toBe(encoded.chunks[0]!.length);
    expect(encoded.chunks[1]).toBe(a.data);
    expect(header).toEqual({
      id: 'r',
      parameters: { sequence_id: 7, sequence_start: true, sequence_end: false },
      inputs: [{ name: 'A', shape: [2], datatype: 'FP32', parameters: { binary_data_size: 8 } }],
      outputs: [{ name: 'B', parameters: { binary_data: true, classification: 3 } }],
    });
    const plain = encodeHttpInferRequest([a], {});
    expect(JSON.parse(Buffer.from(plain.chunks[0]!).toString()).parameters).toEqual({
      binary_data_output: true,
    });
  });

  it('decodeHttpInferResponse copies an output that sits at an unaligned offset', () => {
    const json =
      '{"model_name":"m","model_version":"1","outputs":[{"name":"Y","datatype":"INT32","shape":[2],"parameters":{"binary_data_size":8}}]}';
    const body = Buffer.concat([Buffer.from(json), Buffer.from(new Int32Array([7, -8]).buffer)]);
    const result = decodeHttpInferResponse(new Uint8Array(body), json.length);
    expect(Array.from(result.output<Int32Array>('Y'))).toEqual([7, -8]);
    expect(() => decodeHttpInferResponse(new Uint8Array(body), json.length + 1)).toThrow(
      InferenceServerError,
    );
  });
});

describe('gRPC codec', () => {
  it("encodeGrpcInferRequest types reserved parameters as Triton's clients do and sends raw contents", () => {
    const a = tensor('A', 'INT32', [1], [3]);
    const request = encodeGrpcInferRequest('m', [a], {
      sequenceId: 'corr-1',
      sequenceEnd: true,
      priority: 1,
      timeoutUs: 100,
      parameters: { custom: 2.5 },
      outputs: [{ name: 'B', classCount: 2 }],
    });
    expect(request.parameters).toEqual({
      custom: { double_param: 2.5 },
      sequence_id: { string_param: 'corr-1' },
      sequence_start: { bool_param: false },
      sequence_end: { bool_param: true },
      priority: { uint64_param: 1 },
      timeout: { int64_param: 100 },
    });
    expect(request.raw_input_contents).toEqual([a.data]);
    expect(request.outputs).toEqual([{ name: 'B', parameters: { classification: { int64_param: 2 } } }]);
    expect(encodeGrpcInferRequest('m', [a], { sequenceId: 5 }).parameters!.sequence_id).toEqual({
      int64_param: 5,
    });
  });

  it('decodeGrpcInferResponse reads the decoupled final flag and int64 shapes', () => {
    const message = {
      model_name: 'd',
      model_version: '1',
      id: 'q',
      parameters: { triton_final_response: { parameter_choice: 'bool_param' as const, bool_param: false } },
      outputs: [{ name: 'Y', datatype: 'INT64', shape: [2n], parameters: {} }],
      raw_output_contents: [new Uint8Array(new BigInt64Array([1n, -(2n ** 62n)]).buffer)],
    };
    const result = decodeGrpcInferResponse(message);
    expect(result.isFinal).toBe(false);
    expect(result.shape('Y')).toEqual([2]);
    expect(result.output<BigInt64Array>('Y')[1]).toBe(-(2n ** 62n));
    expect(decodeGrpcInferResponse({ ...message, parameters: {} }).isFinal).toBe(true);
  });
});
