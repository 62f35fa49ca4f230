/**
 * Element-type propagation through an ONNX graph: the type of every value that graph inputs,
 * initializers, value_info and per-operator rules can tell, with outer-scope types passed down to
 * subgraphs. Enough for the float16 converter and the quantizer to know which values are float;
 * it does not infer shapes, and values it cannot type are simply absent.
 */
import { int64ToNumber, type OnnxProto } from '../onnx/index.js';
import { findAttribute, intAttributeOf } from './graph-edit.js';

/** `TensorProto.DataType` codes used by the transformations. */
export const DT = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;

/** Element types by value name (`TensorProto.DataType` codes). */
export type ValueTypes = Map<string, number>;

const BOOL_OUTPUT: ReadonlySet<string> = new Set(
  'Equal Less Greater LessOrEqual GreaterOrEqual Not And Or Xor IsNaN IsInf'.split(' '),
);
const INT64_OUTPUT: ReadonlySet<string> = new Set(
  'Shape Size ArgMax ArgMin NonZero NonMaxSuppression'.split(' '),
);
const INT32_OUTPUT: ReadonlySet<string> = new Set('MatMulInteger ConvInteger'.split(' '));

/** The element type of a ValueInfoProto, or undefined for non-tensors. */
export function valueInfoType(info: OnnxProto.IValueInfoProto): number | undefined {
  const t = info.type?.tensorType?.elemType;
  return t === null || t === undefined || t === 0 ? undefined : t;
}

/**
 * Types of every value visible in `graph`: `outer` (enclosing scopes), then inputs, initializers,
 * value_info and node outputs in order. Returns a new map that includes `outer`.
 */
export function inferValueTypes(graph: OnnxProto.IGraphProto, outer: ValueTypes = new Map()): ValueTypes {
  const types: ValueTypes = new Map(outer);
  for (const i of graph.input ?? []) setType(types, i.name, valueInfoType(i));
  for (const t of graph.initializer ?? []) setType(types, t.name, t.dataType ?? undefined);
  const declared = new Map<string, number>();
  for (const v of [...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
    const t = valueInfoType(v);
    if (t !== undefined) declared.set(v.name ?? '', t);
  }
  for (const node of graph.node ?? []) {
    const outs = nodeOutputTypes(node, types);
    const names = node.output ?? [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (name === '') continue;
      setType(types, name, declared.get(name) ?? outs[i]);
    }
  }
  return types;
}

function setType(types: ValueTypes, name: string | null | undefined, type: number | undefined): void {
  if (name && type !== undefined && type !== 0) types.set(name, type);
}

/** The output types of one node given the types known so far (undefined where unknown). */
export function nodeOutputTypes(node: OnnxProto.INodeProto, types: ValueTypes): (number | undefined)[] {
  const op = node.opType ?? '';
  const inputs = node.input ?? [];
  const count = node.output?.length ?? 0;
  const input = (i: number): number | undefined => (inputs[i] ? types.get(inputs[i]!) : undefined);
  const all = (t: number | undefined): (number | undefined)[] => new Array(count).fill(t);
  if ((node.domain ?? '') !== '' && node.domain !== 'ai.onnx') {
    if (op === 'DequantizeLinear') return all(DT.FLOAT);
    if (op === 'QuantizeLinear') return all(input(2) ?? DT.UINT8);
    return all(undefined);
  }
  if (BOOL_OUTPUT.has(op)) return all(DT.BOOL);
  if (INT64_OUTPUT.has(op)) return all(DT.INT64);
  if (INT32_OUTPUT.has(op)) return all(DT.INT32);
  switch (op) {
    case 'Cast':
      return all(intAttributeOf(node, 'to', 0) || undefined);
    case 'CastLike':
      return all(input(1));
    case 'Constant':
      return all(constantType(node));
    case 'ConstantOfShape':
      return all(findAttribute(node, 'value')?.t?.dataType ?? DT.FLOAT);
    case 'RandomNormal':
    case 'RandomUniform':
      return all(intAttributeOf(node, 'dtype', DT.FLOAT));
    case 'RandomNormalLike':
    case 'RandomUniformLike':
    case 'EyeLike':
      return all(findAttribute(node, 'dtype') ? intAttributeOf(node, 'dtype', 0) : input(0));
    case 'Where':
      return all(input(1));
    case 'TopK':
      return [input(0), DT.INT64];
    case 'MaxPool':
      return [input(0), DT.INT64];
    case 'Dropout':
      return [input(0), DT.BOOL];
    case 'QuantizeLinear':
      return all(input(2) ?? DT.UINT8);
    case 'DequantizeLinear':
      return all(input(1) ?? DT.FLOAT);
    case 'DynamicQuantizeLinear':
      return [DT.UINT8, DT.FLOAT, DT.UINT8];
    case 'If':
      return subgraphOutputTypes(node, 'then_branch', 0, count);
    case 'Loop':
      return subgraphOutputTypes(node, 'body', 1, count);
    case 'Scan':
      return subgraphOutputTypes(node, 'body', 0, count);
    default:
      return all(inputs.map((_, i) => input(i)).find((t) => t !== undefined));
  }
}

function constantType(node: OnnxProto.INodeProto): number | undefined {
  for (const a of node.attribute ?? []) {
    if (a.name === 'value') return a.t?.dataType ?? undefined;
    if (a.name === 'value_float' || a.name === 'value_floats') return DT.FLOAT;
    if (a.name === 'value_int' || a.name === 'value_ints') return DT.INT64;
  }
  return undefined;
}

function subgraphOutputTypes(
  node: OnnxProto.INodeProto,
  attribute: string,
  skip: number,
  count: number,
): (number | undefined)[] {
  const g = findAttribute(node, attribute)?.g;
  const outs = (g?.output ?? []).slice(skip).map(valueInfoType);
  return Array.from({ length: count }, (_, i) => outs[i]);
}

/** The int64 dims of a tensor as numbers. */
export function tensorDims(tensor: OnnxProto.ITensorProto): number[] {
  return (tensor.dims ?? []).map((d) => int64ToNumber(d));
}
