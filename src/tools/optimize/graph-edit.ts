/**
 * Small in-place editing helpers shared by the model transformations: fresh value names, node
 * construction, attribute access, renaming a value through a graph and its subgraphs, Constant
 * nodes turned into initializers, and opset imports. No transformation policy lives here.
 */
import { invalidArg } from '../../common/index.js';
import { type DecodedOnnxModel, int64ToNumber, type OnnxProto, onnx, walkGraphs } from '../onnx/index.js';

/** Hands out value and node names that do not clash with any name already in the model. */
export class NameAllocator {
  private readonly taken = new Set<string>();

  constructor(model: OnnxProto.IModelProto) {
    if (!model.graph) return;
    walkGraphs(model.graph, (g) => {
      for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])])
        this.taken.add(v.name ?? '');
      for (const t of g.initializer ?? []) this.taken.add(t.name ?? '');
      for (const n of g.node ?? []) {
        this.taken.add(n.name ?? '');
        for (const o of n.output ?? []) this.taken.add(o);
      }
    });
  }

  /** `base` if unused, else `base_1`, `base_2`, ...; the result is reserved. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }
}

/** Builds a NodeProto; `attributes` are ready AttributeProtos (see `intAttribute`). */
export function makeNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  name: string,
  attributes: OnnxProto.IAttributeProto[] = [],
  domain = '',
): OnnxProto.NodeProto {
  const node = onnx.NodeProto.create({
    opType,
    input: [...inputs],
    output: [...outputs],
    name,
    attribute: attributes,
  });
  if (domain !== '') node.domain = domain;
  return node;
}

/** An INT attribute. */
export function intAttribute(name: string, value: number): OnnxProto.AttributeProto {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });
}

/** The attribute `name` of `node`, or undefined. */
export function findAttribute(
  node: OnnxProto.INodeProto,
  name: string,
): OnnxProto.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

/** An INT attribute's value, or `fallback` when absent. */
export function intAttributeOf(node: OnnxProto.INodeProto, name: string, fallback: number): number {
  const a = findAttribute(node, name);
  return a?.i === undefined || a.i === null ? fallback : int64ToNumber(a.i);
}

/** A FLOAT attribute's value, or `fallback` when absent. */
export function floatAttributeOf(node: OnnxProto.INodeProto, name: string, fallback: number): number {
  const a = findAttribute(node, name);
  return a?.f === undefined || a.f === null ? fallback : a.f;
}

/** Replaces every use of value `from` as a node input by `to`, in `graph` and all its subgraphs. */
export function renameUses(graph: OnnxProto.IGraphProto, from: string, to: string): void {
  walkGraphs(graph, (g) => {
    for (const n of g.node ?? []) {
      const inputs = n.input ?? [];
      for (let i = 0; i < inputs.length; i++) if (inputs[i] === from) inputs[i] = to;
    }
  });
}

/** Renames the node output `from` to `to` in `graph` (the producing node and every use, subgraphs included). */
export function renameValue(graph: OnnxProto.IGraphProto, from: string, to: string): void {
  for (const n of graph.node ?? []) {
    const outputs = n.output ?? [];
    for (let i = 0; i < outputs.length; i++) if (outputs[i] === from) outputs[i] = to;
  }
  renameUses(graph, from, to);
}

/**
 * Moves the tensors of `Constant` nodes (attribute `value`) into initializers of the same graph,
 * named after the node's output, so weights stored as Constant nodes (Paddle2ONNX exports) are
 * handled like initializers. Returns how many nodes were moved.
 */
export function promoteConstantNodes(model: DecodedOnnxModel): number {
  let moved = 0;
  if ((model.irVersion === null ? 0 : int64ToNumber(model.irVersion)) < 4) {
    throw invalidArg(
      'ERR_OPTIMIZE_IR_VERSION',
      `Model IR version ${String(model.irVersion)} is too old to optimize: allowed are IR versions >= 4`,
    );
  }
  walkGraphs(model.graph, (g) => {
    const kept: OnnxProto.INodeProto[] = [];
    for (const n of g.node ?? []) {
      const value =
        n.opType === 'Constant' && (n.domain ?? '') === '' ? findAttribute(n, 'value')?.t : undefined;
      if (value && n.output?.length === 1) {
        const tensor = onnx.TensorProto.fromObject(onnx.TensorProto.toObject(value as OnnxProto.TensorProto));
        tensor.name = n.output[0]!;
        (g.initializer ??= []).push(tensor);
        moved++;
      } else kept.push(n);
    }
    g.node = kept;
  });
  return moved;
}

/** The initializers of `graph` by name. */
export function initializerMap(graph: OnnxProto.IGraphProto): Map<string, OnnxProto.ITensorProto> {
  return new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
}

/** How many node inputs (subgraphs included) and graph outputs use each value of `graph`. */
export function useCounts(graph: OnnxProto.IGraphProto): Map<string, number> {
  const counts = new Map<string, number>();
  walkGraphs(graph, (g) => {
    for (const n of g.node ?? []) for (const i of n.input ?? []) counts.set(i, (counts.get(i) ?? 0) + 1);
  });
  for (const o of graph.output ?? []) counts.set(o.name ?? '', (counts.get(o.name ?? '') ?? 0) + 1);
  return counts;
}

/** Ensures the model imports `domain` at `version` or newer. */
export function ensureOpset(model: OnnxProto.IModelProto, domain: string, version: number): void {
  const imports = (model.opsetImport ??= []);
  const found = imports.find((o) => (o.domain ?? '') === domain);
  if (!found) imports.push(onnx.OperatorSetIdProto.create({ domain, version }));
  else if (int64ToNumber(found.version) < version) found.version = version;
}
