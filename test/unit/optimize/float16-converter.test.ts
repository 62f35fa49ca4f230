/**
 * Unit tests of the float16 converter on real ONNX Runtime runs: the synthetic MLP and CNN, a
 * model with If subgraphs and a blocked operator, float16 I/O, and Resize scales kept float32.
 */
import { Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  allInitializers,
  allNodes,
  attr,
  buildCnn,
  buildMlp,
  decodeOnnxModel,
  encodeOnnxModel,
  float16BitsToFloat32,
  float32ToFloat16Bits,
  OnnxGraphBuilder,
  SeededRandom,
} from '../../../src/tools/onnx/index.js';
import { convertToFloat16, weightBytes } from '../../../src/tools/optimize/index.js';
import { runModel } from '../tools/ort-run.js';
import { buildIfModel } from './subgraph-model.js';

function randomInput(dims: number[], seed = 5): Float32Array {
  return new SeededRandom(seed).uniformArray(
    dims.reduce((a, d) => a * d, 1),
    1,
  );
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function toFp16(
  bytes: Uint8Array,
  keepIoTypes = true,
): { bytes: Uint8Array; report: ReturnType<typeof convertToFloat16> } {
  const model = decodeOnnxModel(bytes);
  const report = convertToFloat16(model, { keepIoTypes });
  return { bytes: encodeOnnxModel(model), report };
}

describe('convertToFloat16', () => {
  it('halves the weights of the synthetic MLP and keeps its float32 input and output within 1e-3', async () => {
    const source = buildMlp({ inputSize: 32, hiddenSizes: [64, 64], outputSize: 10 });
    const { bytes, report } = toFp16(source);
    expect(report.convertedInitializers).toBe(6);
    expect(weightBytes(bytes)).toBe(weightBytes(source) / 2);
    const x = new Tensor('float32', randomInput([4, 32]), [4, 32]);
    const a = await runModel(source, { INPUT0: x });
    const b = await runModel(bytes, { INPUT0: x });
    expect(b.OUTPUT0!.type).toBe('float32');
    expect(maxAbsDiff(a.OUTPUT0!.data as Float32Array, b.OUTPUT0!.data as Float32Array)).toBeLessThan(1e-3);
  });

  it('converts the synthetic CNN so that ONNX Runtime loads it and agrees within 1e-2', async () => {
    const source = buildCnn();
    const { bytes } = toFp16(source);
    const x = new Tensor('float32', randomInput([2, 3, 32, 32]), [2, 3, 32, 32]);
    const a = await runModel(source, { INPUT0: x });
    const b = await runModel(bytes, { INPUT0: x });
    expect(maxAbsDiff(a.OUTPUT0!.data as Float32Array, b.OUTPUT0!.data as Float32Array)).toBeLessThan(1e-2);
  });

  it('converts the initializers and values of If subgraphs and keeps the blocked Max in float32', async () => {
    const source = buildIfModel();
    const { bytes, report } = toFp16(source);
    const model = decodeOnnxModel(bytes);
    expect(report.graphs).toBe(3);
    expect(report.blockedNodes).toBe(1);
    const thenInit = allInitializers(model).find((t) => t.name === 'w_then')!;
    expect(thenInit.dataType).toBe(10);
    const max = allNodes(model).find((n) => n.opType === 'Max')!;
    const casts = allNodes(model).filter((n) => n.opType === 'Cast');
    expect(casts.some((c) => c.output?.[0] === max.input?.[0])).toBe(true);
    const castCond = allNodes(model).find((n) => n.input?.[0] === 'cond' && n.opType === 'Cast')!;
    expect(Number(castCond.attribute?.[0]?.i)).toBe(10);
    for (const sign of [1, -1]) {
      const data = randomInput([3, 8]).map((v) => Math.abs(v) * sign);
      const x = new Tensor('float32', data, [3, 8]);
      const a = await runModel(source, { x });
      const b = await runModel(bytes, { x });
      expect(maxAbsDiff(a.y!.data as Float32Array, b.y!.data as Float32Array)).toBeLessThan(5e-3);
    }
  });

  it('declares float16 inputs and outputs when keepIoTypes is false', async () => {
    const { bytes, report } = toFp16(buildMlp({ inputSize: 8, hiddenSizes: [8], outputSize: 3 }), false);
    const model = decodeOnnxModel(bytes);
    expect(model.graph.input[0]!.type!.tensorType!.elemType).toBe(10);
    expect(model.graph.output[0]!.type!.tensorType!.elemType).toBe(10);
    expect(report.insertedCasts).toBe(0);
    const bits = Uint16Array.from(randomInput([1, 8]), (v) => float32ToFloat16Bits(v));
    const out = await runModel(bytes, { INPUT0: new Tensor('float16', bits, [1, 8]) });
    expect(out.OUTPUT0!.type).toBe('float16');
    const probs = Array.from(out.OUTPUT0!.data as Uint16Array, float16BitsToFloat32);
    expect(probs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 2);
  });

  it('keeps the scales input of Resize in float32 as onnxconverter-common does', async () => {
    const source = new OnnxGraphBuilder({ opsetVersion: 13 })
      .input('x', 'float32', [1, 1, 2, 2])
      .initializer('roi', 'float32', [0], [])
      .initializer('scales', 'float32', [4], [1, 1, 2, 2])
      .node('Resize', ['x', 'roi', 'scales'], ['y'], { attributes: { mode: attr.string('nearest') } })
      .output('y', 'float32', [1, 1, 4, 4])
      .toBytes();
    const { bytes } = toFp16(source);
    const model = decodeOnnxModel(bytes);
    expect(model.graph.initializer.find((t) => t.name === 'scales')!.dataType).toBe(1);
    const x = new Tensor('float32', Float32Array.from([1, 2, 3, 4]), [1, 1, 2, 2]);
    const out = await runModel(bytes, { x });
    expect(Array.from(out.y!.data as Float32Array).slice(0, 4)).toEqual([1, 1, 2, 2]);
  });
});
