/**
 * Inputs of the optimizer benchmark that are not noise: the trained reference classifier (an MLP
 * trained with Adam on a ClusterTask, in a worker thread) with its held-out and calibration rows,
 * and real rendered text lines (DejaVu fonts through sharp's SVG renderer, upright or turned by
 * 180°) preprocessed as the image_preprocess example does for the PaddleOCR classifier.
 */
import sharp from 'sharp';
import {
  buildMlp,
  ClusterTask,
  type ClusterTaskOptions,
  SeededRandom,
  trainMlpClassifier,
} from '../src/tools/onnx/index.js';
import { openTrainingStepRunner, rowSamples, type Sample } from '../src/tools/optimize/index.js';

/** Labelled rows for the accuracy report or calibration. */
export interface LabelledSamples {
  /** One sample per row. */
  samples: Sample[];
  /** The true class of each row. */
  labels: Int32Array;
}

/** The trained classifier and how it was made. */
export interface TrainedClassifier {
  /** The float32 model (input INPUT0, output OUTPUT0 softmax). */
  bytes: Uint8Array;
  /** Layer widths. */
  sizes: number[];
  /** Wall time of the training, in milliseconds. */
  trainMs: number;
  /** Mean training loss of the first and last 10 steps. */
  lossStart: number;
  lossEnd: number;
  /** Held-out rows for accuracy (seed 424242). */
  heldOut: LabelledSamples;
  /** Calibration rows for static int8 (seed 777, disjoint from training and held-out rows). */
  calibration: LabelledSamples;
}

/** The task the reference classifier learns: 100 classes, 2 Gaussian modes each, 256 features. */
export const CLASSIFIER_TASK: ClusterTaskOptions = {
  features: 256,
  classes: 100,
  separation: 1.8,
  featureNoise: 0.5,
  seed: 1,
};

/** Trains the 256→1024→1024→100 classifier (100 Adam steps of 256 rows, seed 1). */
export async function trainedClassifier(heldOutRows: number): Promise<TrainedClassifier> {
  const task = new ClusterTask(CLASSIFIER_TASK);
  const started = performance.now();
  const trained = await trainMlpClassifier(
    task,
    { hiddenSizes: [1024, 1024], steps: 100, batchSize: 256, learningRate: 2e-3, seed: 1 },
    openTrainingStepRunner(),
  );
  const trainMs = performance.now() - started;
  const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
  const bytes = buildMlp({
    inputSize: task.features,
    hiddenSizes: [1024, 1024],
    outputSize: task.classes,
    weights: trained.weights,
  });
  const draw = (rows: number, seed: number): LabelledSamples => {
    const r = task.sample(rows, seed);
    return { samples: rowSamples('INPUT0', r.x, [task.features]), labels: r.labels };
  };
  return {
    bytes,
    sizes: trained.sizes,
    trainMs,
    lossStart: mean(trained.losses.subarray(0, 10)),
    lossEnd: mean(trained.losses.subarray(-10)),
    heldOut: draw(heldOutRows, 424242),
    calibration: draw(256, 777),
  };
}

const WORDS = (
  'the of and to in is you that it he was for on are as with his they at be this have from or one had by ' +
  'word but not what all were we when your can said there use an each which she do how their if will up ' +
  'other about out many then them these so some her would make like him into time has look two more write ' +
  'go see number no way could people my than first water been call who oil its now find long down day did'
).split(' ');
const FONTS = ['DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono'];
const HEIGHT = 48;
const WIDTH = 192;

/** `count` rendered text lines, every second one turned by 180° (label 1), as cls input rows */
export async function textLineSamples(count: number, seed: number): Promise<LabelledSamples> {
  const rng = new SeededRandom(seed);
  const samples: Sample[] = [];
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const words = Array.from({ length: rng.int(2, 5) }, () => WORDS[rng.int(0, WORDS.length - 1)]!);
    const size = rng.int(24, 36);
    const ink = rng.int(0, 90);
    const paper = rng.int(215, 255);
    const text = words.join(' ');
    const width = Math.ceil(text.length * size * 0.62) + 16;
    const height = Math.ceil(size * 1.5);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="rgb(${paper},${paper},${paper})"/><text x="8" y="${Math.round(size * 1.1)}" font-family="${FONTS[rng.int(0, FONTS.length - 1)]}" font-size="${size}" fill="rgb(${ink},${ink},${ink})">${text}</text></svg>`;
    labels[i] = i % 2;
    let image = sharp(Buffer.from(svg)).flatten({ background: '#ffffff' });
    if (labels[i] === 1) image = sharp(await image.png().toBuffer()).rotate(180);
    const w = Math.max(1, Math.min(WIDTH, Math.ceil((HEIGHT * width) / height)));
    const { data, info } = await image
      .removeAlpha()
      .resize(w, HEIGHT, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const row = new Float32Array(3 * HEIGHT * WIDTH);
    for (let y = 0; y < info.height; y++) {
      for (let x = 0; x < info.width; x++) {
        const src = (y * info.width + x) * info.channels;
        for (let c = 0; c < 3; c++)
          row[c * HEIGHT * WIDTH + y * WIDTH + x] = (data[src + c]! / 255 - 0.5) / 0.5;
      }
    }
    samples.push([{ name: 'x', type: 'float32', dims: [3, HEIGHT, WIDTH], data: row }]);
  }
  return { samples, labels };
}
