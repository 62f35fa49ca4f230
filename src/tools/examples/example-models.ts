/**
 * The synthetic models of the bundled example repository, built with OnnxGraphBuilder in the
 * shape of Triton's own examples: `simple` (INT32 add/sub), `simple_int8` (INT8, wrapping),
 * `simple_string` (decimal strings) and `custom_identity_int32`. Their config.pbtxt files are
 * hand-written under examples/model_repository; the real PaddleOCR model is in text-orientation-model.ts.
 */
import { attr, elementTypeCode, OnnxGraphBuilder } from '../onnx/index.js';

/** Elements per row of the `simple*` models (config dims [16]). */
export const SIMPLE_ROW_SIZE = 16;

/**
 * `simple` / `simple_int8`: INPUT0, INPUT1 [batch,16] → OUTPUT0 = INPUT0 + INPUT1,
 * OUTPUT1 = INPUT0 − INPUT1. ORT's CPU Add/Sub have int8 kernels (opset 14+) that wrap on
 * overflow like C, so INT8 needs no Casts: 100 + 100 = -56.
 */
export function buildSimpleModel(type: 'int32' | 'int8'): Uint8Array {
  const b = new OnnxGraphBuilder({ graphName: type === 'int32' ? 'simple' : 'simple_int8' });
  const shape = ['batch', SIMPLE_ROW_SIZE];
  b.input('INPUT0', type, shape).input('INPUT1', type, shape);
  b.node('Add', ['INPUT0', 'INPUT1'], ['OUTPUT0'], { name: 'add' });
  b.node('Sub', ['INPUT0', 'INPUT1'], ['OUTPUT1'], { name: 'sub' });
  b.output('OUTPUT0', type, shape).output('OUTPUT1', type, shape);
  return b.toBytes();
}

/**
 * `simple_string`: INPUT0, INPUT1 string [batch,16] of decimal integers → OUTPUT0/OUTPUT1 the
 * sum and difference as decimal strings. ORT's Cast string→int32 parses with std::stoll (leading
 * spaces and '+' accepted, non-numbers fail the run) and int32→string prints plain decimals ('-3').
 */
export function buildSimpleStringModel(): Uint8Array {
  const b = new OnnxGraphBuilder({ graphName: 'simple_string' });
  const shape = ['batch', SIMPLE_ROW_SIZE];
  b.input('INPUT0', 'string', shape).input('INPUT1', 'string', shape);
  const toInt = { attributes: { to: attr.int(elementTypeCode('int32')) } };
  const toStr = { attributes: { to: attr.int(elementTypeCode('string')) } };
  b.node('Cast', ['INPUT0'], ['input0_int'], { name: 'parse0', ...toInt });
  b.node('Cast', ['INPUT1'], ['input1_int'], { name: 'parse1', ...toInt });
  b.node('Add', ['input0_int', 'input1_int'], ['sum_int'], { name: 'add' });
  b.node('Sub', ['input0_int', 'input1_int'], ['difference_int'], { name: 'sub' });
  b.node('Cast', ['sum_int'], ['OUTPUT0'], { name: 'format0', ...toStr });
  b.node('Cast', ['difference_int'], ['OUTPUT1'], { name: 'format1', ...toStr });
  b.valueInfo('input0_int', 'int32', shape).valueInfo('input1_int', 'int32', shape);
  b.output('OUTPUT0', 'string', shape).output('OUTPUT1', 'string', shape);
  return b.toBytes();
}

/** `custom_identity_int32`: INPUT0 int32 [batch, length] → OUTPUT0, the same tensor */
export function buildIdentityInt32Model(): Uint8Array {
  const b = new OnnxGraphBuilder({ graphName: 'custom_identity_int32' });
  const shape = ['batch', 'length'];
  b.input('INPUT0', 'int32', shape);
  b.node('Identity', ['INPUT0'], ['OUTPUT0'], { name: 'identity' });
  b.output('OUTPUT0', 'int32', shape);
  return b.toBytes();
}

/** Builders of the synthetic example models by model name (the repository folder name). */
export const SYNTHETIC_EXAMPLE_MODELS: Readonly<Record<string, () => Uint8Array>> = {
  simple: () => buildSimpleModel('int32'),
  simple_int8: () => buildSimpleModel('int8'),
  simple_string: buildSimpleStringModel,
  custom_identity_int32: buildIdentityInt32Model,
};
