// The gRPC inference codec against real protobuf bytes: every request is serialized with the loaded
// definitions and parsed back (as the wire would), then decoded; responses are encoded, serialized
// and parsed back.
import { describe, expect, it } from 'vitest';
import type { DataType } from '../../../src/protocol/datatypes.js';
import {
  decodeGrpcInferRequest,
  encodeGrpcInferResponse,
  encodeGrpcStreamError,
  encodeGrpcStreamResponse,
  type ModelInferRequestMessage,
  type ModelInferResponseMessage,
  type ModelStreamInferResponseMessage,
  messageType,
} from '../../../src/protocol/grpc/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';

const requestCodec = messageType('inference.ModelInferRequest');
const responseCodec = messageType('inference.ModelInferResponse');
const streamCodec = messageType('inference.ModelStreamInferResponse');

/** The request as the server receives it: serialized to protobuf bytes and parsed back. */
function overTheWire(request: Record<string, unknown>): ModelInferRequestMessage {
  return requestCodec.deserialize(requestCodec.serialize(request)) as ModelInferRequestMessage;
}

/** Decodes a request after a trip over the wire. */
function decode(request: Record<string, unknown>) {
  return decodeGrpcInferRequest(overTheWire(request));
}

/** The ServerError a call throws (fails the test when it does not throw one). */
function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

/** Length-prefixed BYTES wire form, built independently of the code under test. */
function bytesWire(elements: Uint8Array[]): Uint8Array {
  const parts: Buffer[] = [];
  for (const e of elements) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(e.length);
    parts.push(len, Buffer.from(e));
  }
  return new Uint8Array(Buffer.concat(parts));
}

const SHAPE = [2, 3];

// Six sample elements per datatype, as the typed array that views them.
const SAMPLES: Record<Exclude<DataType, 'BYTES'>, ArrayBufferView> = {
  BOOL: Uint8Array.from([1, 0, 1, 1, 0, 0]),
  UINT8: Uint8Array.from([0, 1, 127, 128, 255, 42]),
  UINT16: Uint16Array.from([0, 1, 32767, 32768, 65535, 300]),
  UINT32: Uint32Array.from([0, 1, 2 ** 31, 2 ** 32 - 1, 65536, 7]),
  UINT64: BigUint64Array.from([0n, 1n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, 9n]),
  INT8: Int8Array.from([-128, -1, 0, 1, 127, 42]),
  INT16: Int16Array.from([-32768, -1, 0, 1, 32767, 300]),
  INT32: Int32Array.from([-(2 ** 31), -1, 0, 1, 2 ** 31 - 1, 123456]),
  INT64: BigInt64Array.from([-(2n ** 63n), -1n, 0n, 2n ** 53n + 1n, 2n ** 63n - 1n, 5n]),
  FP16: Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7e00]),
  FP32: Float32Array.from([1.5, -0, Number.POSITIVE_INFINITY, 3.4e38, 1e-45, -2.25]),
  FP64: Float64Array.from([Math.PI, -0, Number.NEGATIVE_INFINITY, 1.7e308, 5e-324, -2.25]),
  BF16: Uint16Array.from([0x3f80, 0xbf80, 0x7f7f, 0x0001, 0x8000, 0x4049]),
};

const BYTES_SAMPLE = [
  Buffer.from('hello'),
  Buffer.from([0, 0, 0]),
  Buffer.from(''),
  Buffer.from('a\0b\0'),
  Buffer.from('héllo ✓', 'utf8'),
  Buffer.from([255, 0, 1]),
];

// Triton's typed-contents field of each datatype (triton-protocol.md §2.1).
const TYPED_FIELD: Record<string, string> = {
  BOOL: 'bool_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

function typedValues(datatype: string, sample: ArrayBufferView): unknown[] {
  const values = Array.from(sample as unknown as ArrayLike<number | bigint>);
  return datatype === 'BOOL' ? values.map((v) => v === 1) : values;
}

const fixedTypes = Object.keys(SAMPLES) as (keyof typeof SAMPLES)[];

describe('decodeGrpcInferRequest', () => {
  it('decodeGrpcInferRequest reads every datatype from raw_input_contents after protobuf serialization', () => {
    const inputs: { name: string; datatype: DataType; shape: number[] }[] = fixedTypes.map((dt) => ({
      name: `IN_${dt}`,
      datatype: dt,
      shape: SHAPE,
    }));
    inputs.push({ name: 'IN_BYTES', datatype: 'BYTES', shape: SHAPE });
    const raw = [...fixedTypes.map((dt) => bytesOf(SAMPLES[dt])), bytesWire(BYTES_SAMPLE)];
    const decoded = decode({ model_name: 'all_types', inputs, raw_input_contents: raw });
    expect(decoded.inputs.map((t) => t.name)).toEqual(inputs.map((i) => i.name));
    for (let i = 0; i < inputs.length; i++) {
      const tensor = decoded.inputs[i]!;
      expect(tensor.datatype).toBe(inputs[i]!.datatype);
      expect(tensor.shape).toEqual(SHAPE);
      expect(new Uint8Array(tensor.data)).toEqual(raw[i]);
    }
  });

  it('decodeGrpcInferRequest converts typed contents of every datatype except FP16/BF16 to wire bytes', () => {
    for (const datatype of fixedTypes) {
      if (datatype === 'FP16' || datatype === 'BF16') continue;
      const sample = SAMPLES[datatype];
      const decoded = decode({
        model_name: 'typed',
        inputs: [
          {
            name: 'INPUT0',
            datatype,
            shape: SHAPE,
            contents: { [TYPED_FIELD[datatype]!]: typedValues(datatype, sample) },
          },
        ],
      });
      expect({ datatype, data: new Uint8Array(decoded.inputs[0]!.data) }).toEqual({
        datatype,
        data: bytesOf(sample),
      });
    }
    const bytes = decode({
      model_name: 'typed',
      inputs: [{ name: 'TEXT', datatype: 'BYTES', shape: SHAPE, contents: { bytes_contents: BYTES_SAMPLE } }],
    });
    expect(new Uint8Array(bytes.inputs[0]!.data)).toEqual(bytesWire(BYTES_SAMPLE));
  });

  it('decodeGrpcInferRequest refuses typed values outside a narrow integer type, as HTTP JSON does, and keeps the ones inside', () => {
    const cases: [string, string, Record<string, number[]>, string][] = [
      [
        'INT8',
        'int_contents',
        { int_contents: [1, 0x1ff] },
        'element 1 of int_contents is 511, outside the range of INT8 [-128, 127]',
      ],
      [
        'INT8',
        'int_contents',
        { int_contents: [-129] },
        'element 0 of int_contents is -129, outside the range of INT8 [-128, 127]',
      ],
      [
        'INT16',
        'int_contents',
        { int_contents: [40000] },
        'element 0 of int_contents is 40000, outside the range of INT16 [-32768, 32767]',
      ],
      [
        'UINT8',
        'uint_contents',
        { uint_contents: [256] },
        'element 0 of uint_contents is 256, outside the range of UINT8 [0, 255]',
      ],
      [
        'UINT16',
        'uint_contents',
        { uint_contents: [0x12345] },
        'element 0 of uint_contents is 74565, outside the range of UINT16 [0, 65535]',
      ],
    ];
    for (const [datatype, , contents, message] of cases) {
      const shape = [Object.values(contents)[0]!.length];
      const err = serverErrorOf(() =>
        decode({ model_name: 'narrow', inputs: [{ name: 'A', datatype, shape, contents }] }),
      );
      expect(err.status).toBe('INVALID_ARG');
      expect(err.message).toBe(`Input 'A' for model 'narrow': ${message}`);
    }
    const decoded = decode({
      model_name: 'narrow',
      inputs: [
        { name: 'A', datatype: 'INT8', shape: [2], contents: { int_contents: [-128, 127] } },
        { name: 'B', datatype: 'UINT16', shape: [1], contents: { uint_contents: [65535] } },
      ],
    });
    expect(new Uint8Array(decoded.inputs[0]!.data)).toEqual(bytesOf(Int8Array.from([-128, 127])));
    expect(new Uint8Array(decoded.inputs[1]!.data)).toEqual(bytesOf(Uint16Array.from([65535])));
  });

  it('decodeGrpcInferRequest refuses an input or output named twice and a binary_data_output that is not a bool, as HTTP does', () => {
    const input = { name: 'A', datatype: 'INT32', shape: [1], contents: { int_contents: [1] } };
    expect(serverErrorOf(() => decode({ model_name: 'm', inputs: [input, input] })).message).toBe(
      "Input 'A' appears more than once in the request",
    );
    const twice = serverErrorOf(() =>
      decode({ model_name: 'm', inputs: [input], outputs: [{ name: 'Y' }, { name: 'Y' }] }),
    );
    expect(twice.code).toBe('ERR_DUPLICATE_TENSOR');
    expect(twice.message).toBe("Output 'Y' appears more than once in the request");
    const flag = serverErrorOf(() =>
      decode({
        model_name: 'm',
        inputs: [input],
        parameters: { binary_data_output: { string_param: 'true' } },
      }),
    );
    expect(flag.message).toBe("invalid value type for 'binary_data_output' parameter, expected bool_param");
  });

  it('decodeGrpcInferRequest rejects typed contents for FP16 and BF16', () => {
    for (const datatype of ['FP16', 'BF16']) {
      const err = serverErrorOf(() =>
        decode({
          model_name: 'half',
          inputs: [{ name: 'H', datatype, shape: [2], contents: { fp32_contents: [1, 2] } }],
        }),
      );
      expect(err.status).toBe('INVALID_ARG');
      expect(err.message).toBe(
        `Input 'H' for model 'half' has datatype ${datatype}, which can only be sent in raw_input_contents`,
      );
    }
  });

  it('decodeGrpcInferRequest rejects contents together with raw_input_contents with Triton text', () => {
    const err = serverErrorOf(() =>
      decode({
        model_name: 'simple',
        inputs: [
          {
            name: 'INPUT0',
            datatype: 'INT32',
            shape: [1, 16],
            contents: { int_contents: new Array(16).fill(1) },
          },
        ],
        raw_input_contents: [bytesOf(new Int32Array(16))],
      }),
    );
    expect(err.status).toBe('INVALID_ARG');
    expect(err.message).toBe(
      "contents field must not be specified when using raw_input_contents for 'INPUT0' for model 'simple'",
    );
  });

  it('decodeGrpcInferRequest rejects a raw_input_contents count that differs from the input count', () => {
    const inputs = [
      { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
      { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
    ];
    const one = bytesOf(new Int32Array(16));
    const fewer = serverErrorOf(() => decode({ model_name: 'simple', inputs, raw_input_contents: [one] }));
    expect(fewer.status).toBe('INVALID_ARG');
    expect(fewer.code).toBe('ERR_INPUT_CONTENT');
    expect(fewer.message).toBe("unable to find data for input tensor 'INPUT1' for model 'simple' in request");
    const more = serverErrorOf(() =>
      decode({ model_name: 'simple', inputs, raw_input_contents: [one, one, one] }),
    );
    expect(more.status).toBe('INVALID_ARG');
    expect(more.code).toBe('ERR_INPUT_CONTENT');
    expect(more.message).toBe(
      "Expected one raw_input_contents entry per input not in shared memory for model 'simple': received 3 entries for 2 inputs",
    );
  });

  it('decodeGrpcInferRequest rejects typed data placed in the field of another datatype', () => {
    const err = serverErrorOf(() =>
      decode({
        model_name: 'simple',
        inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [2], contents: { int_contents: [1, 2] } }],
      }),
    );
    expect(err.message).toBe(
      "unexpected explicit tensor data for input tensor 'INPUT0' for model 'simple' of type 'INT32', expected datatype 'FP32'",
    );
  });

  it('decodeGrpcInferRequest rejects an input with neither raw nor typed data', () => {
    const err = serverErrorOf(() =>
      decode({ model_name: 'simple', inputs: [{ name: 'INPUT0', datatype: 'INT32', shape: [1] }] }),
    );
    expect(err.message).toBe("unable to find data for input tensor 'INPUT0' for model 'simple' in request");
  });

  it('decodeGrpcInferRequest rejects unknown datatypes and negative dimensions', () => {
    const unknown = serverErrorOf(() =>
      decode({
        model_name: 'm',
        inputs: [{ name: 'X', datatype: 'FLOAT', shape: [1] }],
        raw_input_contents: [new Uint8Array(4)],
      }),
    );
    expect(unknown.message).toMatch(/^Input 'X' for model 'm' has unknown datatype 'FLOAT': allowed BOOL, /);
    const negative = serverErrorOf(() =>
      decode({
        model_name: 'm',
        inputs: [{ name: 'X', datatype: 'INT32', shape: [-1, 2] }],
        raw_input_contents: [new Uint8Array(8)],
      }),
    );
    expect(negative.code).toBe('ERR_INPUT_SHAPE');
  });

  it('decodeGrpcInferRequest checks byte and element counts against the shape', () => {
    const raw = serverErrorOf(() =>
      decode({
        model_name: 'simple',
        inputs: [{ name: 'INPUT0', datatype: 'INT32', shape: [1, 16] }],
        raw_input_contents: [new Uint8Array(60)],
      }),
    );
    expect(raw.message).toBe(
      "input byte size mismatch for input 'INPUT0' for model 'simple'. Expected 64, got 60",
    );
    const typed = serverErrorOf(() =>
      decode({
        model_name: 'simple',
        inputs: [{ name: 'INPUT0', datatype: 'FP64', shape: [3], contents: { fp64_contents: [1, 2] } }],
      }),
    );
    expect(typed.message).toBe(
      "input byte size mismatch for input 'INPUT0' for model 'simple'. Expected 24, got 16",
    );
    const fewer = serverErrorOf(() =>
      decode({
        model_name: 'text',
        inputs: [{ name: 'T', datatype: 'BYTES', shape: [3] }],
        raw_input_contents: [bytesWire([Buffer.from('a'), Buffer.from('b')])],
      }),
    );
    expect(fewer.message).toBe("expected 3 string elements for inference input 'T' for model 'text', got 2");
    const more = serverErrorOf(() =>
      decode({
        model_name: 'text',
        inputs: [{ name: 'T', datatype: 'BYTES', shape: [1] }],
        raw_input_contents: [bytesWire([Buffer.from('a'), Buffer.from('b')])],
      }),
    );
    expect(more.message).toBe(
      "unexpected number of string elements 2 for inference input 'T' for model 'text', expecting 1",
    );
    const truncated = serverErrorOf(() =>
      decode({
        model_name: 'text',
        inputs: [{ name: 'T', datatype: 'BYTES', shape: [1] }],
        raw_input_contents: [bytesWire([Buffer.from('abcdef')]).subarray(0, 7)],
      }),
    );
    expect(truncated.code).toBe('ERR_BYTES_TENSOR');
  });

  it('decodeGrpcInferRequest keeps BYTES elements with NUL bytes intact in raw and typed form', () => {
    const elements = [Buffer.from([0]), Buffer.from('\0\0x\0'), Buffer.from([0, 255, 0])];
    const expected = bytesWire(elements);
    const raw = decode({
      model_name: 'text',
      inputs: [{ name: 'T', datatype: 'BYTES', shape: [3] }],
      raw_input_contents: [expected],
    });
    const typed = decode({
      model_name: 'text',
      inputs: [{ name: 'T', datatype: 'BYTES', shape: [3], contents: { bytes_contents: elements } }],
    });
    expect(new Uint8Array(raw.inputs[0]!.data)).toEqual(expected);
    expect(new Uint8Array(typed.inputs[0]!.data)).toEqual(expected);
  });

  it('decodeGrpcInferRequest turns parameters of every oneof kind into plain values', () => {
    const decoded = decode({
      model_name: 'simple',
      model_version: '3',
      id: 'req-7',
      parameters: {
        flag: { bool_param: true },
        off: { bool_param: false },
        small: { int64_param: -42 },
        big: { int64_param: 2n ** 62n },
        unsigned: { uint64_param: 2n ** 64n - 1n },
        priority: { uint64_param: 2 },
        timeout: { int64_param: 2 },
        text: { string_param: 'héllo' },
        empty: { string_param: '' },
        ratio: { double_param: 0.25 },
      },
      inputs: [
        {
          name: 'INPUT0',
          datatype: 'INT32',
          shape: [1],
          parameters: { note: { string_param: 'x' } },
        },
      ],
      raw_input_contents: [new Uint8Array(4)],
    });
    expect(decoded.modelName).toBe('simple');
    expect(decoded.modelVersion).toBe('3');
    expect(decoded.id).toBe('req-7');
    expect(decoded.parameters).toEqual({
      flag: true,
      off: false,
      small: -42,
      big: 2n ** 62n,
      unsigned: 2n ** 64n - 1n,
      priority: 2,
      timeout: 2,
      text: 'héllo',
      empty: '',
      ratio: 0.25,
    });
    // int64_param and uint64_param carrying the same value decode to the same value.
    expect(decoded.parameters.priority).toBe(decoded.parameters.timeout);
    expect(decoded.outputs).toBeNull();
  });

  it('decodeGrpcInferRequest reads requested outputs and classification from int64 or uint64', () => {
    const decoded = decode({
      model_name: 'classifier',
      inputs: [],
      outputs: [
        { name: 'PROBS', parameters: { classification: { int64_param: 3 } } },
        { name: 'OTHER', parameters: { classification: { uint64_param: 5 }, extra: { bool_param: true } } },
        { name: 'PLAIN' },
      ],
    });
    expect(decoded.outputs).toEqual([
      {
        name: 'PROBS',
        classCount: 3,
        binary: undefined,
        parameters: { classification: 3 },
        sharedMemory: null,
      },
      {
        name: 'OTHER',
        classCount: 5,
        binary: undefined,
        parameters: { classification: 5, extra: true },
        sharedMemory: null,
      },
      { name: 'PLAIN', classCount: 0, binary: undefined, parameters: {}, sharedMemory: null },
    ]);
    const bad = serverErrorOf(() =>
      decode({
        model_name: 'classifier',
        outputs: [{ name: 'PROBS', parameters: { classification: { string_param: 'three' } } }],
      }),
    );
    expect(bad.code).toBe('ERR_OUTPUT_FIELD');
  });

  it('decodeGrpcInferRequest reads shared-memory inputs and skips them when taking raw entries', () => {
    const second = bytesOf(Int32Array.from({ length: 16 }, (_, i) => i));
    const decoded = decode({
      model_name: 'simple',
      inputs: [
        {
          name: 'INPUT0',
          datatype: 'INT32',
          shape: [1, 16],
          parameters: {
            shared_memory_region: { string_param: 'r0' },
            shared_memory_byte_size: { int64_param: 64 },
            shared_memory_offset: { int64_param: 128 },
          },
        },
        { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
      ],
      outputs: [
        {
          name: 'OUTPUT0',
          parameters: {
            shared_memory_region: { string_param: 'out' },
            shared_memory_byte_size: { int64_param: 64 },
          },
        },
      ],
      raw_input_contents: [second],
    });
    expect(decoded.inputs[0]!.sharedMemory).toEqual({ region: 'r0', offsetBytes: 128, byteSize: 64 });
    expect(decoded.inputs[0]!.data.length).toBe(0);
    expect(decoded.inputs[1]!.sharedMemory).toBeNull();
    expect(new Uint8Array(decoded.inputs[1]!.data)).toEqual(second);
    expect(decoded.outputs![0]!.sharedMemory).toEqual({ region: 'out', offsetBytes: 0, byteSize: 64 });
    const withContents = serverErrorOf(() =>
      decode({
        model_name: 'simple',
        inputs: [
          {
            name: 'INPUT0',
            datatype: 'INT32',
            shape: [1],
            parameters: {
              shared_memory_region: { string_param: 'r0' },
              shared_memory_byte_size: { int64_param: 4 },
            },
            contents: { int_contents: [1] },
          },
        ],
      }),
    );
    expect(withContents.message).toBe(
      "unexpected 'content' provided when using shared memory for input tensor 'INPUT0' for model 'simple'",
    );
  });

  it('decodeGrpcInferRequest type-checks reserved request parameters as Triton gRPC does', () => {
    const request = (parameters: Record<string, unknown>) => ({ model_name: 'seq', parameters });
    const ok = decode(
      request({
        sequence_id: { string_param: 'session-1' },
        sequence_start: { bool_param: true },
        sequence_end: { bool_param: false },
        priority: { int64_param: 1 },
        timeout: { uint64_param: 1000 },
        triton_enable_empty_final_response: { bool_param: true },
      }),
    );
    expect(ok.parameters).toEqual({
      sequence_id: 'session-1',
      sequence_start: true,
      sequence_end: false,
      priority: 1,
      timeout: 1000,
      triton_enable_empty_final_response: true,
    });
    expect(ok.id).toBeUndefined();
    expect(ok.binaryDataOutput).toBe(true);
    expect(serverErrorOf(() => decode(request({ sequence_start: { int64_param: 1 } }))).message).toBe(
      "invalid value type for 'sequence_start' parameter, expected bool_param",
    );
    expect(serverErrorOf(() => decode(request({ sequence_id: { double_param: 1.5 } }))).message).toBe(
      "invalid value type for 'sequence_id' parameter, expected int64_param or string_param",
    );
    expect(serverErrorOf(() => decode(request({ priority: { int64_param: -1 } }))).message).toBe(
      "invalid value for 'priority', expected value >= 0: received -1",
    );
    const reserved = serverErrorOf(() => decode(request({ triton_other: { bool_param: true } })));
    expect(reserved.code).toBe('ERR_PARAMETER');
    expect(reserved.message).toBe(
      "parameter keys starting with 'triton_' are reserved for Triton usage. Only the following keys starting with 'triton_' are allowed: triton_enable_empty_final_response",
    );
  });
});

describe('encodeGrpcInferResponse', () => {
  it('encodeGrpcInferResponse puts every output in raw_output_contents and survives serialization', () => {
    const sum = Int32Array.from({ length: 16 }, (_, i) => i * 2);
    const diff = Int32Array.from({ length: 16 }, (_, i) => -i);
    const text = [Buffer.from('a\0b'), Buffer.from('')];
    const message = encodeGrpcInferResponse({
      modelName: 'simple',
      modelVersion: '1',
      id: 'req-1',
      parameters: { triton_final_response: true, count: 2 },
      outputs: [
        { name: 'OUTPUT0', datatype: 'INT32', shape: [1, 16], data: bytesOf(sum) },
        {
          name: 'OUTPUT1',
          datatype: 'INT32',
          shape: [1, 16],
          data: bytesOf(diff),
          parameters: { note: 'x' },
        },
        { name: 'TEXT', datatype: 'BYTES', shape: [2], data: bytesWire(text) },
      ],
    });
    const back = responseCodec.deserialize(responseCodec.serialize(message)) as ModelInferResponseMessage;
    expect(back.model_name).toBe('simple');
    expect(back.model_version).toBe('1');
    expect(back.id).toBe('req-1');
    expect(back.parameters.triton_final_response).toMatchObject({
      parameter_choice: 'bool_param',
      bool_param: true,
    });
    expect(back.parameters.count).toMatchObject({ parameter_choice: 'int64_param', int64_param: 2n });
    expect(back.outputs.map((o) => [o.name, o.datatype, o.shape.map(Number), o.contents])).toEqual([
      ['OUTPUT0', 'INT32', [1, 16], null],
      ['OUTPUT1', 'INT32', [1, 16], null],
      ['TEXT', 'BYTES', [2], null],
    ]);
    expect(back.outputs[1]!.parameters.note).toMatchObject({ string_param: 'x' });
    expect(back.raw_output_contents.map((b) => new Uint8Array(b))).toEqual([
      bytesOf(sum),
      bytesOf(diff),
      bytesWire(text),
    ]);
  });

  it('encodeGrpcInferResponse encodes each parameter kind in the matching oneof member', () => {
    const message = encodeGrpcInferResponse({
      modelName: 'm',
      modelVersion: '1',
      id: '',
      parameters: {
        b: false,
        i: -7,
        d: 0.5,
        s: 'str',
        big: 2n ** 63n - 1n,
        ubig: 2n ** 64n - 1n,
        huge: 1e300,
      },
      outputs: [],
    });
    const back = responseCodec.deserialize(responseCodec.serialize(message)) as ModelInferResponseMessage;
    const kinds = Object.fromEntries(
      Object.entries(back.parameters).map(([k, v]) => [k, v.parameter_choice]),
    );
    expect(kinds).toEqual({
      b: 'bool_param',
      i: 'int64_param',
      d: 'double_param',
      s: 'string_param',
      big: 'int64_param',
      ubig: 'uint64_param',
      huge: 'double_param',
    });
    expect(back.parameters.ubig!.uint64_param).toBe(2n ** 64n - 1n);
    expect(back.parameters.big!.int64_param).toBe(2n ** 63n - 1n);
    expect(back.parameters.i!.int64_param).toBe(-7n);
  });

  it('encodeGrpcStreamError keeps id and model so the client can correlate the error', () => {
    const err = streamCodec.deserialize(
      streamCodec.serialize(encodeGrpcStreamError('Request timeout expired', 'seq', '2', 'r9')),
    ) as ModelStreamInferResponseMessage;
    expect(err.error_message).toBe('Request timeout expired');
    expect(err.infer_response).toMatchObject({
      model_name: 'seq',
      model_version: '2',
      id: 'r9',
      outputs: [],
    });
    const ok = streamCodec.deserialize(
      streamCodec.serialize(
        encodeGrpcStreamResponse(
          encodeGrpcInferResponse({ modelName: 'seq', modelVersion: '2', id: 'r1', outputs: [] }),
        ),
      ),
    ) as ModelStreamInferResponseMessage;
    expect(ok.error_message).toBe('');
    expect(ok.infer_response!.id).toBe('r1');
  });
});
