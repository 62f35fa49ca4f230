/**
 * buildMlp: a synthetic float32 multi-layer perceptron for benchmarks and tests
 * (MatMul + Add + Relu per hidden layer, MatMul + Add + Softmax at the end) with weights from a
 * seeded PRNG, so the same options always give the same bytes. Its outputs mean nothing; only
 * the shapes, the cost and the determinism matter — unless trained `weights` are given (see
 * trainMlpClassifier), which replace the random ones.
 */
import { invalidArg } from '../../common/index.js';
import { attr } from './onnx-attribute.js';
import { type OnnxDim, OnnxGraphBuilder } from './onnx-graph-builder.js';
import { SeededRandom } from './seeded-random.js';

/** Options of `buildMlp`. */
export interface MlpOptions {
  /** Features per input row. */
  inputSize: number;
  /** Width of each hidden layer, in order; [] gives a single linear layer. */
  hiddenSizes: readonly number[];
  /** Classes per output row (the Softmax width). */
  outputSize: number;
  /** PRNG seed of the weights; default 1. */
  seed?: number;
  /** The leading (batch) dim: a symbolic name or a fixed size; default 'batch'. */
  batch?: OnnxDim;
  /** Input tensor name; default 'INPUT0'. */
  inputName?: string;
  /** Output tensor name; default 'OUTPUT0'. */
  outputName?: string;
  /** ai.onnx opset version; default 17. */
  opsetVersion?: number;
  /** Given weights per layer ([fanIn × fanOut] row-major, [fanOut]) instead of random ones; default none. */
  weights?: readonly MlpLayerWeights[];
}

/** One layer's parameters: `weight` is [fanIn, fanOut] row-major, `bias` is [fanOut]. */
export interface MlpLayerWeights {
  /** The MatMul weight, fanIn × fanOut values. */
  weight: Float32Array;
  /** The bias, fanOut values. */
  bias: Float32Array;
}

/** Builds the MLP model: input float32 [batch, inputSize] → output float32 [batch, outputSize] */
export function buildMlp(options: MlpOptions): Uint8Array {
  const sizes = [options.inputSize, ...options.hiddenSizes, options.outputSize];
  sizes.forEach((s, i) => {
    requirePositiveInt(
      i === 0 ? 'inputSize' : i === sizes.length - 1 ? 'outputSize' : `hiddenSizes[${i - 1}]`,
      s,
    );
  });
  const batch = options.batch ?? 'batch';
  const inputName = options.inputName ?? 'INPUT0';
  const outputName = options.outputName ?? 'OUTPUT0';
  const rng = new SeededRandom(options.seed ?? 1);
  const b = new OnnxGraphBuilder({ graphName: 'mlp', opsetVersion: options.opsetVersion ?? 17 });
  b.input(inputName, 'float32', [batch, options.inputSize]);

  let current = inputName;
  const layers = sizes.length - 1;
  if (options.weights !== undefined && options.weights.length !== layers) {
    throw invalidArg(
      'ERR_ONNX_BUILDER',
      `Option "weights" must hold one entry per layer: received ${options.weights.length}, expected ${layers}`,
    );
  }
  for (let l = 0; l < layers; l++) {
    const fanIn = sizes[l]!;
    const fanOut = sizes[l + 1]!;
    const limit = Math.sqrt(6 / (fanIn + fanOut)); // Glorot uniform keeps activations in range
    const given = options.weights?.[l];
    if (given && (given.weight.length !== fanIn * fanOut || given.bias.length !== fanOut)) {
      throw invalidArg(
        'ERR_ONNX_BUILDER',
        `Option "weights[${l}]" must hold ${fanIn}×${fanOut} weights and ${fanOut} biases: received ${given.weight.length} and ${given.bias.length}`,
      );
    }
    b.initializer(
      `fc${l}.weight`,
      'float32',
      [fanIn, fanOut],
      given?.weight ?? rng.uniformArray(fanIn * fanOut, limit),
    );
    b.initializer(`fc${l}.bias`, 'float32', [fanOut], given?.bias ?? rng.uniformArray(fanOut, 0.1));
    b.node('MatMul', [current, `fc${l}.weight`], [`fc${l}.matmul`]);
    b.node('Add', [`fc${l}.matmul`, `fc${l}.bias`], [`fc${l}.out`]);
    current = `fc${l}.out`;
    if (l < layers - 1) {
      b.node('Relu', [current], [`fc${l}.relu`]);
      current = `fc${l}.relu`;
    }
  }
  b.node('Softmax', [current], [outputName], { attributes: { axis: attr.int(-1) } });
  b.output(outputName, 'float32', [batch, options.outputSize]);
  return b.toBytes();
}

/** Throws ERR_ONNX_BUILDER unless `value` is an integer >= 1 */
export function requirePositiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw invalidArg('ERR_ONNX_BUILDER', `Option "${name}" must be an integer >= 1: received ${value}`);
  }
}
