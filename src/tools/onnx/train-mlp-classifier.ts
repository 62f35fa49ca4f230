/**
 * trainMlpClassifier: trains an MLP classifier on a ClusterTask with Adam, one step per call of
 * the step graph from buildMlpTrainingStep, each step on a fresh batch drawn from the task (so
 * there is no training set to overfit). The loop, initialisation and schedule are here; running
 * the graph is the caller's `StepRunnerFactory` (an ONNX Runtime session on whatever thread it
 * likes), so this folder never loads ONNX Runtime. The result feeds buildMlp's `weights`.
 */
import type { MlpLayerWeights } from './build-mlp.js';
import { requirePositiveInt } from './build-mlp.js';
import type { ClusterTask } from './cluster-task.js';
import { buildMlpTrainingStep, trainingTensorNames } from './mlp-training-step.js';
import { SeededRandom } from './seeded-random.js';

/** A float32 tensor fed to or read from the step graph. */
export interface TrainingTensor {
  /** Shape. */
  dims: number[];
  /** Values, row-major. */
  data: Float32Array;
}

/** Runs the step graph it was made for. */
export interface StepRunner {
  /** Runs one step and returns every output by name. */
  run(feeds: Record<string, TrainingTensor>): Promise<Record<string, Float32Array>>;
  /** Releases the session. */
  close(): Promise<void>;
}

/** Loads a step graph (ONNX bytes) into a runner. */
export type StepRunnerFactory = (stepModel: Uint8Array) => Promise<StepRunner>;

/** Options of `trainMlpClassifier`. */
export interface MlpTrainingOptions {
  /** Hidden layer widths (Relu after each). */
  hiddenSizes: readonly number[];
  /** Adam steps; default 300. */
  steps?: number;
  /** Rows per step; default 64. */
  batchSize?: number;
  /** Peak Adam learning rate; default 1e-3 (decays linearly to 10 % over the steps). */
  learningRate?: number;
  /** Seed of the initial weights and of the training batches; default 1. */
  seed?: number;
}

/** A trained classifier. */
export interface TrainedMlp {
  /** Layer widths from input to classes. */
  sizes: number[];
  /** Trained parameters per layer, for buildMlp's `weights`. */
  weights: MlpLayerWeights[];
  /** Training loss (mean cross-entropy of each step's batch), one per step. */
  losses: Float32Array;
}

/** Trains an MLP for `task` (inputs task.features, outputs task.classes) */
export async function trainMlpClassifier(
  task: ClusterTask,
  options: MlpTrainingOptions,
  openRunner: StepRunnerFactory,
): Promise<TrainedMlp> {
  const steps = options.steps ?? 300;
  const batchSize = options.batchSize ?? 64;
  const learningRate = options.learningRate ?? 1e-3;
  const seed = options.seed ?? 1;
  requirePositiveInt('steps', steps);
  const sizes = [task.features, ...options.hiddenSizes, task.classes];
  const layers = sizes.length - 1;
  const state: Record<string, TrainingTensor> = {};
  const rng = new SeededRandom(seed);
  for (let l = 0; l < layers; l++) {
    const dims = [sizes[l]!, sizes[l + 1]!];
    const limit = Math.sqrt(6 / sizes[l]!); // He uniform for Relu layers
    const [w, b, wm, wv, bm, bv] = trainingTensorNames(l) as string[];
    state[w!] = { dims, data: rng.uniformArray(dims[0]! * dims[1]!, limit) };
    state[b!] = { dims: [dims[1]!], data: new Float32Array(dims[1]!) };
    for (const name of [wm!, wv!]) state[name] = { dims, data: new Float32Array(dims[0]! * dims[1]!) };
    for (const name of [bm!, bv!]) state[name] = { dims: [dims[1]!], data: new Float32Array(dims[1]!) };
  }
  const runner = await openRunner(buildMlpTrainingStep({ sizes, batchSize }));
  const losses = new Float32Array(steps);
  const beta1 = 0.9;
  const beta2 = 0.999;
  try {
    for (let t = 1; t <= steps; t++) {
      const batch = task.sample(batchSize, seed * 1_000_003 + t);
      const y = new Float32Array(batchSize * task.classes);
      for (let r = 0; r < batchSize; r++) y[r * task.classes + batch.labels[r]!] = 1;
      const decay = 1 - (0.9 * (t - 1)) / Math.max(1, steps - 1);
      const lr = (learningRate * decay * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
      const out = await runner.run({
        ...state,
        x: { dims: [batchSize, task.features], data: batch.x },
        y: { dims: [batchSize, task.classes], data: y },
        lr: { dims: [], data: Float32Array.of(lr) },
      });
      losses[t - 1] = out.loss![0]!;
      for (const name of Object.keys(state)) state[name]!.data = out[`${name}.next`]!;
    }
  } finally {
    await runner.close();
  }
  const weights: MlpLayerWeights[] = [];
  for (let l = 0; l < layers; l++) {
    const [w, b] = trainingTensorNames(l) as [string, string];
    weights.push({ weight: state[w]!.data, bias: state[b]!.data });
  }
  return { sizes, weights, losses };
}
