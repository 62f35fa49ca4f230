import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackendInstance, BackendLogLevel, InstanceContext } from '../../../src/backends/backend.js';
import { OnnxBackend } from '../../../src/backends/onnxruntime/onnx-backend.js';
import type { DataType } from '../../../src/protocol/datatypes.js';
import type { Tensor } from '../../../src/protocol/tensor.js';
import type { OnnxElementType } from '../../../src/tools/onnx/index.js';
import { bundleWorker } from '../../conformance/bundle-worker.js';
import {
  bytesTensorOf,
  execute,
  float32Of,
  makeBatch,
  stringsOf,
  tensorOf,
  testConfig,
  testContext,
} from '../../conformance/execute.js';
import { identityModel, PADDLE_CLS_MODEL, tempModelDir, writeModel } from '../../helpers/onnx-fixtures.js';

let backend: OnnxBackend;
let dir: string;
const open: BackendInstance[] = [];

beforeAll(async () => {
  backend = new OnnxBackend({ workerUrl: await bundleWorker('src/backends/onnxruntime/onnx-worker.ts') });
  dir = tempModelDir();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((i) => i.close()));
});

afterAll(async () => {
  await Promise.all(open.splice(0).map((i) => i.close()));
});

async function load(context: InstanceContext): Promise<BackendInstance> {
  const instance = await backend.createInstance(context);
  open.push(instance);
  return instance;
}

/** Every wire datatype the ORT CPU EP passes through Identity, with its ORT type and two rows of values. */
const TYPES: [DataType, OnnxElementType, ArrayBufferView][] = [
  ['BOOL', 'bool', new Uint8Array([1, 0, 0, 1])],
  ['UINT8', 'uint8', new Uint8Array([0, 7, 200, 255])],
  ['UINT16', 'uint16', new Uint16Array([0, 1, 40000, 65535])],
  ['UINT32', 'uint32', new Uint32Array([0, 1, 3e9, 4294967295])],
  ['UINT64', 'uint64', new BigUint64Array([0n, 1n, 2n ** 63n, 2n ** 64n - 1n])],
  ['INT8', 'int8', new Int8Array([-128, -1, 0, 127])],
  ['INT16', 'int16', new Int16Array([-32768, -2, 3, 32767])],
  ['INT32', 'int32', new Int32Array([-(2 ** 31), -5, 6, 2 ** 31 - 1])],
  ['INT64', 'int64', new BigInt64Array([-(2n ** 63n), -1n, 2n ** 40n, 2n ** 63n - 1n])],
  ['FP16', 'float16', new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001])],
  ['FP32', 'float32', new Float32Array([1.5, -2.25, 3.4e38, 1e-45])],
  ['FP64', 'float64', new Float64Array([Math.PI, -Math.E, 1e308, 5e-324])],
];

describe('OnnxBackend', () => {
  it('OnnxBackend passes every datatype the ORT CPU EP supports through an identity model', async () => {
    const pairs = TYPES.map(([dt, type]) => ({ input: `in_${dt}`, output: `out_${dt}`, type }));
    pairs.push({ input: 'in_BYTES', output: 'out_BYTES', type: 'string' });
    const path = writeModel(dir, 'identity-all.onnx', identityModel(pairs));
    const instance = await load(testContext(path));
    const inputs: Tensor[] = TYPES.map(([dt, , values]) => tensorOf(`in_${dt}`, dt, [2, 2], values));
    inputs.push(bytesTensorOf('in_BYTES', [2, 2], ['a', '', 'ünï', 'x'.repeat(300)]));
    const { result, error } = await execute(
      instance,
      makeBatch(
        2,
        inputs,
        pairs.map((p) => p.output),
      ),
    );
    expect(error).toBeNull();
    const outputs = result!.outputs!;
    expect(outputs.map((t) => t.name)).toEqual(pairs.map((p) => p.output));
    for (let i = 0; i < inputs.length; i++) {
      expect(outputs[i]!.datatype).toBe(inputs[i]!.datatype);
      expect(outputs[i]!.shape).toEqual([2, 2]);
      expect(Buffer.from(outputs[i]!.data).equals(Buffer.from(inputs[i]!.data))).toBe(true);
    }
  });

  it('OnnxBackend.inspect reports wire datatypes and -1 for symbolic dims', async () => {
    const pairs = TYPES.map(([dt, type]) => ({
      input: `in_${dt}`,
      output: `out_${dt}`,
      type,
      shape: ['n', 3],
    }));
    const path = writeModel(dir, 'identity-meta.onnx', identityModel(pairs));
    const meta = await backend.inspect(testContext(path));
    expect(meta.inputs).toEqual(TYPES.map(([dt]) => ({ name: `in_${dt}`, datatype: dt, shape: [-1, 3] })));
    expect(meta.outputs.map((o) => o.datatype)).toEqual(TYPES.map(([dt]) => dt));
    const cls = await backend.inspect(testContext(PADDLE_CLS_MODEL));
    expect(cls).toEqual({
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3, -1, -1] }],
      outputs: [{ name: 'softmax_0.tmp_0', datatype: 'FP32', shape: [-1, 2] }],
    });
  });

  it('OnnxBackend runs the PaddleOCR cls model and each row matches running it alone', async () => {
    const instance = await load(testContext(PADDLE_CLS_MODEL, { modelName: 'cls' }));
    expect(instance.metadata!.inputs[0]!.name).toBe('x');
    const rowElems = 3 * 48 * 192;
    const data = new Float32Array(3 * rowElems).map((_, i) => Math.sin(i * 0.001 + Math.floor(i / rowElems)));
    const { result } = await execute(
      instance,
      makeBatch(3, [tensorOf('x', 'FP32', [3, 3, 48, 192], data)], ['softmax_0.tmp_0']),
    );
    const out = result!.outputs![0]!;
    expect(out).toMatchObject({ name: 'softmax_0.tmp_0', datatype: 'FP32', shape: [3, 2] });
    const probs = float32Of(out);
    for (let r = 0; r < 3; r++) expect(probs[2 * r]! + probs[2 * r + 1]!).toBeCloseTo(1, 5);
    expect(result!.computeInferNs).toBeGreaterThan(0);
    const second = data.subarray(rowElems, 2 * rowElems);
    const alone = await execute(instance, makeBatch(1, [tensorOf('x', 'FP32', [1, 3, 48, 192], second)], []));
    const single = float32Of(alone.result!.outputs![0]!);
    expect(single[0]).toBeCloseTo(probs[2]!, 5);
    expect(single[1]).toBeCloseTo(probs[3]!, 5);
  });

  it('OnnxBackend round-trips string tensors as BYTES, including multi-byte UTF-8 and empty strings', async () => {
    const path = writeModel(
      dir,
      'identity-str.onnx',
      identityModel([{ input: 's', output: 't', type: 'string' }]),
    );
    const instance = await load(testContext(path));
    const values = ['héllo', '', '日本語', '🙂 emoji', 'x'.repeat(1000), 'tab\t'];
    const { result } = await execute(instance, makeBatch(3, [bytesTensorOf('s', [3, 2], values)], ['t']));
    expect(result!.outputs![0]!.datatype).toBe('BYTES');
    expect(stringsOf(result!.outputs![0]!)).toEqual(values);
  });

  it('OnnxBackend rejects a string element holding a NUL byte, which ORT would truncate', async () => {
    const path = writeModel(
      dir,
      'identity-str0.onnx',
      identityModel([{ input: 's', output: 't', type: 'string' }]),
    );
    const instance = await load(testContext(path));
    const { error } = await execute(
      instance,
      makeBatch(1, [bytesTensorOf('s', [1, 2], ['ok', 'a\u0000b'])], []),
    );
    expect(error).toMatchObject({ status: 'INVALID_ARG', code: 'ERR_STRING_NUL' });
    expect(error!.message).toBe(
      'Input "s" element 1 contains a NUL byte: onnxruntime-node cuts strings at the first NUL, so BYTES with NUL cannot reach the model',
    );
  });

  it('OnnxBackend orders outputs by session.outputNames even when names are integer-like', async () => {
    const pairs = ['z', '10', 'a', '2'].map((name, i) => ({
      input: `i${i}`,
      output: name,
      type: 'float32' as const,
    }));
    const path = writeModel(dir, 'identity-ints.onnx', identityModel(pairs));
    const instance = await load(testContext(path));
    const inputs = pairs.map((p, i) => tensorOf(p.input, 'FP32', [1, 2], new Float32Array([i, i])));
    const all = await execute(instance, makeBatch(1, inputs, []));
    expect(all.result!.outputs!.map((t) => t.name)).toEqual(['z', '10', 'a', '2']);
    expect(all.result!.outputs!.map((t) => float32Of(t)[0])).toEqual([0, 1, 2, 3]);
    const some = await execute(instance, makeBatch(1, inputs, ['2', 'z']));
    expect(some.result!.outputs!.map((t) => t.name)).toEqual(['z', '2']);
  });

  it('OnnxBackend rejects a corrupt model file with ORT reason', async () => {
    const path = writeModel(
      dir,
      'corrupt.onnx',
      new TextEncoder().encode('this is not a protobuf model at all'),
    );
    await expect(backend.createInstance(testContext(path))).rejects.toMatchObject({
      status: 'INTERNAL',
      code: 'ERR_INSTANCE_LOAD',
      message: expect.stringMatching(
        /^Cannot load model "m" on instance "m_0" from ".*corrupt\.onnx": .*Protobuf parsing failed/i,
      ),
    });
  });

  it('OnnxBackend rejects a missing model file with NOT_FOUND and ORT reason', async () => {
    const path = join(dir, 'missing', '1', 'model.onnx');
    await expect(backend.createInstance(testContext(path))).rejects.toMatchObject({
      status: 'NOT_FOUND',
      code: 'ERR_MODEL_FILE_NOT_FOUND',
      message: expect.stringContaining("File doesn't exist"),
    });
    await expect(backend.inspect(testContext(path))).rejects.toMatchObject({
      code: 'ERR_MODEL_FILE_NOT_FOUND',
    });
  });

  it('OnnxBackend fails a KIND_GPU load without CUDA with a message saying how to fall back', async () => {
    const context = testContext(PADDLE_CLS_MODEL, { kind: 'KIND_GPU', deviceId: 0 });
    await expect(backend.createInstance(context)).rejects.toMatchObject({
      status: 'UNAVAILABLE',
      code: 'ERR_CUDA_UNAVAILABLE',
      message: expect.stringMatching(
        /CUDA is not available \(onnxruntime: .*Cuda.*\); use instance_group kind KIND_CPU, or set parameters \{ key: "nereid\.cpu_fallback"/,
      ),
    });
    const config = testConfig('m', {
      optimization: {
        ...testConfig('m').optimization,
        execution_accelerators: {
          gpu_execution_accelerator: [{ name: 'tensorrt', parameters: { precision_mode: 'FP16' } }],
          cpu_execution_accelerator: [],
        },
      },
    });
    await expect(backend.createInstance({ ...context, config })).rejects.toMatchObject({
      message: expect.stringMatching(/CUDA is not available \(onnxruntime: .*TensorRT/),
    });
  });

  it('OnnxBackend runs a KIND_GPU instance on the CPU when nereid.cpu_fallback is true, with a warning', async () => {
    const lines: [BackendLogLevel, string][] = [];
    const config = testConfig('m', { parameters: { 'nereid.cpu_fallback': { string_value: 'true' } } });
    const context = testContext(PADDLE_CLS_MODEL, {
      kind: 'KIND_GPU',
      deviceId: 0,
      config,
      logger: (level, message) => lines.push([level, message]),
    });
    const instance = await load(context);
    const { result } = await execute(
      instance,
      makeBatch(1, [tensorOf('x', 'FP32', [1, 3, 48, 192], new Float32Array(3 * 48 * 192))], []),
    );
    expect(result!.outputs![0]!.shape).toEqual([1, 2]);
    expect(lines.some(([level, m]) => level === 'warn' && m.includes('CUDA is not available'))).toBe(true);
  });

  it('OnnxBackend reports an ORT run failure through onError and keeps the instance usable', async () => {
    const instance = await load(testContext(PADDLE_CLS_MODEL));
    const bad = await execute(
      instance,
      makeBatch(1, [tensorOf('x', 'FP32', [1, 3, 48], new Float32Array(144))], []),
    );
    expect(bad.error).toMatchObject({ status: 'INTERNAL', code: 'ERR_MODEL_EXECUTION' });
    expect(bad.error!.message).toMatch(/^Cannot execute model "m" on instance "m_0": .*/);
    const good = await execute(
      instance,
      makeBatch(1, [tensorOf('x', 'FP32', [1, 3, 48, 192], new Float32Array(3 * 48 * 192))], []),
    );
    expect(good.error).toBeNull();
  });

  it('OnnxBackend rejects BF16 inputs with a clear unsupported error', async () => {
    const path = writeModel(
      dir,
      'identity-f32.onnx',
      identityModel([{ input: 'a', output: 'b', type: 'float32' }]),
    );
    const instance = await load(testContext(path));
    const { error } = await execute(
      instance,
      makeBatch(1, [tensorOf('a', 'BF16', [1, 2], new Uint16Array(2))], []),
    );
    expect(error).toMatchObject({ status: 'UNSUPPORTED', code: 'ERR_UNSUPPORTED_DATATYPE' });
    expect(error!.message).toBe(
      'Input "a" has datatype BF16, which onnxruntime-node cannot pass to a model (no bfloat16 tensors): use FP32 or FP16',
    );
  });

  it('OnnxBackend rejects a bad ORT parameter in the config before starting a worker', async () => {
    const config = testConfig('m', { parameters: { intra_op_thread_count: { string_value: 'many' } } });
    await expect(backend.createInstance(testContext(PADDLE_CLS_MODEL, { config }))).rejects.toMatchObject({
      status: 'INVALID_ARG',
      message:
        'parameters.intra_op_thread_count of model "m" must be a non-negative integer: received "many"',
    });
  });

  it('OnnxBackend loads a model from a Triton-style repository layout', async () => {
    const versionDir = join(dir, 'repo', 'cls', '1');
    mkdirSync(versionDir, { recursive: true });
    copyFileSync(PADDLE_CLS_MODEL, join(versionDir, backend.defaultModelFilename));
    const instance = await load(testContext(join(versionDir, 'model.onnx'), { modelName: 'cls' }));
    expect(instance.metadata!.outputs[0]!.name).toBe('softmax_0.tmp_0');
  });
});
