/**
 * ClusterTask: a synthetic but structured classification task for training small classifiers in
 * benchmarks and tests. Each class is a mixture of Gaussian modes in a low-dimensional latent
 * space, embedded into the feature space by a fixed random linear map, squashed by tanh and
 * blurred by feature noise; the classes overlap a little, so a trained model is confident on most
 * rows and unsure on a few, like a real classifier. Drawing rows is seeded: the same task and
 * seed always give the same rows, and different seeds give independent (held-out) rows.
 */
import { requirePositiveInt } from './build-mlp.js';
import { SeededRandom } from './seeded-random.js';

/** Options of a ClusterTask. */
export interface ClusterTaskOptions {
  /** Features per row (the model's input size). */
  features: number;
  /** Number of classes. */
  classes: number;
  /** Dimension of the latent space the modes live in; default 16. */
  latentSize?: number;
  /** Gaussian modes per class; default 2 (so a class is not a single linear region). */
  modesPerClass?: number;
  /** Scale of the mode centres relative to the unit within-mode spread; default 2.5. */
  separation?: number;
  /** Standard deviation of the independent noise added to every feature; default 0.3. */
  featureNoise?: number;
  /** Seed of the task itself (centres and embedding); default 1. */
  seed?: number;
}

/** Rows drawn from a task: `x` is [rows, features] row-major, `labels` one class index per row. */
export interface LabelledRows {
  /** Row count. */
  rows: number;
  /** Features per row. */
  features: number;
  /** Feature values, rows × features. */
  x: Float32Array;
  /** The class of each row. */
  labels: Int32Array;
}

/** A fixed classification task; `sample` draws labelled rows from it. */
export class ClusterTask {
  /** Features per row. */
  readonly features: number;
  /** Number of classes. */
  readonly classes: number;
  private readonly latentSize: number;
  private readonly modesPerClass: number;
  private readonly featureNoise: number;
  /** Mode centres, (classes × modesPerClass) × latentSize. */
  private readonly centres: Float32Array;
  /** Embedding, latentSize × features, scaled so that each pre-tanh feature has unit variance. */
  private readonly embedding: Float32Array;

  /** Fixes the task's centres and embedding from `options.seed`. */
  constructor(options: ClusterTaskOptions) {
    requirePositiveInt('features', options.features);
    requirePositiveInt('classes', options.classes);
    this.features = options.features;
    this.classes = options.classes;
    this.latentSize = options.latentSize ?? 16;
    this.modesPerClass = options.modesPerClass ?? 2;
    requirePositiveInt('latentSize', this.latentSize);
    requirePositiveInt('modesPerClass', this.modesPerClass);
    this.featureNoise = options.featureNoise ?? 0.3;
    const separation = options.separation ?? 2.5;
    const rng = new SeededRandom(options.seed ?? 1);
    const modes = this.classes * this.modesPerClass;
    this.centres = new Float32Array(modes * this.latentSize);
    for (let i = 0; i < this.centres.length; i++) this.centres[i] = separation * rng.normal();
    this.embedding = new Float32Array(this.latentSize * this.features);
    const norm = 1 / Math.sqrt(this.latentSize * (separation * separation + 1));
    for (let i = 0; i < this.embedding.length; i++) this.embedding[i] = norm * rng.normal();
  }

  /** Draws `rows` labelled rows (classes uniform) from the stream of `seed` */
  sample(rows: number, seed: number): LabelledRows {
    requirePositiveInt('rows', rows);
    const rng = new SeededRandom(seed);
    const { features, latentSize } = this;
    const x = new Float32Array(rows * features);
    const labels = new Int32Array(rows);
    const z = new Float32Array(latentSize);
    for (let r = 0; r < rows; r++) {
      const label = rng.int(0, this.classes - 1);
      const mode = label * this.modesPerClass + rng.int(0, this.modesPerClass - 1);
      labels[r] = label;
      for (let k = 0; k < latentSize; k++) z[k] = this.centres[mode * latentSize + k]! + rng.normal();
      const row = r * features;
      for (let f = 0; f < features; f++) {
        let v = 0;
        for (let k = 0; k < latentSize; k++) v += z[k]! * this.embedding[k * features + f]!;
        x[row + f] = Math.tanh(v) + this.featureNoise * rng.normal();
      }
    }
    return { rows, features, x, labels };
  }
}
