/**
 * Typed node attribute values (`attr.int(1)`, `attr.floats([...])`, `attr.graph(g)`, ...) and their
 * conversion to `AttributeProto`. Values are tagged because a JS number cannot tell INT from
 * FLOAT, and ONNX Runtime rejects an attribute of the wrong type. Plain strings mean STRING.
 */
import { invalidArg } from '../../common/index.js';
import { type OnnxProto, onnx } from './onnx-proto.js';

/** A node attribute value with its ONNX attribute type; make one with `attr.*` (a plain string is STRING). */
export type OnnxAttributeValue =
  | string
  | { readonly kind: 'int'; readonly value: number | bigint }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ints'; readonly value: readonly (number | bigint)[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'tensor'; readonly value: OnnxProto.ITensorProto }
  | { readonly kind: 'graph'; readonly value: OnnxProto.IGraphProto }
  | { readonly kind: 'graphs'; readonly value: readonly OnnxProto.IGraphProto[] };

/** Constructors of tagged attribute values. */
export const attr = {
  /** An INT attribute (int64). */
  int: (value: number | bigint) => ({ kind: 'int', value }) as const,
  /** A FLOAT attribute (float32). */
  float: (value: number) => ({ kind: 'float', value }) as const,
  /** A STRING attribute (UTF-8). */
  string: (value: string) => ({ kind: 'string', value }) as const,
  /** An INTS attribute. */
  ints: (value: readonly (number | bigint)[]) => ({ kind: 'ints', value }) as const,
  /** A FLOATS attribute. */
  floats: (value: readonly number[]) => ({ kind: 'floats', value }) as const,
  /** A STRINGS attribute. */
  strings: (value: readonly string[]) => ({ kind: 'strings', value }) as const,
  /** A TENSOR attribute (e.g. Constant's `value`); build the tensor with `makeTensor`. */
  tensor: (value: OnnxProto.ITensorProto) => ({ kind: 'tensor', value }) as const,
  /** A GRAPH attribute (a subgraph of If / Loop / Scan); build it with `OnnxGraphBuilder.toGraph()`. */
  graph: (value: OnnxProto.IGraphProto) => ({ kind: 'graph', value }) as const,
  /** A GRAPHS attribute. */
  graphs: (value: readonly OnnxProto.IGraphProto[]) => ({ kind: 'graphs', value }) as const,
};

const T = onnx.AttributeProto.AttributeType;
const encoder = new TextEncoder();

/** Converts a tagged value to an AttributeProto; throws ERR_ONNX_ATTRIBUTE for a malformed value */
export function makeAttribute(name: string, value: OnnxAttributeValue): OnnxProto.AttributeProto {
  const a = onnx.AttributeProto.create({ name });
  if (typeof value === 'string') value = attr.string(value);
  switch (value?.kind) {
    case 'int':
      a.type = T.INT;
      a.i = toInt64(name, value.value);
      break;
    case 'float':
      a.type = T.FLOAT;
      a.f = checkFloat(name, value.value);
      break;
    case 'string':
      a.type = T.STRING;
      a.s = encoder.encode(value.value);
      break;
    case 'ints':
      a.type = T.INTS;
      a.ints = value.value.map((v) => toInt64(name, v));
      break;
    case 'floats':
      a.type = T.FLOATS;
      a.floats = value.value.map((v) => checkFloat(name, v));
      break;
    case 'strings':
      a.type = T.STRINGS;
      a.strings = value.value.map((v) => encoder.encode(v));
      break;
    case 'tensor':
      a.type = T.TENSOR;
      a.t = onnx.TensorProto.fromObject(value.value);
      break;
    case 'graph':
      a.type = T.GRAPH;
      a.g = onnx.GraphProto.fromObject(value.value);
      break;
    case 'graphs':
      a.type = T.GRAPHS;
      a.graphs = value.value.map((g) => onnx.GraphProto.fromObject(g));
      break;
    default:
      throw invalidArg(
        'ERR_ONNX_ATTRIBUTE',
        `Attribute "${name}" has no known kind: received ${JSON.stringify(value)}, allowed are values made by attr.*`,
      );
  }
  return a;
}

function toInt64(name: string, v: number | bigint): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (!Number.isSafeInteger(n)) {
    throw invalidArg('ERR_ONNX_ATTRIBUTE', `Attribute "${name}" needs integers: received ${String(v)}`);
  }
  return n;
}

function checkFloat(name: string, v: number): number {
  if (typeof v !== 'number') {
    throw invalidArg('ERR_ONNX_ATTRIBUTE', `Attribute "${name}" needs numbers: received ${String(v)}`);
  }
  return v;
}
