/**
 * Unit tests of int8 quantisation with real ONNX Runtime: per-channel weights about a quarter of
 * the float32 size, the forms ORT fuses (DynamicQuantizeMatMul for dynamic, QLinearMatMul /
 * QLinearConv for static QDQ), Constant-node weights of the real PaddleOCR classifier, and the
 * arithmetic helpers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { readTextOrientationModel } from '../../../src/tools/examples/index.js';
import {
  allInitializers,
  allNodes,
  attr,
  buildCnn,
  buildMlp,
  decodeOnnxModel,
  encodeOnnxModel,
  makeValueInfo,
  OnnxGraphBuilder,
  readTensor,
  SeededRandom,
} from '../../../src/tools/onnx/index.js';
import {
  activationParams,
  prepareForQuantization,
  quantizePerChannel,
  quantizeToInt8,
  RangeCollector,
  weightBytes,
} from '../../../src/tools/optimize/index.js';
import { runModel } from '../tools/ort-run.js';

const temp = mkdtempSync(join(tmpdir(), 'nereid-int8-test-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** The op types of the model ORT saves after optimising `bytes` at level 'all'. */
async function fusedOps(bytes: Uint8Array, name: string): Promise<string[]> {
  const path = join(temp, `${name}.onnx`);
  const session = await InferenceSession.create(bytes, { optimizedModelFilePath: path, logSeverityLevel: 4 });
  await session.release();
  return allNodes(decodeOnnxModel(readFileSync(path))).map((n) => n.opType ?? '');
}

/** Calibrates in the test thread: runs `bytes` with the activations exposed and collects min-max ranges. */
async function calibrate(
  model: ReturnType<typeof decodeOnnxModel>,
  names: string[],
  feeds: Record<string, Tensor>,
) {
  const probe = decodeOnnxModel(encodeOnnxModel(model));
  for (const n of names)
    if (!probe.graph.output.some((o) => o.name === n))
      probe.graph.output.push(makeValueInfo(n, 'float32', null));
  const out = await runModel(encodeOnnxModel(probe), feeds);
  const ranges = new Map<string, [number, number]>();
  for (const n of names) {
    const c = new RangeCollector();
    c.add(out[n]!.data as Float32Array);
    ranges.set(n, c.range('minmax'));
  }
  return ranges;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('quantizeToInt8', () => {
  it('dynamic mode stores per-channel int8 MatMul weights at about a quarter of the float32 size', async () => {
    const source = buildMlp({ inputSize: 128, hiddenSizes: [256], outputSize: 64 });
    const model = decodeOnnxModel(source);
    prepareForQuantization(model);
    const report = quantizeToInt8(model, { mode: 'dynamic' });
    const bytes = encodeOnnxModel(model);
    expect(report.quantized.MatMul).toBe(2);
    const ratio = weightBytes(bytes) / weightBytes(source);
    expect(ratio).toBeGreaterThan(0.25);
    expect(ratio).toBeLessThan(0.3);
    expect(allInitializers(model).find((t) => t.name === 'fc0.weight_quantized')!.dataType).toBe(3);
    const x = new Tensor('float32', new SeededRandom(2).uniformArray(8 * 128, 1), [8, 128]);
    const a = await runModel(source, { INPUT0: x });
    const b = await runModel(bytes, { INPUT0: x });
    expect(maxAbsDiff(a.OUTPUT0!.data as Float32Array, b.OUTPUT0!.data as Float32Array)).toBeLessThan(5e-3);
  });

  it('dynamic mode writes DynamicQuantizeLinear + MatMulInteger, which ONNX Runtime fuses into DynamicQuantizeMatMul', async () => {
    const model = decodeOnnxModel(buildMlp({ inputSize: 64, hiddenSizes: [64], outputSize: 10 }));
    prepareForQuantization(model);
    quantizeToInt8(model, { mode: 'dynamic' });
    const written = allNodes(model).map((n) => n.opType);
    expect(written).toContain('DynamicQuantizeLinear');
    expect(written).toContain('MatMulInteger');
    const ops = await fusedOps(encodeOnnxModel(model), 'dynamic');
    expect(ops.filter((o) => o === 'DynamicQuantizeMatMul')).toHaveLength(2);
    expect(ops).not.toContain('MatMulInteger');
  });

  it('static mode writes QDQ that ONNX Runtime fuses into QLinearConv and QLinearMatMul for the synthetic CNN', async () => {
    const source = buildCnn();
    const model = decodeOnnxModel(source);
    const names = prepareForQuantization(model);
    expect(allNodes(model).some((n) => n.opType === 'Gemm')).toBe(false);
    const x = new Tensor('float32', new SeededRandom(4).uniformArray(8 * 3 * 32 * 32, 1), [8, 3, 32, 32]);
    const ranges = await calibrate(model, names, { INPUT0: x });
    const report = quantizeToInt8(model, { mode: 'static', ranges });
    expect(report.quantized).toEqual({ Conv: 2, MatMul: 1 });
    const bytes = encodeOnnxModel(model);
    const ops = await fusedOps(bytes, 'static');
    expect(ops.filter((o) => o === 'QLinearConv')).toHaveLength(2);
    expect(ops).toContain('QLinearMatMul');
    const a = await runModel(source, { INPUT0: x });
    const b = await runModel(bytes, { INPUT0: x });
    expect(maxAbsDiff(a.OUTPUT0!.data as Float32Array, b.OUTPUT0!.data as Float32Array)).toBeLessThan(0.05);
  });

  it('reduceRange stores 7-bit weights in [-64, 64] and still runs close to float32', async () => {
    const source = buildMlp({ inputSize: 64, hiddenSizes: [64], outputSize: 10 });
    const model = decodeOnnxModel(source);
    prepareForQuantization(model);
    quantizeToInt8(model, { mode: 'dynamic', reduceRange: true });
    const q = readTensor(allInitializers(model).find((t) => t.name === 'fc0.weight_quantized')!)
      .data as Int8Array;
    expect(Math.max(...q.map(Math.abs))).toBe(64);
    const x = new Tensor('float32', new SeededRandom(3).uniformArray(4 * 64, 1), [4, 64]);
    const a = await runModel(source, { INPUT0: x });
    const b = await runModel(encodeOnnxModel(model), { INPUT0: x });
    expect(maxAbsDiff(a.OUTPUT0!.data as Float32Array, b.OUTPUT0!.data as Float32Array)).toBeLessThan(1e-2);
  });

  it('keeps excluded nodes float32, matching a Gemm by its original name, and rejects names not in the model', () => {
    const b = new OnnxGraphBuilder();
    b.input('x', 'float32', ['batch', 8]);
    b.initializer('w0', 'float32', [4, 8], new SeededRandom(5).uniformArray(32, 1));
    b.initializer('w1', 'float32', [4, 4], new SeededRandom(6).uniformArray(16, 1));
    b.node('Gemm', ['x', 'w0'], ['h'], { name: 'fc0', attributes: { transB: attr.int(1) } });
    b.node('MatMul', ['h', 'w1'], ['y'], { name: 'fc1' });
    b.output('y', 'float32', ['batch', 4]);
    const model = decodeOnnxModel(b.toBytes());
    prepareForQuantization(model);
    const again = decodeOnnxModel(encodeOnnxModel(model));
    const report = quantizeToInt8(model, { mode: 'dynamic', excludeNodes: ['fc0'] });
    expect(report.quantized).toEqual({ MatMul: 1 });
    expect(report.skipped).toEqual(['MatMul "fc0_MatMul": excluded by --int8-exclude-nodes']);
    expect(
      allNodes(model)
        .filter((n) => n.opType === 'MatMul')
        .map((n) => n.name),
    ).toEqual(['fc0_MatMul']);
    expect(() => quantizeToInt8(again, { mode: 'dynamic', excludeNodes: ['fc9'] })).toThrow(
      'Option --int8-exclude-nodes names "fc9", not a quantizable node of the model: allowed are "fc0_MatMul", "fc1"',
    );
  });

  it('keepFloat first and last leave the outer MatMuls float32 and quantize the inner one', () => {
    const model = decodeOnnxModel(buildMlp({ inputSize: 16, hiddenSizes: [16, 16], outputSize: 4 }));
    prepareForQuantization(model);
    const report = quantizeToInt8(model, { mode: 'dynamic', keepFloat: ['first', 'last'] });
    expect(report.quantized).toEqual({ MatMul: 1 });
    expect(report.skipped).toHaveLength(2);
    const ops = allNodes(model).map((n) => `${n.opType}:${n.input?.[1]}`);
    expect(ops).toContain('MatMul:fc0.weight');
    expect(ops).toContain('MatMul:fc2.weight');
    expect(ops).toContain('MatMulInteger:fc1.weight_quantized');
  });

  it('quantizes the Constant-node Conv weights of the real PaddleOCR classifier', async () => {
    const source = readTextOrientationModel();
    const model = decodeOnnxModel(source);
    expect(model.graph.initializer).toHaveLength(0);
    prepareForQuantization(model);
    expect(model.graph.initializer.length).toBeGreaterThan(100);
    const report = quantizeToInt8(model, { mode: 'dynamic' });
    expect(report.quantized.Conv).toBe(53);
    expect(report.skipped.join()).toMatch(/opset 9 has no DynamicQuantizeLinear/);
    const bytes = encodeOnnxModel(model);
    expect(weightBytes(bytes) / weightBytes(source)).toBeLessThan(0.4);
    const x = new Tensor('float32', new SeededRandom(6).uniformArray(2 * 3 * 48 * 192, 1), [2, 3, 48, 192]);
    const out = await runModel(bytes, { x });
    expect(out['softmax_0.tmp_0']!.dims).toEqual([2, 2]);
  });
});

describe('int8 arithmetic', () => {
  it('quantizePerChannel keeps every weight within half a step of its channel scale', () => {
    const w = new SeededRandom(9).uniformArray(6 * 4, 2);
    const { values, scales } = quantizePerChannel(w, [6, 4], 1);
    expect(scales).toHaveLength(4);
    for (let i = 0; i < w.length; i++) {
      expect(Math.abs(values[i]! * scales[i % 4]! - w[i]!)).toBeLessThanOrEqual(scales[i % 4]! / 2 + 1e-7);
    }
  });

  it('activationParams covers zero exactly with a uint8 zero point', () => {
    const p = activationParams(0.5, 2);
    expect(p.zeroPoint).toBe(0);
    const q = activationParams(-1, 3);
    expect(q.zeroPoint).toBe(Math.round(1 / q.scale));
    expect(q.scale).toBeCloseTo(4 / 255, 9);
  });

  it('RangeCollector percentile ranges ignore rare outliers that min-max keeps', () => {
    const c = new RangeCollector();
    const values = new Float32Array(10_000).map((_, i) => (i % 100) / 100);
    values[5] = 1000;
    c.add(values);
    expect(c.range('minmax')[1]).toBe(1000);
    expect(c.range('percentile', 99.9)[1]).toBeLessThan(1);
  });
});
