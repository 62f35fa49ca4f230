/**
 * Reading and rewriting ONNX models: decode bytes to a ModelProto, encode it back, and walk every
 * graph (the main graph and the subgraphs held by node attributes, at any depth) to visit nodes,
 * initializers and value_info. Used by tests and the model optimizer; it builds nothing new.
 */
import { invalidArg } from '../../common/index.js';
import { elementTypeName, type OnnxElementType } from './element-type.js';
import type { OnnxDim } from './onnx-graph-builder.js';
import { int64ToNumber, type OnnxProto, onnx } from './onnx-proto.js';

/** Where a graph sits: [] for the main graph, else node/attribute steps down to the subgraph. */
export interface OnnxGraphPath {
  /** The node holding the subgraph at each level (outermost first). */
  readonly nodes: readonly OnnxProto.INodeProto[];
  /** The attribute name at each level, e.g. 'then_branch' or 'body'. */
  readonly attributes: readonly string[];
}

/** Visitor called once per graph by `walkGraphs`, outer graphs before the subgraphs they hold. */
export type OnnxGraphVisitor = (graph: OnnxProto.IGraphProto, path: OnnxGraphPath) => void;

/** A decoded model, whose graph is known to be present. */
export type DecodedOnnxModel = OnnxProto.ModelProto & { graph: OnnxProto.GraphProto };

/** Decodes an ONNX model; throws ERR_ONNX_DECODE (INVALID_ARG) for bytes that are not a ModelProto */
export function decodeOnnxModel(bytes: Uint8Array): DecodedOnnxModel {
  let model: OnnxProto.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw invalidArg(
      'ERR_ONNX_DECODE',
      `Cannot decode ONNX model (${bytes.length} bytes): ${err instanceof Error ? err.message : String(err)}`,
      err,
    );
  }
  if (!model.graph) {
    throw invalidArg('ERR_ONNX_DECODE', `Cannot decode ONNX model (${bytes.length} bytes): it has no graph`);
  }
  return model as DecodedOnnxModel;
}

/** Encodes a model (a ModelProto or a plain object of its shape) to bytes */
export function encodeOnnxModel(model: OnnxProto.IModelProto): Uint8Array {
  const message = model instanceof onnx.ModelProto ? model : onnx.ModelProto.fromObject(model);
  return onnx.ModelProto.encode(message).finish();
}

/** The subgraphs a node holds (attributes of type GRAPH and GRAPHS), with the attribute names */
export function nodeSubgraphs(
  node: OnnxProto.INodeProto,
): { attribute: string; graph: OnnxProto.IGraphProto }[] {
  const found: { attribute: string; graph: OnnxProto.IGraphProto }[] = [];
  for (const a of node.attribute ?? []) {
    if (a.g) found.push({ attribute: a.name ?? '', graph: a.g });
    for (const g of a.graphs ?? []) found.push({ attribute: a.name ?? '', graph: g });
  }
  return found;
}

/** Visits `graph` and, depth first, every subgraph inside it; the visitor may edit graphs in place */
export function walkGraphs(graph: OnnxProto.IGraphProto, visit: OnnxGraphVisitor): void {
  walk(graph, { nodes: [], attributes: [] }, visit);
}

function walk(graph: OnnxProto.IGraphProto, path: OnnxGraphPath, visit: OnnxGraphVisitor): void {
  visit(graph, path);
  for (const node of graph.node ?? []) {
    for (const sub of nodeSubgraphs(node)) {
      walk(
        sub.graph,
        { nodes: [...path.nodes, node], attributes: [...path.attributes, sub.attribute] },
        visit,
      );
    }
  }
}

/** Every node of the model, main graph first, then subgraph nodes (depth first) */
export function allNodes(model: OnnxProto.IModelProto): OnnxProto.INodeProto[] {
  const nodes: OnnxProto.INodeProto[] = [];
  if (model.graph) walkGraphs(model.graph, (g) => nodes.push(...(g.node ?? [])));
  return nodes;
}

/** Every initializer of the model's graphs (subgraph initializers included) */
export function allInitializers(model: OnnxProto.IModelProto): OnnxProto.ITensorProto[] {
  const tensors: OnnxProto.ITensorProto[] = [];
  if (model.graph) walkGraphs(model.graph, (g) => tensors.push(...(g.initializer ?? [])));
  return tensors;
}

/** The opset version the model imports for `domain` ('' = ai.onnx), or undefined */
export function opsetVersionOf(model: OnnxProto.IModelProto, domain = ''): number | undefined {
  for (const o of model.opsetImport ?? []) {
    if ((o.domain ?? '') === domain || (domain === '' && o.domain === 'ai.onnx')) return Number(o.version);
  }
  return undefined;
}

/** A tensor value's declared name, element type and shape (null shape = unknown rank). */
export interface OnnxValueDescription {
  /** Value name. */
  name: string;
  /** Element type. */
  type: OnnxElementType;
  /** Dims: numbers, symbolic names, or null for a dim with neither. */
  shape: OnnxDim[] | null;
}

/** Reads a tensor ValueInfoProto; throws ERR_ONNX_DECODE for non-tensor values (sequences, maps) */
export function describeValueInfo(info: OnnxProto.IValueInfoProto): OnnxValueDescription {
  const tensorType = info.type?.tensorType;
  if (!tensorType) {
    throw invalidArg(
      'ERR_ONNX_DECODE',
      `Value "${info.name ?? ''}" is not a tensor: only tensor values are described`,
    );
  }
  const shape = tensorType.shape
    ? (tensorType.shape.dim ?? []).map((d): OnnxDim => {
        if (d.dimParam) return d.dimParam;
        if (d.dimValue !== null && d.dimValue !== undefined) return int64ToNumber(d.dimValue);
        return null;
      })
    : null;
  return { name: info.name ?? '', type: elementTypeName(tensorType.elemType ?? 0), shape };
}
