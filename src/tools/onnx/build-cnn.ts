/**
 * buildCnn: a small synthetic float32 convolutional classifier for tests and benchmarks
 * (per stage Conv 'same' + Relu + MaxPool 2x2, then Flatten + Gemm + Softmax) with seeded
 * weights, NCHW input. Like buildMlp, its outputs mean nothing beyond shapes and determinism.
 */
import { invalidArg } from '../../common/index.js';
import { requirePositiveInt } from './build-mlp.js';
import { attr } from './onnx-attribute.js';
import { type OnnxDim, OnnxGraphBuilder } from './onnx-graph-builder.js';
import { SeededRandom } from './seeded-random.js';

/** Options of `buildCnn`. */
export interface CnnOptions {
  /** Input channels; default 3. */
  channels?: number;
  /** Input height in pixels; default 32. Must be divisible by 2^(number of stages). */
  height?: number;
  /** Input width in pixels; default 32. Must be divisible by 2^(number of stages). */
  width?: number;
  /** Output channels of each Conv stage; default [8, 16]. */
  convChannels?: readonly number[];
  /** Square, odd convolution kernel size; default 3. */
  kernelSize?: number;
  /** Classes of the final Gemm + Softmax; default 10. */
  numClasses?: number;
  /** PRNG seed of the weights; default 1. */
  seed?: number;
  /** The leading (batch) dim: a symbolic name or a fixed size; default 'batch'. */
  batch?: OnnxDim;
  /** Input tensor name; default 'INPUT0'. */
  inputName?: string;
  /** Output tensor name; default 'OUTPUT0'. */
  outputName?: string;
}

/** Builds the CNN: input float32 [batch, C, H, W] → output float32 [batch, numClasses] */
export function buildCnn(options: CnnOptions = {}): Uint8Array {
  const channels = options.channels ?? 3;
  const height = options.height ?? 32;
  const width = options.width ?? 32;
  const convChannels = options.convChannels ?? [8, 16];
  const k = options.kernelSize ?? 3;
  const numClasses = options.numClasses ?? 10;
  const batch = options.batch ?? 'batch';
  const inputName = options.inputName ?? 'INPUT0';
  const outputName = options.outputName ?? 'OUTPUT0';
  requirePositiveInt('channels', channels);
  requirePositiveInt('numClasses', numClasses);
  requirePositiveInt('kernelSize', k);
  for (let i = 0; i < convChannels.length; i++) requirePositiveInt(`convChannels[${i}]`, convChannels[i]!);
  const scale = 2 ** convChannels.length;
  for (const [name, v] of [
    ['height', height],
    ['width', width],
  ] as const) {
    requirePositiveInt(name, v);
    if (v % scale !== 0) {
      throw invalidArg(
        'ERR_ONNX_BUILDER',
        `Option "${name}" must be divisible by ${scale} (2^${convChannels.length} stages of MaxPool): received ${v}`,
      );
    }
  }
  if (k % 2 === 0) throw invalidArg('ERR_ONNX_BUILDER', `Option "kernelSize" must be odd: received ${k}`);

  const rng = new SeededRandom(options.seed ?? 1);
  const b = new OnnxGraphBuilder({ graphName: 'cnn' });
  b.input(inputName, 'float32', [batch, channels, height, width]);
  let current = inputName;
  let inC = channels;
  const pad = (k - 1) / 2;
  convChannels.forEach((outC, s) => {
    const limit = Math.sqrt(6 / (inC * k * k + outC * k * k));
    b.initializer(
      `conv${s}.weight`,
      'float32',
      [outC, inC, k, k],
      rng.uniformArray(outC * inC * k * k, limit),
    );
    b.initializer(`conv${s}.bias`, 'float32', [outC], rng.uniformArray(outC, 0.1));
    b.node('Conv', [current, `conv${s}.weight`, `conv${s}.bias`], [`conv${s}.out`], {
      attributes: {
        kernel_shape: attr.ints([k, k]),
        pads: attr.ints([pad, pad, pad, pad]),
        strides: attr.ints([1, 1]),
      },
    });
    b.node('Relu', [`conv${s}.out`], [`conv${s}.relu`]);
    b.node('MaxPool', [`conv${s}.relu`], [`pool${s}.out`], {
      attributes: { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) },
    });
    current = `pool${s}.out`;
    inC = outC;
  });
  const features = inC * (height / scale) * (width / scale);
  b.node('Flatten', [current], ['flat'], { attributes: { axis: attr.int(1) } });
  const limit = Math.sqrt(6 / (features + numClasses));
  b.initializer(
    'fc.weight',
    'float32',
    [numClasses, features],
    rng.uniformArray(numClasses * features, limit),
  );
  b.initializer('fc.bias', 'float32', [numClasses], rng.uniformArray(numClasses, 0.1));
  b.node('Gemm', ['flat', 'fc.weight', 'fc.bias'], ['logits'], {
    attributes: { alpha: attr.float(1), beta: attr.float(1), transB: attr.int(1) },
  });
  b.node('Softmax', ['logits'], [outputName], { attributes: { axis: attr.int(-1) } });
  b.output(outputName, 'float32', [batch, numClasses]);
  return b.toBytes();
}
