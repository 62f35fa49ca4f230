import { Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  allInitializers,
  allNodes,
  buildCnn,
  buildMlp,
  decodeOnnxModel,
  readTensor,
  SeededRandom,
} from '../../../src/tools/onnx/index.js';
import { modelMetadata, runModel } from './ort-run.js';

function rowSums(data: Float32Array, width: number): number[] {
  const sums: number[] = [];
  for (let r = 0; r < data.length / width; r++) {
    sums.push(data.subarray(r * width, (r + 1) * width).reduce((a, v) => a + v, 0));
  }
  return sums;
}

describe('buildMlp', () => {
  const options = { inputSize: 12, hiddenSizes: [32, 16], outputSize: 5, seed: 42 };

  it('buildMlp runs in ORT with output shape [batch, outputSize] and softmax rows', async () => {
    const rng = new SeededRandom(7);
    for (const batch of [1, 3, 8]) {
      const input = rng.uniformArray(batch * options.inputSize, 1);
      const out = await runModel(buildMlp(options), { INPUT0: new Tensor('float32', input, [batch, 12]) });
      expect(out.OUTPUT0!.dims).toEqual([batch, 5]);
      for (const s of rowSums(out.OUTPUT0!.data as Float32Array, 5)) expect(s).toBeCloseTo(1, 5);
    }
  });

  it('buildMlp has MatMul, Add and Relu per hidden layer and a final Softmax', () => {
    const model = decodeOnnxModel(buildMlp(options));
    expect(allNodes(model).map((n) => n.opType)).toEqual([
      'MatMul',
      'Add',
      'Relu',
      'MatMul',
      'Add',
      'Relu',
      'MatMul',
      'Add',
      'Softmax',
    ]);
    const shapes = allInitializers(model).map((t) => readTensor(t).dims);
    expect(shapes).toEqual([[12, 32], [32], [32, 16], [16], [16, 5], [5]]);
  });

  it('buildMlp gives the same bytes for the same seed and other weights for another seed', () => {
    const a = Buffer.from(buildMlp(options));
    expect(a.equals(Buffer.from(buildMlp(options)))).toBe(true);
    expect(a.equals(Buffer.from(buildMlp({ ...options, seed: 43 })))).toBe(false);
  });

  it('buildMlp computes each batch row independently of the others', async () => {
    const rng = new SeededRandom(3);
    const rows = rng.uniformArray(4 * 12, 1);
    const batched = await runModel(buildMlp(options), { INPUT0: new Tensor('float32', rows, [4, 12]) });
    const single = await runModel(buildMlp(options), {
      INPUT0: new Tensor('float32', rows.slice(24, 36), [1, 12]),
    });
    const row2 = Array.from((batched.OUTPUT0!.data as Float32Array).subarray(10, 15));
    const expected = Array.from(single.OUTPUT0!.data as Float32Array);
    row2.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 6);
    });
  });

  it('buildMlp uses custom tensor names and a fixed batch size when asked', async () => {
    const bytes = buildMlp({ ...options, inputName: 'features', outputName: 'probs', batch: 2 });
    const meta = await modelMetadata(bytes);
    expect(meta.inputNames).toEqual(['features']);
    expect(meta.outputNames).toEqual(['probs']);
    expect((meta.inputMetadata[0] as { shape: unknown[] }).shape).toEqual([2, 12]);
  });

  it('buildMlp rejects a hidden size of 0 with the option path in the message', () => {
    expect(() => buildMlp({ ...options, hiddenSizes: [8, 0] })).toThrowError(
      'Option "hiddenSizes[1]" must be an integer >= 1: received 0',
    );
  });
});

describe('buildCnn', () => {
  it('buildCnn runs in ORT with output shape [batch, numClasses] for batch 1 and 4', async () => {
    const bytes = buildCnn({
      channels: 3,
      height: 16,
      width: 24,
      convChannels: [4, 8],
      numClasses: 6,
      seed: 5,
    });
    const rng = new SeededRandom(11);
    for (const batch of [1, 4]) {
      const input = rng.uniformArray(batch * 3 * 16 * 24, 1);
      const out = await runModel(bytes, { INPUT0: new Tensor('float32', input, [batch, 3, 16, 24]) });
      expect(out.OUTPUT0!.dims).toEqual([batch, 6]);
      for (const s of rowSums(out.OUTPUT0!.data as Float32Array, 6)) expect(s).toBeCloseTo(1, 5);
    }
  });

  it('buildCnn is built from Conv, Relu, MaxPool, Flatten, Gemm and Softmax with int and float attributes', () => {
    const model = decodeOnnxModel(buildCnn());
    const nodes = allNodes(model);
    expect(nodes.map((n) => n.opType)).toEqual([
      'Conv',
      'Relu',
      'MaxPool',
      'Conv',
      'Relu',
      'MaxPool',
      'Flatten',
      'Gemm',
      'Softmax',
    ]);
    const conv = nodes[0]!;
    expect(conv.attribute!.find((a) => a.name === 'pads')!.ints!.map(Number)).toEqual([1, 1, 1, 1]);
    const gemm = nodes[7]!;
    expect(gemm.attribute!.find((a) => a.name === 'alpha')!.f).toBe(1);
    expect(Number(gemm.attribute!.find((a) => a.name === 'transB')!.i)).toBe(1);
    expect(Buffer.from(buildCnn()).equals(Buffer.from(buildCnn()))).toBe(true);
  });

  it('buildCnn rejects an input size that the MaxPool stages cannot halve', () => {
    expect(() => buildCnn({ height: 30 })).toThrowError(
      'Option "height" must be divisible by 4 (2^2 stages of MaxPool): received 30',
    );
  });
});
