/**
 * convertToFloat16: rewrites a float32 ONNX model to float16 in place — initializers, Constant /
 * ConstantOfShape tensors, Cast targets, dtype attributes and value types, in the main graph and
 * in subgraphs (If, Loop, Scan). Operators on the block list keep running in float32 behind Casts,
 * as do the inputs that must stay float32 (Resize scales, GroupNorm gamma/beta). With `keepIoTypes`
 * the model's float32 inputs and outputs stay float32 through Casts at the boundary. Rules follow
 * onnxconverter-common's float16 converter; the code is ours. Running the model is not done here.
 */
import {
  type DecodedOnnxModel,
  float32ToFloat16Bits,
  nodeSubgraphs,
  type OnnxProto,
  readTensor,
  walkGraphs,
} from '../onnx/index.js';
import { intAttribute, makeNode, NameAllocator, renameUses, renameValue } from './graph-edit.js';
import { DT, inferValueTypes, type ValueTypes } from './value-types.js';

/** Operators kept in float32 by default (onnxconverter-common's DEFAULT_OP_BLOCK_LIST). */
export const DEFAULT_FP16_BLOCK_LIST: readonly string[] = [
  'ArrayFeatureExtractor',
  'Binarizer',
  'CastMap',
  'CategoryMapper',
  'DictVectorizer',
  'FeatureVectorizer',
  'Imputer',
  'LabelEncoder',
  'LinearClassifier',
  'LinearRegressor',
  'Normalizer',
  'OneHotEncoder',
  'RandomUniformLike',
  'SVMClassifier',
  'SVMRegressor',
  'Scaler',
  'TreeEnsembleClassifier',
  'TreeEnsembleRegressor',
  'TreeEnsemble',
  'ZipMap',
  'NonMaxSuppression',
  'TopK',
  'RoiAlign',
  'Range',
  'CumSum',
  'Min',
  'Max',
  'Upsample',
];

/** Inputs that stay float32 whatever the rest of the node does, by operator and input index. */
export const ALWAYS_FLOAT32_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Resize: [2],
  GroupNorm: [1, 2],
  SkipGroupNorm: [1, 2],
};

/** Options of `convertToFloat16`. */
export interface Float16Options {
  /** Keep float32 model inputs and outputs (Casts at the boundary); default true. */
  keepIoTypes?: boolean;
  /** Operator types that stay float32; default DEFAULT_FP16_BLOCK_LIST. */
  blockList?: readonly string[];
}

/** What the conversion changed. */
export interface Float16Report {
  /** Initializers converted to float16. */
  convertedInitializers: number;
  /** Nodes left in float32 because their operator is on the block list. */
  blockedNodes: number;
  /** Cast nodes inserted. */
  insertedCasts: number;
  /** Graphs visited (1 + subgraphs). */
  graphs: number;
}

const FP16_MIN_POSITIVE = 5.96e-8;
const FP16_MAX_FINITE = 65504;

interface Context {
  readonly names: NameAllocator;
  readonly blocked: ReadonlySet<string>;
  readonly report: Float16Report;
}

/** Converts `model` to float16 in place and says what changed */
export function convertToFloat16(model: DecodedOnnxModel, options: Float16Options = {}): Float16Report {
  const report: Float16Report = { convertedInitializers: 0, blockedNodes: 0, insertedCasts: 0, graphs: 0 };
  const ctx: Context = {
    names: new NameAllocator(model),
    blocked: new Set(options.blockList ?? DEFAULT_FP16_BLOCK_LIST),
    report,
  };
  convertGraph(model.graph, new Map(), options.keepIoTypes ?? true, ctx);
  return report;
}

function convertGraph(graph: OnnxProto.IGraphProto, outer: ValueTypes, keepIo: boolean, ctx: Context): void {
  ctx.report.graphs++;
  const types = inferValueTypes(graph, outer);
  const isFloat = (name: string): boolean => name !== '' && types.get(name) === DT.FLOAT;
  const stays32 = float32OnlyInitializers(graph, isFloat, ctx);
  const head: OnnxProto.INodeProto[] = [];
  const tail: OnnxProto.INodeProto[] = [];

  for (const t of graph.initializer ?? []) {
    if (t.dataType === DT.FLOAT && !stays32.has(t.name ?? '')) {
      toFloat16Tensor(t);
      ctx.report.convertedInitializers++;
    }
  }
  for (const input of graph.input ?? []) {
    const name = input.name ?? '';
    if (!isFloat(name)) continue;
    const initializer = (graph.initializer ?? []).find((t) => t.name === name);
    if (initializer) {
      if (initializer.dataType === DT.FLOAT16) setElemType(input, DT.FLOAT16);
      continue;
    }
    if (keepIo) {
      const inner = ctx.names.fresh(`${name}__fp16`);
      renameUses(graph, name, inner);
      types.set(inner, DT.FLOAT);
      head.push(cast(name, inner, DT.FLOAT16, ctx));
    } else setElemType(input, DT.FLOAT16);
  }
  for (const output of graph.output ?? []) {
    const name = output.name ?? '';
    if (!isFloat(name)) continue;
    if (keepIo && !(graph.input ?? []).some((i) => i.name === name)) {
      const inner = ctx.names.fresh(`${name}__fp16`);
      renameValue(graph, name, inner);
      types.set(inner, DT.FLOAT);
      tail.push(cast(inner, name, DT.FLOAT, ctx));
    } else if (!keepIo) setElemType(output, DT.FLOAT16);
  }
  for (const info of graph.valueInfo ?? []) {
    if (isFloat(info.name ?? '')) setElemType(info, DT.FLOAT16);
  }

  const nodes: OnnxProto.INodeProto[] = [...head];
  const to32 = new Map<string, string>();
  const float32Input = (name: string): string => {
    if (stays32.has(name) || !isFloat(name)) return name;
    let converted = to32.get(name);
    if (converted === undefined) {
      converted = ctx.names.fresh(`${name}__fp32`);
      to32.set(name, converted);
      nodes.push(cast(name, converted, DT.FLOAT, ctx));
    }
    return converted;
  };
  for (const node of graph.node ?? []) {
    const inputs = node.input ?? [];
    if (isBlocked(node, ctx)) {
      ctx.report.blockedNodes++;
      for (let i = 0; i < inputs.length; i++) inputs[i] = float32Input(inputs[i]!);
      const after: OnnxProto.INodeProto[] = [];
      const outputs = node.output ?? [];
      for (let i = 0; i < outputs.length; i++) {
        const name = outputs[i]!;
        if (!isFloat(name)) continue;
        const raw = ctx.names.fresh(`${name}__fp32`);
        outputs[i] = raw;
        after.push(cast(raw, name, DT.FLOAT16, ctx));
      }
      nodes.push(node, ...after);
      continue;
    }
    for (const index of ALWAYS_FLOAT32_INPUTS[node.opType ?? ''] ?? []) {
      if (inputs[index]) inputs[index] = float32Input(inputs[index]!);
    }
    convertNodeAttributes(node, types, ctx);
    nodes.push(node);
  }
  graph.node = [...nodes, ...tail];
}

function isBlocked(node: OnnxProto.INodeProto, ctx: Context): boolean {
  return ((node.domain ?? '') === '' || node.domain === 'ai.onnx') && ctx.blocked.has(node.opType ?? '');
}

/** Float initializers whose every use needs float32 (blocked ops, always-float32 inputs). */
function float32OnlyInitializers(
  graph: OnnxProto.IGraphProto,
  isFloat: (name: string) => boolean,
  ctx: Context,
): Set<string> {
  const needs32 = new Map<string, boolean>();
  for (const t of graph.initializer ?? []) if (isFloat(t.name ?? '')) needs32.set(t.name ?? '', true);
  for (const node of graph.node ?? []) {
    const blocked = isBlocked(node, ctx);
    const always = ALWAYS_FLOAT32_INPUTS[node.opType ?? ''] ?? [];
    (node.input ?? []).forEach((name, i) => {
      if (needs32.has(name) && !blocked && !always.includes(i)) needs32.set(name, false);
    });
    if (blocked) continue;
    for (const sub of nodeSubgraphs(node)) {
      walkGraphs(sub.graph, (g) => {
        for (const inner of g.node ?? [])
          for (const name of inner.input ?? []) if (needs32.has(name)) needs32.set(name, false);
      });
    }
  }
  for (const o of graph.output ?? []) if (needs32.has(o.name ?? '')) needs32.set(o.name ?? '', false);
  return new Set([...needs32].filter(([, v]) => v).map(([k]) => k));
}

function convertNodeAttributes(node: OnnxProto.INodeProto, types: ValueTypes, ctx: Context): void {
  const op = node.opType ?? '';
  for (const a of node.attribute ?? []) {
    if (op === 'Cast' && a.name === 'to' && Number(a.i) === DT.FLOAT) a.i = DT.FLOAT16;
    else if (a.name === 'dtype' && Number(a.i) === DT.FLOAT) a.i = DT.FLOAT16;
    else if (a.t && a.t.dataType === DT.FLOAT) toFloat16Tensor(a.t);
    else if (op === 'Constant' && a.name === 'value_float') {
      node.attribute = [tensorAttribute('value', [], [a.f ?? 0])];
    } else if (op === 'Constant' && a.name === 'value_floats') {
      node.attribute = [tensorAttribute('value', [a.floats?.length ?? 0], a.floats ?? [])];
    }
    if (a.g) convertGraph(a.g, types, false, ctx);
    for (const g of a.graphs ?? []) convertGraph(g, types, false, ctx);
  }
}

function tensorAttribute(name: string, dims: number[], values: ArrayLike<number>): OnnxProto.IAttributeProto {
  const t = { dims, dataType: DT.FLOAT16, rawData: float16Bytes(values) };
  return { name, type: 4 /* TENSOR */, t };
}

function cast(from: string, to: string, type: number, ctx: Context): OnnxProto.INodeProto {
  ctx.report.insertedCasts++;
  return makeNode('Cast', [from], [to], ctx.names.fresh(`Cast_${to}`), [intAttribute('to', type)]);
}

function setElemType(info: OnnxProto.IValueInfoProto, type: number): void {
  if (info.type?.tensorType) info.type.tensorType.elemType = type;
}

/** Rewrites a float32 TensorProto as float16 (values clamped to float16's finite range). */
export function toFloat16Tensor(tensor: OnnxProto.ITensorProto): void {
  const data = readTensor(tensor).data as Float32Array;
  tensor.rawData = float16Bytes(data);
  tensor.floatData = [];
  tensor.dataType = DT.FLOAT16;
}

function float16Bytes(values: ArrayLike<number>): Uint8Array {
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    let v = values[i]!;
    if (v !== 0 && Math.abs(v) < FP16_MIN_POSITIVE) v = Math.sign(v) * FP16_MIN_POSITIVE;
    else if (v > FP16_MAX_FINITE) v = FP16_MAX_FINITE;
    else if (v < -FP16_MAX_FINITE) v = -FP16_MAX_FINITE;
    bits[i] = float32ToFloat16Bits(v);
  }
  return new Uint8Array(bits.buffer);
}
