/**
 * int8 on a real classifier: an MLP trained here (Adam through the training-step graph in a
 * worker, seed fixed) on a ClusterTask, quantised by optimizeModel and compared with its float32
 * source on held-out rows of the same task (never the training or calibration rows). Needs
 * `npm run build` (the optimizer's workers run from dist/). Nothing here is timed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMlp, ClusterTask, type TrainedMlp, trainMlpClassifier } from '../../../src/tools/onnx/index.js';
import {
  MeasureSession,
  type OptimizeOptions,
  openTrainingStepRunner,
  optimizeModel,
  rowSamples,
  type Sample,
  stackBatch,
} from '../../../src/tools/optimize/index.js';

const task = new ClusterTask({ features: 128, classes: 50, separation: 1.8, featureNoise: 0.5, seed: 3 });
const heldOut = task.sample(1024, 424242);
const calibration = task.sample(128, 777);
const heldOutSamples = rowSamples('INPUT0', heldOut.x, [128]);
let repo: string;
let trained: TrainedMlp;

/** Top-1 accuracy of the model file at `path` against the held-out labels. */
async function labelAccuracy(path: string): Promise<number> {
  const session = await MeasureSession.open(path);
  try {
    const out = (await session.run(stackBatch(heldOutSamples as Sample[], 0, heldOut.rows, true)))[0]!;
    const p = out.data as Float32Array;
    let correct = 0;
    for (let r = 0; r < heldOut.rows; r++) {
      let best = 0;
      for (let c = 1; c < task.classes; c++)
        if (p[r * task.classes + c]! > p[r * task.classes + best]!) best = c;
      if (best === heldOut.labels[r]) correct++;
    }
    return correct / heldOut.rows;
  } finally {
    await session.close();
  }
}

const optimize = (toVersion: number, o: Partial<OptimizeOptions>) =>
  optimizeModel({
    repository: repo,
    model: 'classifier',
    version: 1,
    toVersion,
    speed: false,
    inputSamples: heldOutSamples,
    ...o,
  });

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'nereid-trained-test-'));
  trained = await trainMlpClassifier(
    task,
    { hiddenSizes: [512, 512], steps: 120, batchSize: 128, learningRate: 2e-3, seed: 1 },
    openTrainingStepRunner(),
  );
  mkdirSync(join(repo, 'classifier', '1'), { recursive: true });
  writeFileSync(
    join(repo, 'classifier', '1', 'model.onnx'),
    buildMlp({ inputSize: 128, hiddenSizes: [512, 512], outputSize: 50, weights: trained.weights }),
  );
  writeFileSync(
    join(repo, 'classifier', 'config.pbtxt'),
    'name: "classifier"\nbackend: "onnxruntime"\nmax_batch_size: 64\ninput [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 128 ] } ]\noutput [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 50 ] } ]\n',
  );
}, 120_000);
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('int8 on a trained classifier', () => {
  it('trainMlpClassifier learns the cluster task: the loss falls and held-out accuracy is far above chance', async () => {
    const first = trained.losses.subarray(0, 10).reduce((a, b) => a + b) / 10;
    const last = trained.losses.subarray(-10).reduce((a, b) => a + b) / 10;
    expect(last).toBeLessThan(first / 3);
    expect(await labelAccuracy(join(repo, 'classifier', '1', 'model.onnx'))).toBeGreaterThan(0.85);
  });

  it('the int8 dynamic variant keeps top-1 agreement >= 99 % on held-out rows, max abs error < 0.05 and cosine > 0.999', async () => {
    const r = await optimize(2, { int8: 'dynamic' });
    expect(r.rows).toBe(1024);
    expect(r.accuracy.top1Agreement).toBeGreaterThanOrEqual(0.99);
    expect(r.accuracy.maxAbsError).toBeLessThan(0.05);
    expect(r.accuracy.outputs[0]!.cosine).toBeGreaterThan(0.999);
    const source = await labelAccuracy(join(repo, 'classifier', '1', 'model.onnx'));
    expect(Math.abs((await labelAccuracy(r.modelPath)) - source)).toBeLessThanOrEqual(0.01);
  });

  it('the int8 static variant calibrated on other rows of the task keeps top-1 agreement >= 99 % on held-out rows', async () => {
    const r = await optimize(3, {
      int8: 'static',
      calibrationSamples: rowSamples('INPUT0', calibration.x, [128]),
    });
    expect(r.accuracy.top1Agreement).toBeGreaterThanOrEqual(0.99);
    expect(r.accuracy.maxAbsError).toBeLessThan(0.1);
    expect(r.accuracy.outputs[0]!.cosine).toBeGreaterThan(0.995);
  });

  it('--int8-keep-float last keeps the classifier layer float32 and the other MatMuls int8', async () => {
    const r = await optimize(4, { int8: 'dynamic', int8KeepFloat: ['last'] });
    expect(r.build.int8!.quantized).toEqual({ MatMul: 2 });
    expect(r.build.int8!.skipped).toEqual(['MatMul "MatMul_6": kept float32 by --int8-keep-float last']);
    expect(r.variant).toBe('int8-dynamic+float-last');
    expect(r.accuracy.top1Agreement).toBeGreaterThanOrEqual(0.99);
  });
});

describe('the reference classifier fixtures', () => {
  it('ClusterTask draws the same rows for the same seed and independent rows for another seed', () => {
    const a = task.sample(8, 5);
    const b = task.sample(8, 5);
    const c = task.sample(8, 6);
    expect(a.x).toEqual(b.x);
    expect(a.labels).toEqual(b.labels);
    expect(a.x).not.toEqual(c.x);
    expect(Math.max(...a.labels)).toBeLessThan(task.classes);
  });

  it('buildMlp rejects given weights whose size does not match the layer', () => {
    expect(() =>
      buildMlp({
        inputSize: 4,
        hiddenSizes: [],
        outputSize: 2,
        weights: [{ weight: new Float32Array(6), bias: new Float32Array(2) }],
      }),
    ).toThrow('Option "weights[0]" must hold 4×2 weights and 2 biases: received 6 and 2');
  });
});
