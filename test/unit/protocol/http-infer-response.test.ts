import { describe, expect, it } from 'vitest';
import { ServerError } from '../../../src/common/errors.js';
import type { OutputEncodingRequest, RequestedOutput, Tensor } from '../../../src/protocol/index.js';
import {
  classify,
  concatChunks,
  decodeHttpInferRequest,
  encodeBytesElements,
  encodeHttpInferResponse,
} from '../../../src/protocol/index.js';
import { bytesOf, jsonBody } from './request-builder.js';

function requested(name: string, binary: boolean | undefined, shm = false): RequestedOutput {
  return {
    name,
    classCount: 0,
    binary,
    parameters: {},
    sharedMemory: shm ? { region: 'r', offsetBytes: 0, byteSize: 8 } : null,
  };
}

const A: Tensor = { name: 'A', datatype: 'INT32', shape: [1, 2], data: bytesOf(new Int32Array([7, -1])) };
const B: Tensor = { name: 'B', datatype: 'FP32', shape: [2], data: bytesOf(new Float32Array([0.5, -2])) };
const C: Tensor = { name: 'C', datatype: 'BYTES', shape: [2], data: encodeBytesElements(['hi', '']) };
const D: Tensor = { name: 'D', datatype: 'FP16', shape: [4], data: new Uint8Array(8) };

describe('encodeHttpInferResponse', () => {
  it('encodes a binary and JSON mix byte-exactly with Inference-Header-Content-Length', () => {
    const request: OutputEncodingRequest = {
      binaryDataOutput: true,
      outputs: [requested('B', false), requested('A', undefined), requested('D', undefined, true)],
    };
    const encoded = encodeHttpInferResponse(
      {
        id: 'r1',
        modelName: 'simple',
        modelVersion: '1',
        parameters: { seq: 3n, ok: true },
        outputs: [A, B, C, D],
      },
      request,
    );
    const header =
      '{"id":"r1","model_name":"simple","model_version":"1","parameters":{"seq":3,"ok":true},"outputs":[' +
      '{"name":"A","datatype":"INT32","shape":[1,2],"parameters":{"binary_data_size":8}},' +
      '{"name":"B","datatype":"FP32","shape":[2],"data":[0.5,-2]},' +
      '{"name":"C","datatype":"BYTES","shape":[2],"parameters":{"binary_data_size":10}},' +
      '{"name":"D","datatype":"FP16","shape":[4]}]}';
    expect(encoded.contentType).toBe('application/octet-stream');
    expect(encoded.headerLength).toBe(Buffer.byteLength(header));
    expect(encoded.chunks.length).toBe(3);
    const expected = Buffer.concat([Buffer.from(header), Buffer.from(A.data), Buffer.from(C.data)]);
    expect(Buffer.from(concatChunks(encoded.chunks)).equals(expected)).toBe(true);
    expect(encoded.chunks[1]).toBe(A.data); // binary outputs are passed through, not copied
  });

  it('reuses the header bytes of a response identical to the one before, and only then', () => {
    const binary: OutputEncodingRequest = { binaryDataOutput: true, outputs: null };
    const body = (outputs: Tensor[], id?: string) =>
      encodeHttpInferResponse({ id, modelName: 'simple', modelVersion: '1', outputs }, binary);
    const headerOf = (e: ReturnType<typeof body>) => Buffer.from(e.chunks[0]!).toString();
    const first = body([A]);
    const same = body([A]);
    expect(same.chunks[0]).toBe(first.chunks[0]);
    const other = body([{ ...A, shape: [2, 1] }]);
    expect(headerOf(other)).toContain('"shape":[2,1]');
    const withId = body([A], 'x');
    expect(headerOf(withId)).toContain('"id":"x"');
    const again = body([A]);
    expect(headerOf(again)).toBe(headerOf(first));
    expect(headerOf(again)).not.toContain('"id"');
    expect(again.headerLength).toBe(first.headerLength);
  });

  it('encodes pure JSON as application/json without a header length and omits an empty id', () => {
    const encoded = encodeHttpInferResponse(
      { id: '', modelName: 'm', modelVersion: '2', outputs: [A] },
      { binaryDataOutput: false, outputs: null },
    );
    expect(encoded.contentType).toBe('application/json');
    expect(encoded.headerLength).toBeUndefined();
    expect(Buffer.from(concatChunks(encoded.chunks)).toString()).toBe(
      '{"model_name":"m","model_version":"2","outputs":[{"name":"A","datatype":"INT32","shape":[1,2],"data":[7,-1]}]}',
    );
  });

  it('answers application/json when every binary output is empty, as Triton does', () => {
    const empty: Tensor = { name: 'E', datatype: 'FP32', shape: [0], data: new Uint8Array(0) };
    const encoded = encodeHttpInferResponse(
      { modelName: 'm', modelVersion: '1', outputs: [empty] },
      { binaryDataOutput: true, outputs: null },
    );
    expect(encoded.contentType).toBe('application/json');
    expect(encoded.headerLength).toBeUndefined();
    expect(Buffer.from(encoded.chunks[0]!).toString()).toContain('"parameters":{"binary_data_size":0}');
  });

  it('refuses to write an FP16 output as JSON with Triton message', () => {
    try {
      encodeHttpInferResponse(
        { modelName: 'm', modelVersion: '1', outputs: [D] },
        { binaryDataOutput: false, outputs: null },
      );
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ServerError);
      expect((err as ServerError).message).toBe(
        "Sending FP16 data via JSON is not supported. Please use the binary data format for output 'D'",
      );
    }
  });

  it('reports a binary output whose bytes do not match its shape as INTERNAL', () => {
    const bad: Tensor = { name: 'X', datatype: 'INT32', shape: [3], data: new Uint8Array(8) };
    try {
      encodeHttpInferResponse(
        { modelName: 'm', modelVersion: '1', outputs: [bad] },
        { binaryDataOutput: true, outputs: null },
      );
      expect.unreachable();
    } catch (err) {
      expect((err as ServerError).status).toBe('INTERNAL');
      expect((err as ServerError).message).toBe("Output 'X' has 8 bytes but shape [3] of INT32 needs 12");
    }
  });

  it('round-trips a decoded request choice through classification and encoding', () => {
    const req = decodeHttpInferRequest(
      jsonBody({
        inputs: [{ name: 'IN', datatype: 'FP32', shape: [1, 3], data: [0, 0, 0] }],
        outputs: [{ name: 'PROB', parameters: { classification: 2 } }],
      }),
      undefined,
    );
    const prob: Tensor = {
      name: 'PROB',
      datatype: 'FP32',
      shape: [1, 3],
      data: bytesOf(new Float32Array([0.1, 0.7, 0.2])),
    };
    const out = classify(prob, req.outputs![0]!.classCount, { batched: true, labels: ['a', 'b', 'c'] });
    const encoded = encodeHttpInferResponse({ modelName: 'm', modelVersion: '1', outputs: [out] }, req);
    expect(JSON.parse(Buffer.from(encoded.chunks[0]!).toString()).outputs[0]).toEqual({
      name: 'PROB',
      datatype: 'BYTES',
      shape: [1, 2],
      data: ['0.700000:1:b', '0.200000:2:c'],
    });
  });
});
