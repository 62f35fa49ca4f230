/**
 * E2E: unary ModelInfer over real gRPC against the example models and identity models built with
 * the project's ONNX builder for every datatype ONNX Runtime can take: raw and typed input
 * contents, outputs always raw, requested outputs, classification, request parameters, message
 * sizes past grpc-js's 4 MB default, compressed requests, and Triton's error texts and codes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProtos } from '../../../src/protocol/grpc/index.js';
import type { OnnxElementType } from '../../../src/tools/onnx/index.js';
import { identityModel, tempModelDir } from '../../helpers/onnx-fixtures.js';
import {
  GRPC_CLIENT_OPTIONS,
  int32Bytes,
  readInt32,
  startTestGrpcServer,
  type TestGrpcServer,
  unary,
  unaryError,
} from '../../helpers/test-grpc-server.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';

/** One datatype of the identity models: its ONNX and config names, sample values and typed field. */
interface TypeCase {
  datatype: string;
  onnx: OnnxElementType;
  config: string;
  /** Raw wire bytes of the sample values. */
  raw: Buffer;
  /** The InferTensorContents carrying the same values, or null when only raw is allowed. */
  contents: Record<string, unknown[]> | null;
}

function bytesElements(values: string[]): Buffer {
  return Buffer.concat(
    values.flatMap((v) => {
      const b = Buffer.from(v);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(b.length);
      return [len, b];
    }),
  );
}

const raw = (view: ArrayBufferView) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);

const TYPES: TypeCase[] = [
  {
    datatype: 'BOOL',
    onnx: 'bool',
    config: 'TYPE_BOOL',
    raw: Buffer.from([1, 0, 1]),
    contents: { bool_contents: [true, false, true] },
  },
  {
    datatype: 'UINT8',
    onnx: 'uint8',
    config: 'TYPE_UINT8',
    raw: Buffer.from([0, 7, 255]),
    contents: { uint_contents: [0, 7, 255] },
  },
  {
    datatype: 'UINT16',
    onnx: 'uint16',
    config: 'TYPE_UINT16',
    raw: raw(Uint16Array.of(0, 1000, 65535)),
    contents: { uint_contents: [0, 1000, 65535] },
  },
  {
    datatype: 'UINT32',
    onnx: 'uint32',
    config: 'TYPE_UINT32',
    raw: raw(Uint32Array.of(0, 1, 4294967295)),
    contents: { uint_contents: [0, 1, 4294967295] },
  },
  {
    datatype: 'UINT64',
    onnx: 'uint64',
    config: 'TYPE_UINT64',
    raw: raw(BigUint64Array.of(0n, 1n, 18446744073709551615n)),
    contents: { uint64_contents: ['0', '1', '18446744073709551615'] },
  },
  {
    datatype: 'INT8',
    onnx: 'int8',
    config: 'TYPE_INT8',
    raw: raw(Int8Array.of(-128, 0, 127)),
    contents: { int_contents: [-128, 0, 127] },
  },
  {
    datatype: 'INT16',
    onnx: 'int16',
    config: 'TYPE_INT16',
    raw: raw(Int16Array.of(-32768, 5, 32767)),
    contents: { int_contents: [-32768, 5, 32767] },
  },
  {
    datatype: 'INT32',
    onnx: 'int32',
    config: 'TYPE_INT32',
    raw: raw(Int32Array.of(-2147483648, 0, 2147483647)),
    contents: { int_contents: [-2147483648, 0, 2147483647] },
  },
  {
    datatype: 'INT64',
    onnx: 'int64',
    config: 'TYPE_INT64',
    raw: raw(BigInt64Array.of(-9223372036854775808n, 0n, 9223372036854775807n)),
    contents: { int64_contents: ['-9223372036854775808', '0', '9223372036854775807'] },
  },
  {
    datatype: 'FP32',
    onnx: 'float32',
    config: 'TYPE_FP32',
    raw: raw(Float32Array.of(1.5, -2.25, 3e10)),
    contents: { fp32_contents: [1.5, -2.25, 3e10] },
  },
  {
    datatype: 'FP64',
    onnx: 'float64',
    config: 'TYPE_FP64',
    raw: raw(Float64Array.of(Math.PI, -1e300, 0)),
    contents: { fp64_contents: [Math.PI, -1e300, 0] },
  },
  {
    datatype: 'BYTES',
    onnx: 'string',
    config: 'TYPE_STRING',
    raw: bytesElements(['a', '', 'héllo']),
    contents: { bytes_contents: [Buffer.from('a'), Buffer.from(''), Buffer.from('héllo')] },
  },
  // FP16 (1.0, -2.0, 65504) travels raw only.
  {
    datatype: 'FP16',
    onnx: 'float16',
    config: 'TYPE_FP16',
    raw: raw(Uint16Array.of(0x3c00, 0xc000, 0x7bff)),
    contents: null,
  },
];

/** Writes identity model `name` (IN_<T> → OUT_<T> per type, [batch, 3]) with its config.pbtxt. */
function writeIdentityModel(repo: string, name: string, types: TypeCase[]): void {
  const dir = join(repo, name);
  mkdirSync(join(dir, '1'), { recursive: true });
  const pairs = types.map((c) => ({
    input: `IN_${c.datatype}`,
    output: `OUT_${c.datatype}`,
    type: c.onnx,
    shape: ['batch', 3],
  }));
  writeFileSync(join(dir, '1', 'model.onnx'), identityModel(pairs));
  const tensor = (prefix: string, c: TypeCase) =>
    `{ name: "${prefix}_${c.datatype}" data_type: ${c.config} dims: [ 3 ] }`;
  writeFileSync(
    join(dir, 'config.pbtxt'),
    [
      `name: "${name}"`,
      'backend: "onnxruntime"',
      'max_batch_size: 4',
      `input [ ${types.map((c) => tensor('IN', c)).join(', ')} ]`,
      `output [ ${types.map((c) => tensor('OUT', c)).join(', ')} ]`,
      'instance_group [ { kind: KIND_CPU count: 1 } ]',
    ].join('\n'),
  );
}

const TYPED = TYPES.filter((c) => c.contents !== null);
const FP16 = TYPES.filter((c) => c.datatype === 'FP16');

let t: TestGrpcServer;

beforeAll(async () => {
  const repo = tempModelDir('nereid-grpc-infer-');
  writeIdentityModel(repo, 'identity_typed', TYPED);
  writeIdentityModel(repo, 'identity_fp16', FP16);
  t = await startTestGrpcServer({ modelRepositories: [EXAMPLES_REPOSITORY, repo] });
});

afterAll(async () => {
  await t?.close();
});

const A = Array.from({ length: 16 }, (_, i) => i);
const B = Array.from({ length: 16 }, () => 1);
const SIMPLE_INPUTS = [
  { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
  { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
];

function simpleRaw(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model_name: 'simple',
    inputs: SIMPLE_INPUTS,
    raw_input_contents: [int32Bytes(A), int32Bytes(B)],
    ...extra,
  };
}

function expectSimpleOutputs(response: any): void {
  expect(response.outputs.map((o: any) => [o.name, o.datatype, o.shape.map(Number)])).toEqual([
    ['OUTPUT0', 'INT32', [1, 16]],
    ['OUTPUT1', 'INT32', [1, 16]],
  ]);
  expect(response.outputs.every((o: any) => o.contents === null)).toBe(true);
  expect(readInt32(response.raw_output_contents[0])).toEqual(A.map((a, i) => a + B[i]!));
  expect(readInt32(response.raw_output_contents[1])).toEqual(A.map((a, i) => a - B[i]!));
}

describe('ModelInfer on the example models', () => {
  it('ModelInfer answers simple from raw inputs with raw outputs, the version and the echoed id', async () => {
    const response = await unary(t.client, 'ModelInfer', simpleRaw({ id: 'req-7' }));
    expect(response.model_name).toBe('simple');
    expect(response.model_version).toBe('1');
    expect(response.id).toBe('req-7');
    expectSimpleOutputs(response);
  });

  it('ModelInfer answers simple from typed int_contents with raw outputs', async () => {
    const response = await unary(t.client, 'ModelInfer', {
      model_name: 'simple',
      model_version: '1',
      inputs: [
        { ...SIMPLE_INPUTS[0], contents: { int_contents: A } },
        { ...SIMPLE_INPUTS[1], contents: { int_contents: B } },
      ],
    });
    expectSimpleOutputs(response);
  });

  it('ModelInfer returns only the requested outputs, in the requested order', async () => {
    const response = await unary(t.client, 'ModelInfer', simpleRaw({ outputs: [{ name: 'OUTPUT1' }] }));
    expect(response.outputs.map((o: any) => o.name)).toEqual(['OUTPUT1']);
    expect(readInt32(response.raw_output_contents[0])).toEqual(A.map((a) => a - 1));
  });

  it('ModelInfer wraps INT8 arithmetic on simple_int8 from raw and typed inputs', async () => {
    const x = Array.from({ length: 16 }, () => 100);
    const y = Array.from({ length: 16 }, () => -100);
    const inputs = [
      { name: 'INPUT0', datatype: 'INT8', shape: [1, 16] },
      { name: 'INPUT1', datatype: 'INT8', shape: [1, 16] },
    ];
    const fromRaw = await unary(t.client, 'ModelInfer', {
      model_name: 'simple_int8',
      inputs,
      raw_input_contents: [Buffer.from(Int8Array.from(x).buffer), Buffer.from(Int8Array.from(x).buffer)],
    });
    expect(Array.from(new Int8Array(new Uint8Array(fromRaw.raw_output_contents[0]).buffer))).toEqual(
      x.map(() => -56),
    );
    const typed = await unary(t.client, 'ModelInfer', {
      model_name: 'simple_int8',
      inputs: [
        { ...inputs[0], contents: { int_contents: y } },
        { ...inputs[1], contents: { int_contents: x } },
      ],
    });
    expect(Array.from(new Int8Array(new Uint8Array(typed.raw_output_contents[1]).buffer))).toEqual(
      x.map(() => 56),
    );
  });

  it('ModelInfer answers simple_string from raw BYTES and from bytes_contents', async () => {
    const a = A.map(String);
    const b = A.map(() => '2');
    const inputs = [
      { name: 'INPUT0', datatype: 'BYTES', shape: [1, 16] },
      { name: 'INPUT1', datatype: 'BYTES', shape: [1, 16] },
    ];
    const expected = bytesElements(A.map((v) => String(v + 2)));
    const fromRaw = await unary(t.client, 'ModelInfer', {
      model_name: 'simple_string',
      inputs,
      raw_input_contents: [bytesElements(a), bytesElements(b)],
    });
    expect(fromRaw.outputs[0].datatype).toBe('BYTES');
    expect(Buffer.from(fromRaw.raw_output_contents[0])).toEqual(expected);
    const typed = await unary(t.client, 'ModelInfer', {
      model_name: 'simple_string',
      inputs: [
        { ...inputs[0], contents: { bytes_contents: a.map((s) => Buffer.from(s)) } },
        { ...inputs[1], contents: { bytes_contents: b.map((s) => Buffer.from(s)) } },
      ],
    });
    expect(Buffer.from(typed.raw_output_contents[0])).toEqual(expected);
  });

  it('ModelInfer carries messages past 4 MB both ways (6 MB in, 6 MB out)', async () => {
    const count = 1_500_000;
    const values = new Int32Array(count).map((_, i) => i * 7);
    const response = await unary(t.client, 'ModelInfer', {
      model_name: 'custom_identity_int32',
      inputs: [{ name: 'INPUT0', datatype: 'INT32', shape: [1, count] }],
      raw_input_contents: [Buffer.from(values.buffer)],
    });
    expect(response.outputs[0].shape.map(Number)).toEqual([1, count]);
    expect(Buffer.from(response.raw_output_contents[0]).equals(Buffer.from(values.buffer))).toBe(true);
  });

  it('ModelInfer accepts a gzip-compressed request', async () => {
    const { InferenceClient } = loadProtos();
    const gzipClient = new InferenceClient(t.grpcAddress, grpc.credentials.createInsecure(), {
      ...GRPC_CLIENT_OPTIONS,
      'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip,
    });
    try {
      expectSimpleOutputs(await unary(gzipClient, 'ModelInfer', simpleRaw()));
    } finally {
      gzipClient.close();
    }
  });

  it('ModelInfer classifies via the int64_param classification parameter', async () => {
    const image = new Float32Array(3 * 48 * 192).fill(0.5);
    const response = await unary(t.client, 'ModelInfer', {
      model_name: 'text_orientation',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192] }],
      outputs: [{ name: 'softmax_0.tmp_0', parameters: { classification: { int64_param: 2 } } }],
      raw_input_contents: [Buffer.from(image.buffer)],
    });
    const out = response.outputs[0];
    expect(out.datatype).toBe('BYTES');
    expect(out.shape.map(Number)).toEqual([1, 2]);
    const bytes = Buffer.from(response.raw_output_contents[0]);
    const first = bytes.subarray(4, 4 + bytes.readUInt32LE(0)).toString();
    expect(first).toMatch(/^[0-9.e-]+:[01]:(0|180)_degree$/);
    const plain = await unary(t.client, 'ModelInfer', {
      model_name: 'text_orientation',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192] }],
      raw_input_contents: [Buffer.from(image.buffer)],
    });
    const probs = new Float32Array(new Uint8Array(plain.raw_output_contents[0]).buffer);
    const best = probs[0]! >= probs[1]! ? 0 : 1;
    expect(first.split(':')[1]).toBe(String(best));
  });

  it('ModelInfer accepts sequence_id (int64 or string), priority, timeout and custom parameters', async () => {
    for (const parameters of [
      { sequence_id: { int64_param: 0 }, priority: { uint64_param: 1 }, timeout: { int64_param: 1000000 } },
      { sequence_id: { string_param: '' }, priority: { int64_param: 0 }, custom: { string_param: 'x' } },
    ]) {
      expectSimpleOutputs(await unary(t.client, 'ModelInfer', simpleRaw({ parameters })));
    }
  });
});

describe('ModelInfer on identity models for every datatype', () => {
  it('ModelInfer echoes every datatype sent in raw_input_contents', async () => {
    for (const [model, cases] of [
      ['identity_typed', TYPED],
      ['identity_fp16', FP16],
    ] as const) {
      const response = await unary(t.client, 'ModelInfer', {
        model_name: model,
        inputs: cases.map((c) => ({ name: `IN_${c.datatype}`, datatype: c.datatype, shape: [1, 3] })),
        raw_input_contents: cases.map((c) => c.raw),
      });
      for (let i = 0; i < cases.length; i++) {
        const c = cases[i]!;
        expect(response.outputs[i].name).toBe(`OUT_${c.datatype}`);
        expect(response.outputs[i].datatype).toBe(c.datatype);
        expect(Buffer.from(response.raw_output_contents[i]), c.datatype).toEqual(c.raw);
      }
    }
  });

  it('ModelInfer converts every datatype sent as typed contents to the same raw bytes', async () => {
    const response = await unary(t.client, 'ModelInfer', {
      model_name: 'identity_typed',
      inputs: TYPED.map((c) => ({
        name: `IN_${c.datatype}`,
        datatype: c.datatype,
        shape: [1, 3],
        contents: c.contents,
      })),
    });
    for (let i = 0; i < TYPED.length; i++) {
      const c = TYPED[i]!;
      expect(Buffer.from(response.raw_output_contents[i]), c.datatype).toEqual(c.raw);
    }
  });
});

describe('ModelInfer errors', () => {
  it('ModelInfer refuses raw and typed contents together with Triton text', async () => {
    const error = await unaryError(t.client, 'ModelInfer', {
      ...simpleRaw(),
      inputs: [{ ...SIMPLE_INPUTS[0], contents: { int_contents: A } }, SIMPLE_INPUTS[1]],
    });
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe(
      "contents field must not be specified when using raw_input_contents for 'INPUT0' for model 'simple'",
    );
  });

  it('ModelInfer refuses a bad version string with Triton text', async () => {
    const error = await unaryError(t.client, 'ModelInfer', simpleRaw({ model_version: 'abc' }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe("failed to get model version from specified version string 'abc'");
  });

  it('ModelInfer answers NOT_FOUND for an unknown model or version', async () => {
    const model = await unaryError(t.client, 'ModelInfer', simpleRaw({ model_name: 'nope' }));
    expect(model.code).toBe(grpc.status.NOT_FOUND);
    expect(model.details).toBe("Request for unknown model: 'nope' is not found");
    const version = await unaryError(t.client, 'ModelInfer', simpleRaw({ model_version: '7' }));
    expect(version.code).toBe(grpc.status.NOT_FOUND);
    expect(version.details).toBe("Request for unknown model: 'simple' version 7 is not found");
  });

  it('ModelInfer refuses FP16 in typed contents and says it must travel raw', async () => {
    const error = await unaryError(t.client, 'ModelInfer', {
      model_name: 'identity_fp16',
      inputs: [{ name: 'IN_FP16', datatype: 'FP16', shape: [1, 3], contents: { fp32_contents: [1, 2, 3] } }],
    });
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toContain('can only be sent in raw_input_contents');
  });

  it('ModelInfer refuses a priority given as a string with Triton text', async () => {
    const error = await unaryError(
      t.client,
      'ModelInfer',
      simpleRaw({ parameters: { priority: { string_param: '1' } } }),
    );
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe(
      "invalid value type for 'priority' parameter, expected int64_param or uint64_param",
    );
  });

  it('ModelInfer refuses shared-memory inputs with a clear INVALID_ARGUMENT', async () => {
    const shm = {
      shared_memory_region: { string_param: 'region0' },
      shared_memory_byte_size: { int64_param: 64 },
    };
    const error = await unaryError(t.client, 'ModelInfer', {
      model_name: 'simple',
      inputs: [
        { ...SIMPLE_INPUTS[0], parameters: shm },
        { ...SIMPLE_INPUTS[1], parameters: shm },
      ],
    });
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toContain("shared memory region 'region0'");
    expect(error.details).toContain('not available on this server');
  });

  it('ModelInfer answers a wrong input shape with INVALID_ARGUMENT', async () => {
    const error = await unaryError(t.client, 'ModelInfer', {
      model_name: 'simple',
      inputs: SIMPLE_INPUTS.map((i) => ({ ...i, shape: [1, 8] })),
      raw_input_contents: [int32Bytes(A.slice(0, 8)), int32Bytes(B.slice(0, 8))],
    });
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});
