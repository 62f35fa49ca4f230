/**
 * buildMlpTrainingStep: one Adam step of an MLP classifier (Gemm + Relu layers, softmax
 * cross-entropy) as an ONNX graph: forward pass, hand-written backward pass and the Adam update,
 * so a plain ONNX Runtime session can train the model a step at a time (trainMlpClassifier runs
 * the loop). Parameters and optimiser state go in as inputs and come back as `<name>.next`
 * outputs; the batch size is fixed in the graph.
 */
import { requirePositiveInt } from './build-mlp.js';
import { attr } from './onnx-attribute.js';
import { OnnxGraphBuilder } from './onnx-graph-builder.js';

/** Options of `buildMlpTrainingStep`. */
export interface MlpTrainingStepOptions {
  /** Layer widths from input to classes, e.g. [256, 1024, 1024, 100]. */
  sizes: readonly number[];
  /** Rows per step. */
  batchSize: number;
  /** Adam β1; default 0.9. */
  beta1?: number;
  /** Adam β2; default 0.999. */
  beta2?: number;
  /** Adam ε; default 1e-8. */
  epsilon?: number;
}

/** Names of one layer's tensors in the training-step graph (append '.next' for the updated value). */
export function trainingTensorNames(layer: number): readonly string[] {
  const w = `w${layer}`;
  const b = `b${layer}`;
  return [w, b, `${w}.m`, `${w}.v`, `${b}.m`, `${b}.v`];
}

/**
 * Builds the step graph. Inputs: `x` [batch, sizes[0]], `y` one-hot [batch, classes], `lr` (the
 * bias-corrected Adam step size, a scalar) and, per layer l, the tensors of trainingTensorNames(l).
 * Outputs: `loss` (mean cross-entropy before the update) and every `<name>.next`
 */
export function buildMlpTrainingStep(options: MlpTrainingStepOptions): Uint8Array {
  const { sizes, batchSize } = options;
  requirePositiveInt('batchSize', batchSize);
  sizes.forEach((s, i) => {
    requirePositiveInt(`sizes[${i}]`, s);
  });
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const layers = sizes.length - 1;
  const b = new OnnxGraphBuilder({ graphName: 'mlp_training_step', opsetVersion: 17 });
  b.input('x', 'float32', [batchSize, sizes[0]!]);
  b.input('y', 'float32', [batchSize, sizes[layers]!]);
  b.input('lr', 'float32', []);
  const scalar = (name: string, v: number): void => {
    b.initializer(name, 'float32', [], [v]);
  };
  scalar('beta1', beta1);
  scalar('one_minus_beta1', 1 - beta1);
  scalar('beta2', beta2);
  scalar('one_minus_beta2', 1 - beta2);
  scalar('epsilon', options.epsilon ?? 1e-8);
  scalar('inv_batch', 1 / batchSize);
  scalar('zero', 0);
  b.initializer('axis0', 'int64', [1], [0]);

  // Forward: a[l] = h[l-1] · W[l] + b[l]; h[l] = Relu(a[l]) except for the last layer (logits).
  const h: string[] = ['x'];
  for (let l = 0; l < layers; l++) {
    const [w, bias, wm, wv, bm, bv] = trainingTensorNames(l) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    b.input(w, 'float32', [sizes[l]!, sizes[l + 1]!]);
    b.input(bias, 'float32', [sizes[l + 1]!]);
    for (const s of [wm, wv]) b.input(s, 'float32', [sizes[l]!, sizes[l + 1]!]);
    for (const s of [bm, bv]) b.input(s, 'float32', [sizes[l + 1]!]);
    b.node('Gemm', [h[l]!, w, bias], [`a${l}`]);
    if (l < layers - 1) b.node('Relu', [`a${l}`], [`h${l + 1}`]);
    h.push(l < layers - 1 ? `h${l + 1}` : `a${l}`);
  }
  const logits = `a${layers - 1}`;

  // Loss and its gradient: d = (softmax(logits) - y) / batch.
  b.node('LogSoftmax', [logits], ['log_p'], { attributes: { axis: attr.int(-1) } });
  b.node('Mul', ['y', 'log_p'], ['y_log_p']);
  b.node('ReduceSum', ['y_log_p'], ['sum_y_log_p'], { attributes: { keepdims: attr.int(0) } });
  b.node('Mul', ['sum_y_log_p', 'inv_batch'], ['mean_y_log_p']);
  b.node('Neg', ['mean_y_log_p'], ['loss']);
  b.output('loss', 'float32', []);
  b.node('Softmax', [logits], ['p'], { attributes: { axis: attr.int(-1) } });
  b.node('Sub', ['p', 'y'], ['p_minus_y']);
  b.node('Mul', ['p_minus_y', 'inv_batch'], [`d${layers - 1}`]);

  // Backward and Adam, from the last layer down.
  for (let l = layers - 1; l >= 0; l--) {
    const [w, bias] = trainingTensorNames(l) as [string, string];
    const d = `d${l}`;
    b.node('Gemm', [h[l]!, d], [`${w}.grad`], { attributes: { transA: attr.int(1) } });
    b.node('ReduceSum', [d, 'axis0'], [`${bias}.grad`], { attributes: { keepdims: attr.int(0) } });
    if (l > 0) {
      b.node('Gemm', [d, w], [`${d}.back`], { attributes: { transB: attr.int(1) } });
      b.node('Greater', [`a${l - 1}`, 'zero'], [`a${l - 1}.active`]);
      b.node('Cast', [`a${l - 1}.active`], [`a${l - 1}.mask`], { attributes: { to: attr.int(1) } });
      b.node('Mul', [`${d}.back`, `a${l - 1}.mask`], [`d${l - 1}`]);
    }
    for (const p of [w, bias]) adamUpdate(b, p, sizes, l, p === w);
  }
  return b.toBytes();
}

/** Adds m' = β1·m + (1-β1)·g, v' = β2·v + (1-β2)·g², p' = p - lr·m' / (sqrt(v') + ε) for `p`. */
function adamUpdate(
  b: OnnxGraphBuilder,
  p: string,
  sizes: readonly number[],
  layer: number,
  isWeight: boolean,
): void {
  const g = `${p}.grad`;
  b.node('Mul', [`${p}.m`, 'beta1'], [`${p}.m.decayed`]);
  b.node('Mul', [g, 'one_minus_beta1'], [`${p}.m.added`]);
  b.node('Add', [`${p}.m.decayed`, `${p}.m.added`], [`${p}.m.next`]);
  b.node('Mul', [g, g], [`${p}.grad2`]);
  b.node('Mul', [`${p}.v`, 'beta2'], [`${p}.v.decayed`]);
  b.node('Mul', [`${p}.grad2`, 'one_minus_beta2'], [`${p}.v.added`]);
  b.node('Add', [`${p}.v.decayed`, `${p}.v.added`], [`${p}.v.next`]);
  b.node('Sqrt', [`${p}.v.next`], [`${p}.v.sqrt`]);
  b.node('Add', [`${p}.v.sqrt`, 'epsilon'], [`${p}.denominator`]);
  b.node('Div', [`${p}.m.next`, `${p}.denominator`], [`${p}.direction`]);
  b.node('Mul', [`${p}.direction`, 'lr'], [`${p}.delta`]);
  b.node('Sub', [p, `${p}.delta`], [`${p}.next`]);
  const dims = isWeight ? [sizes[layer]!, sizes[layer + 1]!] : [sizes[layer + 1]!];
  for (const out of [`${p}.next`, `${p}.m.next`, `${p}.v.next`]) b.output(out, 'float32', dims);
}
