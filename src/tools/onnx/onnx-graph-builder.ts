/**
 * OnnxGraphBuilder: declares an ONNX graph piece by piece (opsets, typed inputs and outputs with
 * numeric or symbolic dims, initializers, nodes with attributes) and emits a GraphProto, a
 * ModelProto or the model's bytes. The same input always gives the same bytes (no timestamps,
 * generated node names are counters). It checks names, not operator semantics: ORT does that.
 */
import { invalidArg } from '../../common/index.js';
import { elementTypeCode, type OnnxElementType } from './element-type.js';
import { makeAttribute, type OnnxAttributeValue } from './onnx-attribute.js';
import { type OnnxProto, onnx } from './onnx-proto.js';
import { makeTensor, type OnnxTensorValues } from './onnx-tensor.js';

/** One dim of a declared shape: a size, a symbolic name such as 'batch', or null for unknown. */
export type OnnxDim = number | string | null;

/** Options of an OnnxGraphBuilder. */
export interface OnnxGraphBuilderOptions {
  /** Graph name; default 'main'. */
  graphName?: string;
  /** Version of the default ('' = ai.onnx) opset; default 17. Other domains via `opset()`. */
  opsetVersion?: number;
  /** Model IR version; default 8 (the newest onnx-proto knows, and what opset 17 needs). */
  irVersion?: number;
  /** Model producer name; default 'nereid'. */
  producerName?: string;
  /** Model producer version; default '' (not written). */
  producerVersion?: string;
  /** Model doc string; default '' (not written). */
  docString?: string;
}

/** Options of one node. */
export interface OnnxNodeOptions {
  /** Node name; default `<opType>_<n>` with n counting nodes of the graph from 0. */
  name?: string;
  /** Operator domain; default '' (ai.onnx). */
  domain?: string;
  /** Attributes by name, made with `attr.*` (a plain string is a STRING attribute). */
  attributes?: Readonly<Record<string, OnnxAttributeValue>>;
}

/** Builds one ONNX graph (or a model around it); methods chain. */
export class OnnxGraphBuilder {
  private readonly options: Required<OnnxGraphBuilderOptions>;
  private readonly opsets = new Map<string, number>();
  private readonly inputs: OnnxProto.ValueInfoProto[] = [];
  private readonly outputs: OnnxProto.ValueInfoProto[] = [];
  private readonly valueInfos: OnnxProto.ValueInfoProto[] = [];
  private readonly initializers: OnnxProto.TensorProto[] = [];
  private readonly nodes: OnnxProto.NodeProto[] = [];
  private readonly metadata: OnnxProto.StringStringEntryProto[] = [];
  /** Names produced so far (inputs, initializers, node outputs), to catch duplicates. */
  private readonly produced = new Set<string>();

  constructor(options: OnnxGraphBuilderOptions = {}) {
    this.options = {
      graphName: options.graphName ?? 'main',
      opsetVersion: options.opsetVersion ?? 17,
      irVersion: options.irVersion ?? 8,
      producerName: options.producerName ?? 'nereid',
      producerVersion: options.producerVersion ?? '',
      docString: options.docString ?? '',
    };
    this.opsets.set('', this.options.opsetVersion);
  }

  /** Declares (or overrides) the opset version imported for `domain` ('' = ai.onnx). */
  opset(domain: string, version: number): this {
    if (!Number.isInteger(version) || version < 1) {
      throw invalidArg(
        'ERR_ONNX_BUILDER',
        `Opset version of domain "${domain}" must be an integer >= 1: received ${version}`,
      );
    }
    this.opsets.set(domain, version);
    return this;
  }

  /** Declares a graph input of element `type` and `shape` (null shape = unknown rank). */
  input(name: string, type: OnnxElementType, shape: readonly OnnxDim[] | null): this {
    this.claim(name, 'input');
    this.inputs.push(makeValueInfo(name, type, shape));
    return this;
  }

  /** Declares a graph output (produced by this graph, or by an outer graph for a subgraph). */
  output(name: string, type: OnnxElementType, shape: readonly OnnxDim[] | null): this {
    if (this.outputs.some((o) => o.name === name)) {
      throw invalidArg(
        'ERR_ONNX_BUILDER',
        `Graph "${this.options.graphName}" already has an output "${name}"`,
      );
    }
    this.outputs.push(makeValueInfo(name, type, shape));
    return this;
  }

  /** Records the type and shape of an intermediate value (graph.value_info). */
  valueInfo(name: string, type: OnnxElementType, shape: readonly OnnxDim[] | null): this {
    this.valueInfos.push(makeValueInfo(name, type, shape));
    return this;
  }

  /** Adds a constant tensor to graph.initializer (see `makeTensor` for the accepted values). */
  initializer(name: string, type: OnnxElementType, dims: readonly number[], values: OnnxTensorValues): this {
    this.claim(name, 'initializer');
    this.initializers.push(makeTensor(name, type, dims, values));
    return this;
  }

  /** Adds a node; `''` in `inputs` marks an omitted optional input. */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    options: OnnxNodeOptions = {},
  ): this {
    for (const out of outputs) if (out !== '') this.claim(out, `output of ${opType}`);
    const attributes = options.attributes ?? {};
    const node = onnx.NodeProto.create({
      opType,
      input: [...inputs],
      output: [...outputs],
      name: options.name ?? `${opType}_${this.nodes.length}`,
      attribute: Object.keys(attributes).map((key) => makeAttribute(key, attributes[key]!)),
    });
    if (options.domain) node.domain = options.domain;
    this.nodes.push(node);
    return this;
  }

  /** Adds a model metadata_props entry (ignored by `toGraph`). */
  meta(key: string, value: string): this {
    this.metadata.push(onnx.StringStringEntryProto.create({ key, value }));
    return this;
  }

  /** The GraphProto, for a model or as a subgraph attribute (`attr.graph(b.toGraph())`). */
  toGraph(): OnnxProto.GraphProto {
    const graph = onnx.GraphProto.create({
      name: this.options.graphName,
      node: [...this.nodes],
      initializer: [...this.initializers],
      input: [...this.inputs],
      output: [...this.outputs],
      valueInfo: [...this.valueInfos],
    });
    return graph;
  }

  /** The ModelProto around `toGraph()`, with the declared opsets in a stable (sorted) order. */
  toModel(): OnnxProto.ModelProto {
    const domains = [...this.opsets.keys()].sort();
    const model = onnx.ModelProto.create({
      irVersion: this.options.irVersion,
      opsetImport: domains.map((domain) =>
        onnx.OperatorSetIdProto.create({ domain, version: this.opsets.get(domain)! }),
      ),
      producerName: this.options.producerName,
      graph: this.toGraph(),
      metadataProps: [...this.metadata],
    });
    if (this.options.producerVersion !== '') model.producerVersion = this.options.producerVersion;
    if (this.options.docString !== '') model.docString = this.options.docString;
    return model;
  }

  /** The serialized model (deterministic for the same declarations). */
  toBytes(): Uint8Array {
    return onnx.ModelProto.encode(this.toModel()).finish();
  }

  private claim(name: string, what: string): void {
    if (name === '') throw invalidArg('ERR_ONNX_BUILDER', `An empty name cannot be used for an ${what}`);
    if (this.produced.has(name)) {
      throw invalidArg(
        'ERR_ONNX_BUILDER',
        `Name "${name}" (${what}) is already defined in graph "${this.options.graphName}": ONNX values are single-assignment`,
      );
    }
    this.produced.add(name);
  }
}

/** A ValueInfoProto for a tensor of `type` and `shape` (null = unknown rank). */
export function makeValueInfo(
  name: string,
  type: OnnxElementType,
  shape: readonly OnnxDim[] | null,
): OnnxProto.ValueInfoProto {
  const tensorType = onnx.TypeProto.Tensor.create({ elemType: elementTypeCode(type) });
  if (shape !== null) {
    tensorType.shape = onnx.TensorShapeProto.create({
      dim: shape.map((d) => {
        if (typeof d === 'string') return onnx.TensorShapeProto.Dimension.create({ dimParam: d });
        if (d === null) return onnx.TensorShapeProto.Dimension.create({});
        if (!Number.isInteger(d) || d < 0) {
          throw invalidArg(
            'ERR_ONNX_BUILDER',
            `Value "${name}" has an invalid dim ${d}: allowed are integers >= 0, names or null`,
          );
        }
        return onnx.TensorShapeProto.Dimension.create({ dimValue: d });
      }),
    });
  }
  return onnx.ValueInfoProto.create({ name, type: onnx.TypeProto.create({ tensorType }) });
}
