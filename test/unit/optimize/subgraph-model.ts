/**
 * Test fixture: a small float32 model with an `If` whose branches hold their own initializer and
 * read outer-scope values, a blocked operator (Max) and a Cast to float — the cases the float16
 * converter must handle in subgraphs. Input x [batch, 8] → y [batch, 4].
 */
import { attr, OnnxGraphBuilder, SeededRandom } from '../../../src/tools/onnx/index.js';

/** Builds the If model's bytes (deterministic). */
export function buildIfModel(): Uint8Array {
  const rng = new SeededRandom(3);
  const thenBranch = new OnnxGraphBuilder({ graphName: 'then' })
    .initializer('w_then', 'float32', [8, 4], rng.uniformArray(32, 0.5))
    .node('MatMul', ['x', 'w_then'], ['then_mm'])
    .node('Tanh', ['then_mm'], ['then_out'])
    .output('then_out', 'float32', ['batch', 4])
    .toGraph();
  const elseBranch = new OnnxGraphBuilder({ graphName: 'else' })
    .node('MatMul', ['x', 'w_else'], ['else_mm'])
    .node('Relu', ['else_mm'], ['else_out'])
    .output('else_out', 'float32', ['batch', 4])
    .toGraph();
  return new OnnxGraphBuilder({ graphName: 'if_model' })
    .input('x', 'float32', ['batch', 8])
    .initializer('w_else', 'float32', [8, 4], rng.uniformArray(32, 0.5))
    .initializer('floor', 'float32', [], [-0.25])
    .initializer('small', 'float32', [], [0.01])
    .node('ReduceSum', ['x'], ['total'], { attributes: { keepdims: attr.int(0) } })
    .node('Greater', ['total', 'small'], ['cond'])
    .node('If', ['cond'], ['branch'], {
      attributes: { then_branch: attr.graph(thenBranch), else_branch: attr.graph(elseBranch) },
    })
    .node('Max', ['branch', 'floor'], ['clamped'])
    .node('Cast', ['cond'], ['cond_f'], { attributes: { to: attr.int(1) } })
    .node('Mul', ['cond_f', 'small'], ['shift'])
    .node('Add', ['clamped', 'shift'], ['y'])
    .output('y', 'float32', ['batch', 4])
    .toBytes();
}
